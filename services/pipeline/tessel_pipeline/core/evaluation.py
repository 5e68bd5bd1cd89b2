"""Child vs parent on the corpus's held-out `evaluation` split (disjoint from the `distillation` split that
BLD and global KD train on): perplexity, KL(parent || child) per token, top-1 agreement, cloze accuracy and
parameters. Timing is not measured here (the block-scorer's measurement jobs do it on the scenario)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tessel.runtime.errors import FailedPrecondition

EVALUATION_SPLIT = "evaluation"
BATCH_SEQUENCES = 4


@dataclass(frozen=True)
class Quality:
    params: int
    perplexity: float
    cloze_accuracy: float


@dataclass(frozen=True)
class Comparison:
    parent: Quality
    child: Quality
    kl: float
    top1_agreement: float
    evaluation_tokens: int
    cloze_items: int
    split: str = EVALUATION_SPLIT


def compare(parent_model: str, corpus: str, child_folder: Path, *, seed: int, tokens: int, sequence_length: int,
            cloze_items: int, progress: Callable[..., None]) -> Comparison:
    """Load both models and score them on the same held-out windows and cloze items."""
    import torch

    from tessel.assets.cloze import build_cloze_task, score_cloze
    from tessel.assets.corpus import load_corpus
    from tessel.assets.models import load_causal_lm
    from tessel.llm.nemotron_nas import load_heterogeneous

    parent, tokenizer = load_causal_lm(parent_model)
    child = load_heterogeneous(child_folder)
    parent.eval()
    child.eval()
    # The corpus split seed is the pipeline's seed, as in the library and KD stages: same split, other documents.
    text = load_corpus(corpus, seed=seed)
    stream = text.token_stream(tokenizer, EVALUATION_SPLIT)
    windows = min(len(stream) // sequence_length, max(1, tokens // sequence_length))
    if windows == 0:
        raise FailedPrecondition(f"the held-out split has {len(stream)} tokens, fewer than one {sequence_length}-token "
                                 "window", field="spec.corpus")
    sequences = stream[: windows * sequence_length].reshape(windows, sequence_length).astype(np.int64)
    totals = {"parent_nll": 0.0, "child_nll": 0.0, "kl": 0.0, "agree": 0.0}
    with torch.inference_mode():
        for start in range(0, windows, BATCH_SEQUENCES):
            progress(done=start, total=windows, unit="windows", message="held-out perplexity and KL")
            batch = torch.from_numpy(sequences[start : start + BATCH_SEQUENCES])
            parent_logits = parent(batch).logits[:, :-1].float()
            child_logits = child(batch).logits[:, :-1].float()
            targets = batch[:, 1:]
            parent_log = torch.log_softmax(parent_logits, dim=-1)
            child_log = torch.log_softmax(child_logits, dim=-1)
            totals["parent_nll"] += -parent_log.gather(-1, targets[..., None]).sum().item()
            totals["child_nll"] += -child_log.gather(-1, targets[..., None]).sum().item()
            totals["kl"] += (parent_log.exp() * (parent_log - child_log)).sum().item()
            totals["agree"] += (parent_logits.argmax(-1) == child_logits.argmax(-1)).sum().item()
    scored = windows * (sequence_length - 1)
    progress(done=windows, total=windows, unit="windows", message="cloze task")
    task = build_cloze_task(text, tokenizer, n_items=cloze_items, seed=seed)
    parent_cloze = score_cloze(parent, tokenizer, task).accuracy
    child_cloze = score_cloze(child, tokenizer, task).accuracy
    return Comparison(
        parent=Quality(_params(parent), math.exp(totals["parent_nll"] / scored), float(parent_cloze)),
        child=Quality(_params(child), math.exp(totals["child_nll"] / scored), float(child_cloze)),
        kl=totals["kl"] / scored, top1_agreement=totals["agree"] / scored, evaluation_tokens=scored,
        cloze_items=len(task.items),
    )


def _params(model) -> int:
    return sum(p.numel() for p in model.parameters())
