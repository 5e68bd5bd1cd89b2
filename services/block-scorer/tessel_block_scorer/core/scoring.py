"""Replace-one-block quality scores (Puzzle §1.4): the parent with exactly one subblock replaced by a
library variant, compared with the parent per token on held-out text.

Per predicted token (next-token targets), with lower = better for all three:
- `kl`: KL(parent ‖ child) over the vocabulary (the default solver objective; the paper's best metric);
- `lm_loss_delta`: child cross-entropy minus parent cross-entropy;
- `top1_disagreement`: 1 when the child's argmax differs from the parent's, else 0.
Each score is the mean over token batches with its standard error (std of the batch means / √batches).

How this stays cheap (and what `tests/scoring/test_scoring.py` proves equal to a naive full forward):
- Batch-outer, variant-inner: for each token batch the parent runs once, and its per-layer inputs
  (the residual stream entering layer L), its attention mask / rotary tables and its next-token
  probabilities are kept and reused by every variant of the group.
- A variant at layer L starts from the parent's cached hidden state at L's input: layers < L are
  unchanged by a replace-one-block child, so they are never recomputed (on average half the layers run).
- The vocabulary is streamed in chunks of `vocab_chunk`: per chunk one [tokens, chunk] logit block of
  the child, an online log-sum-exp, argmax and Σ p·z_child. Using
  KL = Σ_v p_v z_p,v − Σ_v p_v z_c,v + lse_c − lse_p (from Σ p = 1) needs one pass and no child
  log-prob tensor, so the child side is bounded by tokens × chunk; the parent's probabilities p and
  Σ p·z_p are computed once per batch (the p buffer is the only vocabulary-sized tensor kept). The
  parent's statistics come from the same chunked routine and chunk order, so a child identical to the
  parent scores exactly 0.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from tessel.llm.scored_library import QUALITY_METRICS, Score

DEFAULT_VOCAB_CHUNK = 8192


@dataclass(frozen=True)
class Replacement:
    """One variant to score: its library id and the module that replaces the parent's subblock."""

    id: str
    layer: int
    subblock: str  # "attention" | "ffn"
    module: nn.Module
    # A no-op subblock has no norm either (as `tessel.llm.model.apply_block_configs` builds children).
    drops_norm: bool = False


@dataclass
class ParentBatch:
    """What one token batch of the parent leaves for the variants (reused by all of them)."""

    layer_inputs: list[torch.Tensor]  # [B, T, H] residual stream entering each layer
    layer_kwargs: dict  # attention mask, rotary tables, position ids exactly as the parent's layers saw them
    targets: torch.Tensor  # [N] next-token ids, N = B·(T−1)
    probs: torch.Tensor  # [N, V] the parent's next-token probabilities
    self_cross: torch.Tensor  # [N] Σ_v p_v z_p,v (accumulated chunk by chunk, as a child's Σ p·z_c is)
    lse: torch.Tensor  # [N] log-sum-exp of the logits
    argmax: torch.Tensor  # [N]
    loss: torch.Tensor  # [N] cross-entropy of the targets


@dataclass(frozen=True)
class TokenStats:
    lse: torch.Tensor
    argmax: torch.Tensor
    loss: torch.Tensor
    kl: torch.Tensor | None  # against the parent (None when computing the parent itself)


def chunked_token_stats(hidden: torch.Tensor, head: torch.Tensor, targets: torch.Tensor, *, chunk: int,
                        parent: ParentBatch | None = None, logits_out: torch.Tensor | None = None) -> TokenStats:
    """Per-token statistics of `hidden` [N, H] under the LM head weight `head` [V, H], streaming the
    vocabulary in chunks. With `parent`, also KL(parent ‖ this). With `logits_out` [N, V], the logits are
    written there (the parent's buffer, turned into probabilities by `parent_batch`)."""
    n, vocab = hidden.shape[0], head.shape[0]
    running_max = hidden.new_full((n,), -math.inf)
    running_sum = hidden.new_zeros(n)
    best = hidden.new_full((n,), -math.inf)
    best_index = torch.zeros(n, dtype=torch.long, device=hidden.device)
    cross = hidden.new_zeros(n) if parent is not None else None
    for start in range(0, vocab, chunk):
        z = hidden @ head[start : start + chunk].T  # [N, c]: the only vocab-sized block of the child
        if logits_out is not None:
            logits_out[:, start : start + chunk] = z
        chunk_max, chunk_arg = z.max(dim=-1)
        new_max = torch.maximum(running_max, chunk_max)
        running_sum = running_sum * torch.exp(running_max - new_max) + torch.exp(z - new_max[:, None]).sum(-1)
        running_max = new_max
        better = chunk_max > best  # strict: the first index wins ties, as torch.argmax does
        best = torch.where(better, chunk_max, best)
        best_index = torch.where(better, chunk_arg + start, best_index)
        if parent is not None:
            cross += (parent.probs[:, start : start + chunk] * z).sum(-1)
    lse = running_max + torch.log(running_sum)
    target_logit = (hidden * head[targets]).sum(-1)
    kl = (parent.self_cross - cross) + (lse - parent.lse) if parent is not None else None
    return TokenStats(lse=lse, argmax=best_index, loss=lse - target_logit, kl=kl)


def _lm_head_weight(model) -> torch.Tensor:
    return model.lm_head.weight


