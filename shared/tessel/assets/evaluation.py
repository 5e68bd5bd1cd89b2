"""Language-model quality on the held-out split: perplexity over non-overlapping windows, cloze accuracy."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tessel.assets.cloze import build_cloze_task, score_cloze
from tessel.assets.corpus import DEFAULT_CORPUS, load_corpus
from tessel.assets.models import load_causal_lm
from tessel.runtime.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True)
class PerplexityResult:
    perplexity: float
    nll_per_token: float
    tokens_scored: int
    windows: int
    total_windows: int
    window_tokens: int


def heldout_perplexity(
    model: Any, stream: np.ndarray, *, window: int = 512, max_windows: int | None = None, device: str = "cpu"
) -> PerplexityResult:
    """Perplexity over non-overlapping `window`-token windows of `stream` (each window scores its last
    window-1 tokens). With `max_windows`, that many windows spread evenly over the stream are used."""
    import torch

    if window < 2:
        raise InvalidArgument(f"window must be >= 2, got {window}", field="window")
    total = len(stream) // window
    if total == 0:
        raise FailedPrecondition(f"the token stream ({len(stream)} tokens) is shorter than one window", field="window")
    chosen = np.arange(total)
    if max_windows is not None:
        if max_windows < 1:
            raise InvalidArgument(f"max_windows must be >= 1, got {max_windows}", field="max_windows")
        if max_windows < total:
            chosen = np.unique(np.linspace(0, total - 1, max_windows).round().astype(np.int64))
    nll = 0.0
    with torch.inference_mode():
        for index in chosen:
            ids = torch.from_numpy(stream[index * window : (index + 1) * window].astype(np.int64))[None].to(device)
            output = model(ids)
            logits = getattr(output, "logits", output)[0, :-1].float()
            nll += torch.nn.functional.cross_entropy(logits, ids[0, 1:], reduction="sum").item()
    tokens = len(chosen) * (window - 1)
    return PerplexityResult(
        perplexity=math.exp(nll / tokens),
        nll_per_token=nll / tokens,
        tokens_scored=tokens,
        windows=len(chosen),
        total_windows=total,
        window_tokens=window,
    )


def evaluate_language_model(
    ref: str,
    *,
    dtype: str = "float32",
    corpus: str = DEFAULT_CORPUS,
    max_windows: int | None = None,
    n_items: int = 200,
    seed: int = 0,
    window: int = 512,
    device: str = "cpu",
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Held-out perplexity and cloze accuracy of model `ref`, as one JSON-ready report."""
    started = time.perf_counter()
    model, tokenizer = load_causal_lm(ref, dtype=dtype, device=device, cache_dir=cache_dir)
    text = load_corpus(corpus, cache_dir=cache_dir, seed=seed)
    stream = text.token_stream(tokenizer, "evaluation")
    perplexity = heldout_perplexity(model, stream, window=window, max_windows=max_windows, device=device)
    ppl_seconds = time.perf_counter() - started
    task = build_cloze_task(text, tokenizer, n_items=n_items, seed=seed)
    scores = score_cloze(model, tokenizer, task, device=device)
    return {
        "model": ref,
        "dtype": dtype,
        "corpus": text.name,
        "split": "evaluation",
        "split_sha256": text.manifest["split_sha256"]["evaluation"],
        "evaluation_documents": text.manifest["counts"]["evaluation"]["documents"],
        "evaluation_tokens": int(len(stream)),
        "perplexity": asdict(perplexity),
        "cloze": {
            "version": task.version,
            "task_sha256": task.digest,
            "items": len(task.items),
            "seed": seed,
            "context_tokens": task.context_tokens,
            "accuracy": scores.accuracy,
            "mean_confidence": float(scores.confidence.mean()),
            "chance": 0.25,
        },
        "seconds": {"perplexity": round(ppl_seconds, 1), "total": round(time.perf_counter() - started, 1)},
    }
