"""Multiple-choice next-word (cloze) task built from the corpus's held-out evaluation split.

Each item is a context of up to `context_tokens` tokens that ends right before a space and a word, the
true next word, and 3 distractors drawn from the corpus vocabulary among the words of nearest frequency
rank (so a model cannot win by preferring common words). Targets are never among the 100 most frequent
words, whose choice grammar alone settles, so the task measures knowledge of the text. Options are scored by the summed
log-probability of the tokens of " <word>" after the context; the prediction is the best-scoring option
and its confidence is the softmax over the 4 summed log-probabilities. Items depend only on the corpus
split, the tokenizer and the seed; `CLOZE_VERSION` changes whenever the recipe does.

It is the capability benchmark for compressed LMs and a 4-class classification task for the trust track.
"""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tessel.assets.cache import sha256_bytes
from tessel.assets.corpus import Corpus, tokenizer_fingerprint
from tessel.runtime.errors import FailedPrecondition, InvalidArgument

CLOZE_VERSION = "tessel-cloze/1"
NUM_OPTIONS = 4
# A target is a whole lowercase word: not part of a contraction, hyphenation or longer token.
WORD_PATTERN = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")
MIN_WORD_COUNT = 5  # words rarer than this have no reliable frequency neighbours
FREQUENCY_NEIGHBOURS = 20  # distractors come from the 2*20 words nearest in frequency rank
MIN_TARGET_RANK = 100  # the 100 most frequent words are never targets: grammar alone would pick them
MIN_CONTEXT_CHARS = 200  # skip targets at the very start of a document (nothing to predict from)
CHARS_PER_TOKEN_GUESS = 8  # first guess of how much text holds `context_tokens` tokens


@dataclass(frozen=True)
class ClozeItem:
    id: str
    document_id: str
    context_text: str
    context_ids: list[int]
    options: list[str]
    option_ids: list[list[int]]
    answer: int

    @property
    def answer_word(self) -> str:
        return self.options[self.answer]


@dataclass(frozen=True)
class ClozeTask:
    version: str
    corpus: str
    split_sha256: str
    tokenizer: str
    seed: int
    context_tokens: int
    items: list[ClozeItem] = field(repr=False)

    @property
    def digest(self) -> str:
        return sha256_bytes(json.dumps(self.to_dict(), sort_keys=True).encode())

    @property
    def answers(self) -> np.ndarray:
        return np.array([item.answer for item in self.items], dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> ClozeTask:
        items = [ClozeItem(**item) for item in payload["items"]]
        return cls(**{**payload, "items": items})

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: Path) -> ClozeTask:
        return cls.from_dict(json.loads(path.read_text()))


@dataclass(frozen=True)
class ClozeScores:
    """Per item: summed log-probability of each option, softmax over options, prediction, correctness."""

    option_logprobs: np.ndarray  # (n, 4) float64
    probabilities: np.ndarray  # (n, 4)
    predictions: np.ndarray  # (n,) int64
    confidence: np.ndarray  # (n,) max probability
    correct: np.ndarray  # (n,) bool
    accuracy: float


def build_cloze_task(
    corpus: Corpus, tokenizer: Any, *, n_items: int, seed: int = 0, context_tokens: int = 256
) -> ClozeTask:
    if n_items < 1:
        raise InvalidArgument(f"n_items must be >= 1, got {n_items}", field="n_items")
    if context_tokens < 8:
        raise InvalidArgument(f"context_tokens must be >= 8, got {context_tokens}", field="context_tokens")
    vocabulary = _vocabulary(corpus.all_documents())
    if len(vocabulary) <= MIN_TARGET_RANK + NUM_OPTIONS:
        raise FailedPrecondition(
            f"the corpus has only {len(vocabulary)} words seen {MIN_WORD_COUNT}+ times: too few for a cloze task",
            field="corpus",
        )
    rank = {word: index for index, word in enumerate(vocabulary)}
    texts = corpus.documents("evaluation")
    ids = corpus.document_ids("evaluation")
    candidates = [
        (doc, match.start(), match.group())
        for doc, text in enumerate(texts)
        for match in WORD_PATTERN.finditer(text, MIN_CONTEXT_CHARS)
        if text[match.start() - 1] == " " and rank.get(match.group(), -1) >= MIN_TARGET_RANK
    ]
    if len(candidates) < n_items:
        raise FailedPrecondition(
            f"the evaluation split has only {len(candidates)} cloze positions, fewer than n_items={n_items}",
            field="n_items",
        )
    rng = np.random.default_rng(seed)
    items = []
    for choice in rng.choice(len(candidates), size=n_items, replace=False):
        doc, start, word = candidates[choice]
        context_ids = _context_ids(tokenizer, texts[doc], start - 1, context_tokens)
        distractors = _distractors(word, vocabulary, rank, rng)
        options = [word, *distractors]
        order = rng.permutation(NUM_OPTIONS)
        options = [options[i] for i in order]
        items.append(
            ClozeItem(
                id=f"{ids[doc]}@{start}",
                document_id=ids[doc],
                context_text=tokenizer.decode(context_ids),
                context_ids=context_ids,
                options=options,
                option_ids=[tokenizer(" " + option, add_special_tokens=False)["input_ids"] for option in options],
                answer=int(np.flatnonzero(order == 0)[0]),
            )
        )
    return ClozeTask(
        version=CLOZE_VERSION,
        corpus=corpus.name,
        split_sha256=corpus.manifest["split_sha256"]["evaluation"],
        tokenizer=tokenizer_fingerprint(tokenizer),
        seed=seed,
        context_tokens=context_tokens,
        items=items,
    )


