"""Coreset selection: greedy k-center (farthest-first traversal), Sener & Savarese 2018.

Each pick takes the pool point farthest (squared Euclidean) from its nearest centre, then updates every
point's min-distance against the new centre only: one chunked pass over the embeddings per pick, no n x n
matrix. Ties go to the lowest index (argmax returns the first maximum). Runs with torch on the GPU when
one is present, else on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tessel.runtime.errors import InvalidArgument

_CHUNK_ROWS = 65536
_CENTRE = -1.0


@dataclass(frozen=True)
class CoresetSelection:
    indices: list[int]  # picked pool indices, in pick order
    radii: list[float]  # covering radius (max min-distance, squared) after each pick


def _update_min_distance(x: torch.Tensor, centre: torch.Tensor, min_dist: torch.Tensor) -> None:
    for start in range(0, x.shape[0], _CHUNK_ROWS):
        chunk = x[start:start + _CHUNK_ROWS]
        dist = (chunk - centre).pow_(2).sum(dim=1)
        torch.minimum(min_dist[start:start + _CHUNK_ROWS], dist, out=min_dist[start:start + _CHUNK_ROWS])


def greedy_k_center(
    embeddings: np.ndarray | torch.Tensor,
    labeled: np.ndarray | list[int],
    budget: int,
    device: str | None = None,
) -> CoresetSelection:
    x = torch.as_tensor(embeddings)
    if x.ndim != 2 or x.shape[0] == 0:
        raise InvalidArgument("embeddings must be a non-empty [n, d] array", field="embeddings")
    n = x.shape[0]
    labeled_idx = np.unique(np.asarray(labeled, dtype=np.int64))
    if labeled_idx.size and (labeled_idx[0] < 0 or labeled_idx[-1] >= n):
        raise InvalidArgument(f"labeled indices must lie in [0, {n})", field="labeled")
    if budget < 1 or budget > n - labeled_idx.size:
        raise InvalidArgument(f"budget must be in [1, {n - labeled_idx.size}] (unlabelled pool size)", field="budget")
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    x = x.to(dev, dtype=torch.float32 if not x.is_floating_point() else x.dtype)
    min_dist = torch.full((n,), float("inf"), dtype=x.dtype, device=dev)
    for i in labeled_idx.tolist():
        _update_min_distance(x, x[i], min_dist)
    # Centres are marked by a min-distance of -1: later updates keep it (min with a distance >= 0), argmax
    # never picks it, and an unpicked duplicate of a centre (distance 0) stays pickable. No mask pass per pick.
    min_dist[torch.as_tensor(labeled_idx, device=dev)] = _CENTRE
    indices: list[int] = []
    radii: list[float] = []
    for _ in range(budget):
        pick = int(torch.argmax(min_dist))
        indices.append(pick)
        min_dist[pick] = _CENTRE
        _update_min_distance(x, x[pick], min_dist)
        radii.append(max(0.0, float(min_dist.max())))
    return CoresetSelection(indices=indices, radii=radii)
