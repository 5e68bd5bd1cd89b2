"""A causal LM's choice and confidence on each item of the held-out cloze task.

The items come from the corpus's evaluation split (`tessel.assets.cloze`), drawn with the same corpus
split seed as the compression pipeline, so a parent and its children answer the same items, none of which
their distillation read. Scoring and the confidence are the shared library's (`tessel.zoo.lm_choice`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ClozeRequest:
    model_folder: Path
    tokenizer_folder: Path
    corpus: str
    corpus_seed: int
    items: int
    cloze_seed: int
    context_tokens: int
    length_normalised: bool
    device: str


@dataclass(frozen=True)
class ClozeConfidence:
    item_ids: list[str]
    predictions: np.ndarray  # [n] int64 chosen option
    labels: np.ndarray  # [n] int64 answer
    correct: np.ndarray  # [n] bool
    confidence: np.ndarray  # [n] softmax response over the options
    margin: np.ndarray  # [n] chosen minus runner-up probability
    task_sha256: str

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean())

    def to_document(self) -> dict:
        return {"cloze_task_sha256": self.task_sha256, "accuracy": self.accuracy,
                "items": [{"id": item, "prediction": int(p), "answer": int(a), "correct": bool(c),
                           "confidence": float(s), "margin": float(m)}
                          for item, p, a, c, s, m in zip(self.item_ids, self.predictions, self.labels, self.correct,
                                                         self.confidence, self.margin)]}


def cloze_confidence(request: ClozeRequest) -> ClozeConfidence:
    from tessel.assets.cloze import build_cloze_task
    from tessel.assets.corpus import load_corpus
    from tessel.zoo.lm_choice import load_choice_model, score_choice_task

    model, tokenizer = load_choice_model(request.model_folder, device=request.device,
                                         tokenizer_folder=request.tokenizer_folder)
    corpus = load_corpus(request.corpus, seed=request.corpus_seed)
    task = build_cloze_task(corpus, tokenizer, n_items=request.items, seed=request.cloze_seed,
                            context_tokens=request.context_tokens)
    scores = score_choice_task(model, tokenizer, task, length_normalised=request.length_normalised,
                               device=request.device)
    labels = task.answers
    predictions = scores.predictions.astype(np.int64)
    return ClozeConfidence([item.id for item in task.items], predictions, labels, predictions == labels,
                           scores.confidence, scores.margin, task.digest)
