"""Coreset selection: greedy k-center (farthest-first traversal), Sener & Savarese 2018.

Each pick takes the pool point farthest (squared Euclidean) from its nearest centre, then updates every
point's min-distance against the new centre only, no n x n matrix. Distances use the expansion
|x - c|^2 = |x|^2 + |c|^2 - 2 x.c with the squared norms computed once, so a pick costs one matrix-vector
product: a single read of the embeddings (the memory-bandwidth floor), no temporary of their size. The
starting distances to the labelled centres are matrix products over chunks of centres. Ties go to the
lowest index (argmax returns the first maximum). Runs with torch on the GPU when one is present, else on
the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tessel.runtime.errors import InvalidArgument

_CHUNK_ROWS = 65536
_CHUNK_CENTRES = 256
_CENTRE = -1.0


@dataclass(frozen=True)
class CoresetSelection:
    indices: list[int]  # picked pool indices, in pick order
    radii: list[float]  # covering radius (max min-distance, squared) after each pick


def _distances_to(x: torch.Tensor, sq: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Squared distances [n] from every row of x to its nearest row of `centres` (rounding clamped at 0)."""
    nearest = torch.full((x.shape[0],), float("inf"), dtype=x.dtype, device=x.device)
    centre_sq = (centres * centres).sum(dim=1)
    for start in range(0, x.shape[0], _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        dist = torch.addmm(centre_sq[None, :], x[rows], centres.T, alpha=-2.0).add_(sq[rows, None])
        nearest[rows] = dist.min(dim=1).values.clamp_(min=0.0)
    return nearest


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
    sq = (x * x).sum(dim=1)
    min_dist = torch.full((n,), float("inf"), dtype=x.dtype, device=dev)
    for start in range(0, labeled_idx.size, _CHUNK_CENTRES):
        centres = x[torch.as_tensor(labeled_idx[start:start + _CHUNK_CENTRES], device=dev)]
        torch.minimum(min_dist, _distances_to(x, sq, centres), out=min_dist)
    # Centres are marked by a min-distance of -1: later updates keep it (min with a distance >= 0), argmax
    # never picks it, and an unpicked duplicate of a centre (distance 0) stays pickable. No mask pass per pick.
    min_dist[torch.as_tensor(labeled_idx, device=dev)] = _CENTRE
    indices: list[int] = []
    radii: list[float] = []
    for _ in range(budget):
        pick = int(torch.argmax(min_dist))
        indices.append(pick)
        min_dist[pick] = _CENTRE
        dist = torch.mv(x, x[pick]).mul_(-2.0).add_(sq).add_(sq[pick]).clamp_(min=0.0)
        torch.minimum(min_dist, dist, out=min_dist)
        radii.append(max(0.0, float(min_dist.max())))
    return CoresetSelection(indices=indices, radii=radii)
