"""Coreset-chosen distillation windows: farthest-first traversal (greedy k-center) over the parent's
mean-pooled hidden states of a bounded pool of candidate windows, instead of the first windows of the
seed-shuffled stream.

The embedding is the output of the middle decoder layer: early layers are still mostly token identity and
the last ones specialise to next-token logits, while the middle is the most general representation and is
the input distribution half of the distilled blocks see. Position 0 is left out of the mean: Llama-family
models put a massive "attention sink" activation on a sequence's first token whatever it is, which would
dominate every window's embedding.
"""

from __future__ import annotations

import numpy as np
import torch

from tessel.zoo.coreset import greedy_k_center

_MICRO_BATCH = 8


class _Stop(Exception):
    """Raised by the embedding hook: the layers above the middle one are not needed."""


def window_embeddings(model, candidates: np.ndarray) -> torch.Tensor:
    """[n, hidden] mean over positions 1.. of the middle decoder layer's output, float32 on the CPU."""
    layers = model.model.layers
    middle = layers[len(layers) // 2 - 1] if len(layers) > 1 else layers[0]
    device = next(model.parameters()).device
    captured: list[torch.Tensor] = []

    def hook(module, args, output):
        hidden = output[0] if isinstance(output, tuple) else output
        captured.append(hidden[:, 1:].float().mean(dim=1).cpu())
        raise _Stop

    handle = middle.register_forward_hook(hook)
    try:
        with torch.inference_mode():
            for start in range(0, len(candidates), _MICRO_BATCH):
                batch = torch.from_numpy(candidates[start:start + _MICRO_BATCH]).to(device)
                try:
                    model.model(input_ids=batch, use_cache=False)
                except _Stop:
                    pass
    finally:
        handle.remove()
    return torch.cat(captured)


def coreset_windows(model, candidates: np.ndarray, count: int, *, seed: int) -> list[int]:
    """`count` indices into `candidates` [n, L] by farthest-first traversal from a seed-chosen first window
    (deterministic for a seed), in pick order."""
    if not 1 <= count <= len(candidates):
        raise ValueError(f"count {count} must be in [1, {len(candidates)}]")
    embeddings = window_embeddings(model, candidates)
    first = int(np.random.default_rng(seed).integers(len(candidates)))
    if count == 1:
        return [first]
    picked = greedy_k_center(embeddings, [first], count - 1, device="cpu").indices
    return [first, *picked]