def score_cloze(
    model: Any, tokenizer: Any, task: ClozeTask, *, batch_size: int = 8, device: str = "cpu"
) -> ClozeScores:
    """Score every option of every item with `model`.

    A Hugging Face causal LM runs each context once and its 4 options on the context's cached keys and
    values. Any other model (e.g. Tessel's heterogeneous Llama) must map token ids (B, T) to logits
    (B, T, V), directly or as `.logits`; it gets full context+option sequences, `batch_size` at a time."""
    import torch

    if tokenizer_fingerprint(tokenizer) != task.tokenizer:
        raise InvalidArgument("the cloze task was built with a different tokenizer than the model's", field="tokenizer")
    if batch_size < 1:
        raise InvalidArgument(f"batch_size must be >= 1, got {batch_size}", field="batch_size")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    with torch.inference_mode():
        if supports_shared_context(model):
            scores = _score_with_shared_context(model, task, pad, device)
        else:
            scores = _score_full_sequences(model, task, pad, device, batch_size)
    option_logprobs = scores.reshape(len(task.items), NUM_OPTIONS)
    shifted = option_logprobs - option_logprobs.max(axis=1, keepdims=True)
    probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    predictions = option_logprobs.argmax(axis=1)
    correct = predictions == task.answers
    return ClozeScores(
        option_logprobs=option_logprobs,
        probabilities=probabilities,
        predictions=predictions,
        confidence=probabilities.max(axis=1),
        correct=correct,
        accuracy=float(correct.mean()),
    )


def supports_shared_context(model: Any) -> bool:
    """Hugging Face causal LMs whose forward takes a `cache` (transformers >= 5) can reuse a context."""
    from transformers import PreTrainedModel

    return isinstance(model, PreTrainedModel) and "cache" in inspect.signature(model.forward).parameters


def _option_logprob(logits: Any, option: list[int]) -> float:
    """Summed log-probability of `option` given logits whose row i predicts option token i."""
    import torch

    logprobs = torch.log_softmax(logits[: len(option)].float(), dim=-1)
    targets = torch.tensor(option, device=logprobs.device)
    return logprobs.gather(1, targets[:, None]).sum().item()


def _padded(rows: list[list[int]], pad: int, device: str) -> Any:
    import torch

    batch = torch.full((len(rows), max(map(len, rows))), pad, dtype=torch.long)
    for index, row in enumerate(rows):
        batch[index, : len(row)] = torch.tensor(row)
    # Right padding needs no attention mask: causal attention keeps pads from touching real tokens.
    return batch.to(device)


def _score_with_shared_context(model: Any, task: ClozeTask, pad: int, device: str) -> np.ndarray:
    import torch

    scores = []
    for item in task.items:
        context = model(torch.tensor([item.context_ids], device=device), use_cache=True, logits_to_keep=1)
        context.cache.batch_repeat_interleave(NUM_OPTIONS)
        options = model(_padded(item.option_ids, pad, device), cache=context.cache).logits
        for row, option in enumerate(item.option_ids):
            # The context's last logits predict the option's first token; option logits predict the rest.
            logits = torch.cat([context.logits[0, -1:], options[row]], dim=0)
            scores.append(_option_logprob(logits, option))
    return np.asarray(scores, dtype=np.float64)


def _score_full_sequences(model: Any, task: ClozeTask, pad: int, device: str, batch_size: int) -> np.ndarray:
    sequences = [(item.context_ids, option) for item in task.items for option in item.option_ids]
    scores = []
    for begin in range(0, len(sequences), batch_size):
        batch = sequences[begin : begin + batch_size]
        output = model(_padded([context + option for context, option in batch], pad, device))
        logits = getattr(output, "logits", output)
        for row, (context, option) in enumerate(batch):
            scores.append(_option_logprob(logits[row, len(context) - 1 :], option))
    return np.asarray(scores, dtype=np.float64)


def _vocabulary(documents: list[str]) -> list[str]:
    """Eligible words by descending corpus frequency (ties by spelling, so the order is deterministic)."""
    counts = Counter(word for text in documents for word in WORD_PATTERN.findall(text))
    eligible = [(word, count) for word, count in counts.items() if count >= MIN_WORD_COUNT and len(word) >= 2]
    return [word for word, _ in sorted(eligible, key=lambda pair: (-pair[1], pair[0]))]


def _distractors(word: str, vocabulary: list[str], rank: dict[str, int], rng: np.random.Generator) -> list[str]:
    position = rank[word]
    low = max(0, min(position - FREQUENCY_NEIGHBOURS, len(vocabulary) - 2 * FREQUENCY_NEIGHBOURS - 1))
    pool = [w for w in vocabulary[low : low + 2 * FREQUENCY_NEIGHBOURS + 1] if w != word]
    return [pool[i] for i in rng.choice(len(pool), size=NUM_OPTIONS - 1, replace=False)]


def _context_ids(tokenizer: Any, text: str, end: int, context_tokens: int) -> list[int]:
    """The last `context_tokens` tokens of text[:end]. When the text window starts mid-document it is
    widened until it holds more tokens than needed, so a word cut by the window edge is never kept."""
    width = context_tokens * CHARS_PER_TOKEN_GUESS
    while True:
        start = max(0, end - width)
        ids = tokenizer(text[start:end], add_special_tokens=False)["input_ids"]
        if start == 0 or len(ids) > context_tokens:
            return ids[-context_tokens:]
        width *= 2
