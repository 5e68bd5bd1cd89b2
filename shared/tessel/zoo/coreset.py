"""Coreset selection: greedy k-center (farthest-first traversal), Sener & Savarese 2018.

Each pick takes the pool point farthest (squared Euclidean) from its nearest centre. Distances use the
expansion |x - c|^2 = |x|^2 + |c|^2 - 2 x.c with the squared norms computed once; the starting distances to
the labelled centres are matrix products over chunks of rows.

Picks are evaluated lazily (Minoux's lazy greedy, applied to min-distances): a point's min-distance only
ever shrinks, so a value computed against the centres chosen so far is an upper bound for later. A pick
refreshes only the points with the largest bounds against the centres added since their last refresh;
when the best refreshed value beats every remaining bound, it is the exact argmax, with no read of the rest
of the array. The eager update (one matrix-vector product over all n points per pick) reads the whole array
every pick; the lazy one reads a few hundred rows, so it runs below that memory-bandwidth floor. Ties go to
the lowest index: a tie between a refreshed value and a stale bound widens the refresh until none is left.
Runs with torch on the GPU when one is present, else on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tessel.runtime.errors import InvalidArgument

_CHUNK_ROWS = 65536
_CHUNK_CENTRES = 256
_REFRESH_ROWS = 256  # points refreshed per lazy step; doubled while a stale bound could still win
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


class _LazyMinDistance:
    """Upper bounds on every point's squared distance to its nearest centre, exact on demand."""

    def __init__(self, x: torch.Tensor, sq: torch.Tensor, labeled: torch.Tensor) -> None:
        self.x, self.sq = x, sq
        n = x.shape[0]
        self.bound = torch.full((n,), float("inf"), dtype=x.dtype, device=x.device)
        for start in range(0, labeled.numel(), _CHUNK_CENTRES):
            torch.minimum(self.bound, _distances_to(x, sq, x[labeled[start:start + _CHUNK_CENTRES]]),
                          out=self.bound)
        # Centres are marked by a bound of -1: refreshes keep it (min with a distance >= 0) and it never wins,
        # while an unpicked duplicate of a centre (distance 0) stays pickable.
        self.bound[labeled] = _CENTRE
        self.picks: list[int] = []
        self.seen = torch.zeros(n, dtype=torch.long, device=x.device)  # picks each bound already counts

    def add_centre(self, index: int) -> None:
        self.picks.append(index)
        self.bound[index] = _CENTRE

    def _refresh(self, rows: torch.Tensor) -> None:
        first = int(self.seen[rows].min())
        if first < len(self.picks):
            new = torch.as_tensor(self.picks[first:], device=self.x.device)
            centres = self.x[new]
            dist = torch.addmm(self.sq[new][None, :], self.x[rows], centres.T, alpha=-2.0)
            dist.add_(self.sq[rows, None]).clamp_(min=0.0)
            self.bound[rows] = torch.minimum(self.bound[rows], dist.min(dim=1).values)
            self.seen[rows] = len(self.picks)

    def farthest(self) -> tuple[int, float]:
        """The exact argmax of the min-distances (lowest index among ties) and its value."""
        n = self.bound.numel()
        count = min(_REFRESH_ROWS, n)
        while True:
            # The (count+1)-th largest bound caps every point left out of this refresh.
            values, top = torch.topk(self.bound, min(count + 1, n))
            rest = values[count] if count < n else None
            top = top[:count]
            self._refresh(top)
            best = self.bound[top].max()
            if rest is None or best > rest:
                break
            count = min(2 * count, n)  # a stale bound could still equal or beat it: refresh more
        winners = top[self.bound[top] == best]
        return int(winners.min()), float(best)


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
    min_dist = _LazyMinDistance(x, (x * x).sum(dim=1), torch.as_tensor(labeled_idx, device=dev))
    indices: list[int] = []
    radii: list[float] = []
    pick, _ = min_dist.farthest()
    for step in range(budget):
        indices.append(pick)
        min_dist.add_centre(pick)
        if step + 1 == budget and len(indices) + labeled_idx.size == n:
            radii.append(0.0)  # every point is a centre
            break
        pick, radius = min_dist.farthest()  # the next pick's distance is the radius after this one
        radii.append(max(0.0, radius))
    return CoresetSelection(indices=indices, radii=radii)
