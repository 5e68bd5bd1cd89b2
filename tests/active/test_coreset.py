"""Greedy k-center equals a brute-force reference (full distance matrix) on small random sets, and an eager
incremental reference on pools larger than one lazy refresh (where stale bounds decide what is re-read)."""

from __future__ import annotations

import numpy as np
import pytest

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.coreset import greedy_k_center


def brute_force_k_center(x: np.ndarray, labeled: list[int], budget: int) -> tuple[list[int], list[float]]:
    dist = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)  # full n x n: fine at test sizes
    centres = list(labeled)
    picks, radii = [], []
    for _ in range(budget):
        min_dist = dist[:, centres].min(axis=1) if centres else np.full(len(x), np.inf)
        min_dist[centres] = -1.0
        pick = int(np.argmax(min_dist))  # first maximum = lowest index
        centres.append(pick)
        picks.append(pick)
        radii.append(float(dist[:, centres].min(axis=1).max()))
    return picks, radii


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_labeled", [0, 1, 7])
def test_matches_brute_force(seed: int, n_labeled: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, 5)).astype(np.float64)
    labeled = sorted(rng.choice(60, size=n_labeled, replace=False).tolist())
    got = greedy_k_center(x, labeled, 20, device="cpu")
    want_picks, want_radii = brute_force_k_center(x, labeled, 20)
    assert got.indices == want_picks
    np.testing.assert_allclose(got.radii, want_radii, rtol=1e-12)
    assert len(set(got.indices)) == 20 and not set(got.indices) & set(labeled)


def eager_k_center(x: np.ndarray, labeled: list[int], budget: int) -> tuple[list[int], list[float]]:
    """Every point's exact min-distance updated after every pick: one full pass per pick."""
    min_dist = np.full(len(x), np.inf)
    for centre in labeled:
        min_dist = np.minimum(min_dist, ((x - x[centre]) ** 2).sum(axis=1))
    min_dist[labeled] = -1.0
    picks, radii = [], []
    for _ in range(budget):
        pick = int(np.argmax(min_dist))
        picks.append(pick)
        min_dist = np.minimum(min_dist, ((x - x[pick]) ** 2).sum(axis=1))
        min_dist[pick] = -1.0
        radii.append(max(0.0, float(min_dist.max())))
    return picks, radii


@pytest.mark.parametrize("n_labeled", [0, 5])
def test_lazy_picks_match_eager_on_a_large_pool(n_labeled: int) -> None:
    rng = np.random.default_rng(n_labeled)
    x = rng.normal(size=(3000, 16)) * rng.uniform(0.5, 2.0, size=(3000, 1))  # varied norms: bounds go stale unevenly
    labeled = sorted(rng.choice(3000, size=n_labeled, replace=False).tolist())
    got = greedy_k_center(x, labeled, 150, device="cpu")
    want_picks, want_radii = eager_k_center(x, labeled, 150)
    assert got.indices == want_picks
    np.testing.assert_allclose(got.radii, want_radii, rtol=1e-9)


def test_ties_across_a_refresh_go_to_lowest_index() -> None:
    # 3 locations x 400 copies, shuffled: every pick ties with hundreds of stale bounds beyond one refresh.
    rng = np.random.default_rng(0)
    x = np.repeat(np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 5.0]]), 400, axis=0)[rng.permutation(1200)]
    labeled = [int(np.flatnonzero((x == [0.0, 0.0]).all(axis=1))[0])]
    got = greedy_k_center(x, labeled, 4, device="cpu")
    want_picks, want_radii = eager_k_center(x, labeled, 4)
    assert got.indices == want_picks
    assert got.radii == want_radii == [9.0, 0.0, 0.0, 0.0]


def test_ties_go_to_lowest_index() -> None:
    x = np.array([[0.0], [1.0], [-1.0], [1.0]])  # 1 and 3 identical, 1 and 2 equidistant from 0
    got = greedy_k_center(x, [0], 3, device="cpu")
    assert got.indices == [1, 2, 3]
    assert got.radii == [1.0, 0.0, 0.0]


def test_budget_larger_than_pool_is_refused() -> None:
    with pytest.raises(InvalidArgument) as err:
        greedy_k_center(np.zeros((5, 2)), [0, 1], 4)
    assert err.value.field == "budget"
