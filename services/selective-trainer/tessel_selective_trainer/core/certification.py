"""Selection with guaranteed risk (Geifman & El-Yaniv 2017) and its Learn-then-Test alternatives.

For a threshold θ the selective classifier covers {i : κ_i >= θ} (ties included). With k covered errors
out of m_θ covered points, the bound is the exact one-sided Clopper-Pearson upper limit
    B*(k, m_θ, δ') = Beta^{-1}(1 - δ'; k + 1, m_θ - k)   (1 when k = m_θ),
i.e. the b solving Σ_{j<=k} C(m_θ, j) b^j (1 - b)^(m_θ - j) = δ'. A threshold passes when B* < r*
(strictly, as in the paper). The counts are integers taken from the mask actually applied, never a rate
times a size (truncating m·r̂ is anti-conservative).

Methods (each controls the family-wise error at δ, so P(risk > bound) < δ for the returned threshold):
- sgr: bisection over the ascending confidences, exactly ceil(log2 m) tests at δ / ceil(log2 m); the
  answer is the largest-coverage tested threshold that passed (not blindly the last iterate);
- fixed_sequence: distinct confidences from the most confident down, each at level δ, stopping at the
  first failure; the sequence starts where zero errors could pass (that cut uses only the coverage
  counts, not the errors, so the order stays fixed before the errors are looked at);
- bonferroni: thresholds at coverage quantiles j/N (j = 1..N), each at δ / (number of distinct ones).
No passing threshold is an answer ("infeasible") with the smallest bound the data supports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import beta

from tessel.runtime.errors import InvalidArgument

Method = Literal["sgr", "fixed_sequence", "bonferroni"]
METHODS: tuple[str, ...] = ("sgr", "fixed_sequence", "bonferroni")
DEFAULT_GRID_SIZE = 100


@dataclass(frozen=True)
class Certificate:
    feasible: bool
    threshold: float | None  # predict when confidence >= threshold; None when infeasible
    coverage: float  # 0 when infeasible
    selective_risk: float | None
    bound: float | None
    risk_target: float
    delta: float
    method: str
    tests: int
    per_test_delta: float
    min_achievable_bound: float
    covered_count: int
    covered_errors: int
    num_examples: int


def clopper_pearson_upper(errors, covered, delta: float) -> np.ndarray:
    """Exact one-sided upper confidence limit on a binomial rate from integer counts (vectorised).

    `beta.isf(δ, ...)` is Beta^{-1}(1 - δ) without forming 1 - δ, accurate for tiny δ."""
    k = np.asarray(errors, dtype=np.int64)
    m = np.asarray(covered, dtype=np.int64)
    if np.any(k < 0) or np.any(k > m):
        raise ValueError("error counts must lie in [0, covered]")
    k, m = np.broadcast_arrays(k, m)
    bound = np.ones(k.shape, dtype=float)
    open_ = k < m  # k == m (including m == 0) is the vacuous bound 1
    bound[open_] = beta.isf(delta, k[open_] + 1, m[open_] - k[open_])
    return bound


def certify_risk(
    confidence: np.ndarray,
    errors: np.ndarray,
    *,
    risk_target: float,
    delta: float,
    method: Method = "sgr",
    grid_size: int | None = None,
) -> Certificate:
    kappa, err = _validated(confidence, errors, risk_target, delta, method, grid_size)
    counts = _CoverageCounts(kappa, err)
    if method == "sgr":
        return _sgr(counts, risk_target, delta)
    if method == "fixed_sequence":
        return _fixed_sequence(counts, risk_target, delta)
    return _bonferroni(counts, risk_target, delta, grid_size or min(DEFAULT_GRID_SIZE, counts.m))


class _CoverageCounts:
    """Covered points and covered errors of `κ >= θ` for any θ, from sorted arrays."""

    def __init__(self, kappa: np.ndarray, errors: np.ndarray) -> None:
        order = np.argsort(kappa, kind="stable")
        self.ascending = kappa[order]
        # errors_from[i] = errors among ascending[i:]
        self.errors_from = np.concatenate([np.cumsum(errors[order][::-1])[::-1], [0]])
        self.m = len(kappa)
        self.distinct = np.unique(self.ascending)  # ascending

    def at(self, thresholds) -> tuple[np.ndarray, np.ndarray]:
        first = np.searchsorted(self.ascending, thresholds, side="left")
        return self.m - first, self.errors_from[first]

    def min_bound(self, level: float) -> float:
        covered, errs = self.at(self.distinct)
        return float(clopper_pearson_upper(errs, covered, level).min())


def _sgr(counts: _CoverageCounts, risk_target: float, delta: float) -> Certificate:
    m = counts.m
    tests = max(1, (m - 1).bit_length())  # ceil(log2 m); one test when m == 1
    level = delta / tests
    low, high = 1, m  # 1-based ranks into the ascending confidences
    tested: list[tuple[float, int, int, float]] = []
    for _ in range(tests):
        rank = (low + high + 1) // 2
        threshold = float(counts.ascending[rank - 1])
        covered, errs = (int(v) for v in counts.at(threshold))
        bound = float(clopper_pearson_upper(errs, covered, level))
        tested.append((threshold, covered, errs, bound))
        if bound < risk_target:
            high = rank
        else:
            low = rank
    return _answer(counts, tested, risk_target, delta, "sgr", len(tested), level)


def _fixed_sequence(counts: _CoverageCounts, risk_target: float, delta: float) -> Certificate:
    thresholds = counts.distinct[::-1]  # most confident first: coverage grows along the sequence
    covered, errs = counts.at(thresholds)
    could_pass = clopper_pearson_upper(0, covered, delta) < risk_target
    start = int(np.argmax(could_pass)) if could_pass.any() else len(thresholds)
    bounds = clopper_pearson_upper(errs[start:], covered[start:], delta)
    failures = np.flatnonzero(bounds >= risk_target)
    stop = int(failures[0]) if len(failures) else len(bounds)
    tests = min(stop + 1, len(bounds))
    tested = [
        (float(thresholds[start + i]), int(covered[start + i]), int(errs[start + i]), float(bounds[i]))
        for i in range(tests)
    ]
    return _answer(counts, tested, risk_target, delta, "fixed_sequence", tests, delta)


def _bonferroni(counts: _CoverageCounts, risk_target: float, delta: float, grid_size: int) -> Certificate:
    m = counts.m
    descending = counts.ascending[::-1]
    ranks = np.ceil(np.arange(1, grid_size + 1) * m / grid_size).astype(np.int64)
    thresholds = np.unique(descending[np.clip(ranks, 1, m) - 1])
    level = delta / len(thresholds)
    covered, errs = counts.at(thresholds)
    bounds = clopper_pearson_upper(errs, covered, level)
    tested = [(float(t), int(c), int(e), float(b)) for t, c, e, b in zip(thresholds, covered, errs, bounds, strict=True)]
    return _answer(counts, tested, risk_target, delta, "bonferroni", len(tested), level)


def _answer(counts, tested, risk_target, delta, method, tests, level) -> Certificate:
    passing = [t for t in tested if t[3] < risk_target]
    common = dict(
        risk_target=risk_target, delta=delta, method=method, tests=tests, per_test_delta=level,
        min_achievable_bound=counts.min_bound(level), num_examples=counts.m,
    )
    if not passing:
        return Certificate(feasible=False, threshold=None, coverage=0.0, selective_risk=None, bound=None,
                           covered_count=0, covered_errors=0, **common)
    threshold, covered, errs, bound = max(passing, key=lambda t: (t[1], -t[3]))
    return Certificate(
        feasible=True, threshold=threshold, coverage=covered / counts.m, selective_risk=errs / covered,
        bound=bound, covered_count=covered, covered_errors=errs, **common,
    )


def _validated(confidence, errors, risk_target, delta, method, grid_size) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(risk_target, (int, float)) and 0.0 < risk_target < 1.0):
        raise InvalidArgument(f"must be in (0, 1), got {risk_target}", field="risk_target")
    if not (isinstance(delta, (int, float)) and 0.0 < delta < 1.0):
        raise InvalidArgument(f"must be in (0, 1), got {delta}", field="delta")
    if method not in METHODS:
        raise InvalidArgument(f"unknown method {method!r} (one of {', '.join(METHODS)})", field="method")
    if grid_size is not None and grid_size < 1:
        raise InvalidArgument(f"must be >= 1, got {grid_size}", field="grid_size")
    kappa = np.asarray(confidence)
    err = np.asarray(errors)
    if kappa.ndim != 1:
        raise InvalidArgument(f"must be one-dimensional, got shape {list(kappa.shape)}", field="confidence")
    if err.ndim != 1:
        raise InvalidArgument(f"must be one-dimensional, got shape {list(err.shape)}", field="errors")
    if len(kappa) != len(err):
        raise InvalidArgument(f"has {len(err)} entries but confidence has {len(kappa)}", field="errors")
    if len(kappa) == 0:
        raise InvalidArgument("must not be empty", field="confidence")
    if grid_size is not None and grid_size > len(kappa):
        # A grid finer than the calibration set only repeats quantiles (and a client-sized grid would
        # allocate whatever it asks for).
        raise InvalidArgument(
            f"must be at most the number of calibration examples ({len(kappa)}), got {grid_size}", field="grid_size"
        )
    if kappa.dtype.kind not in "fiub":
        raise InvalidArgument(f"must be numeric, got {kappa.dtype}", field="confidence")
    kappa = kappa.astype(np.float64)
    if not np.all(np.isfinite(kappa)):
        raise InvalidArgument("contains NaN or infinite values", field="confidence")
    if err.dtype.kind not in "fiub":
        raise InvalidArgument(f"must be numeric 0/1, got {err.dtype}", field="errors")
    as_float = err.astype(np.float64)
    bad = ~((as_float == 0.0) | (as_float == 1.0))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InvalidArgument(
            f"must hold only 0 and 1 (0/1 loss); entry {index} is {err[index]!r}", field="errors"
        )
    return kappa, as_float.astype(np.int64)