def parent_batch(model, input_ids: torch.Tensor, *, chunk: int) -> ParentBatch:
    """Run the parent once on `input_ids` [B, T], keeping every layer's input and its probabilities."""
    layers = model.model.layers
    inputs: list[torch.Tensor | None] = [None] * len(layers)
    captured: dict = {}

    def recorder(index: int):
        def hook(module, args, kwargs):
            inputs[index] = args[0] if args else kwargs["hidden_states"]
            if index == 0:
                captured.update({k: v for k, v in kwargs.items() if k != "hidden_states"})

        return hook

    handles = [layer.register_forward_pre_hook(recorder(i), with_kwargs=True) for i, layer in enumerate(layers)]
    try:
        final = model.model(input_ids=input_ids, use_cache=False).last_hidden_state
    finally:
        for handle in handles:
            handle.remove()
    hidden = _predicting(final)
    targets = input_ids[:, 1:].reshape(-1)
    head = _lm_head_weight(model)
    buffer = hidden.new_empty(hidden.shape[0], head.shape[0])
    stats = chunked_token_stats(hidden, head, targets, chunk=chunk, logits_out=buffer)
    # Logits → probabilities in place, chunk by chunk, accumulating Σ p·z_p in a child's chunk order.
    self_cross = hidden.new_zeros(hidden.shape[0])
    for start in range(0, head.shape[0], chunk):
        logits = buffer[:, start : start + chunk]
        probs = torch.exp(logits - stats.lse[:, None])
        self_cross += (probs * logits).sum(-1)
        logits.copy_(probs)
    return ParentBatch(layer_inputs=inputs, layer_kwargs=captured, targets=targets, probs=buffer,
                       self_cross=self_cross, lse=stats.lse, argmax=stats.argmax, loss=stats.loss)


def _predicting(final: torch.Tensor) -> torch.Tensor:
    """[B, T, H] → [B·(T−1), H]: the positions that have a next token."""
    return final[:, :-1].reshape(-1, final.shape[-1])


@contextlib.contextmanager
def replaced(model, replacement: Replacement) -> Iterator[None]:
    """The parent with exactly this subblock swapped in (restored afterwards)."""
    layer = model.model.layers[replacement.layer]
    module_name, norm_name = ("self_attn", "input_layernorm") if replacement.subblock == "attention" else (
        "mlp", "post_attention_layernorm")
    saved_module, saved_norm = getattr(layer, module_name), getattr(layer, norm_name)
    setattr(layer, module_name, replacement.module)
    if replacement.drops_norm:
        setattr(layer, norm_name, nn.Identity())
    try:
        yield
    finally:
        setattr(layer, module_name, saved_module)
        setattr(layer, norm_name, saved_norm)


def variant_stats(model, cached: ParentBatch, replacement: Replacement, *, chunk: int) -> TokenStats:
    """The child's per-token statistics, starting from the parent's cached input of the replaced layer."""
    hidden = cached.layer_inputs[replacement.layer]
    with replaced(model, replacement):
        for layer in model.model.layers[replacement.layer :]:
            hidden = layer(hidden, **cached.layer_kwargs)
    final = model.model.norm(hidden)
    return chunked_token_stats(_predicting(final), _lm_head_weight(model), cached.targets, chunk=chunk, parent=cached)


def batch_scores(stats: TokenStats, cached: ParentBatch) -> dict[str, float]:
    """One batch's token means of the three metrics."""
    return {
        "kl": float(stats.kl.mean()),
        "lm_loss_delta": float((stats.loss - cached.loss).mean()),
        "top1_disagreement": float((stats.argmax != cached.argmax).float().mean()),
    }


def summarize(per_batch: list[dict[str, float]]) -> dict[str, Score]:
    """Mean over batches and its standard error (0 with a single batch: no spread to estimate)."""
    scores = {}
    for metric in QUALITY_METRICS:
        values = torch.tensor([b[metric] for b in per_batch], dtype=torch.float64)
        stderr = float(values.std(unbiased=True) / math.sqrt(len(values))) if len(values) > 1 else 0.0
        scores[metric] = Score(mean=float(values.mean()), stderr=stderr)
    return scores


def score_replacements(model, batches: Iterable[torch.Tensor], replacements: list[Replacement], *,
                       vocab_chunk: int = DEFAULT_VOCAB_CHUNK,
                       on_batch: Callable[[int], None] | None = None) -> dict[str, dict[str, Score]]:
    """Scores of every replacement over all `batches` (each [B, T] token ids); the parent runs once per
    batch for all of them. `on_batch(index)` is called after each batch (progress, cancellation)."""
    per_batch: dict[str, list[dict[str, float]]] = {r.id: [] for r in replacements}
    with torch.inference_mode():
        for index, input_ids in enumerate(batches):
            cached = parent_batch(model, input_ids, chunk=vocab_chunk)
            for replacement in replacements:
                stats = variant_stats(model, cached, replacement, chunk=vocab_chunk)
                per_batch[replacement.id].append(batch_scores(stats, cached))
            del cached
            if on_batch is not None:
                on_batch(index)
    if not all(per_batch.values()) and replacements:
        raise ValueError("no token batches to score on")
    return {variant_id: summarize(values) for variant_id, values in per_batch.items()}
