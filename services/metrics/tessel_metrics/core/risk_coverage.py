"""Risk-coverage curve, AURC, E-AURC, selective risk at a coverage and coverage at a risk.

Examples are accepted in order of decreasing confidence; at coverage k/n the selective risk is the
mean loss of the k most confident. AURC is the mean of the selective risk over the n coverage levels
k/n, k = 1..n; E-AURC subtracts the AURC of the best possible ranking of the same losses (losses
sorted ascending: the exact discrete optimum).

Ties: examples with equal confidence cannot be told apart by any threshold, so inside a group of
ties the risk is the expectation over every order of the group — each tied example contributes the
group's mean loss. The result is deterministic and does not depend on the input order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tessel.runtime.errors import InvalidArgument
from tessel_metrics.core import validation as check
from tessel_metrics.core.advantage import Loss


@dataclass(frozen=True)
class RiskCoverage:
    loss: Loss
    n: int
    aurc: float
    e_aurc: float
    optimal_aurc: float
    error_rate: float
    coverage: np.ndarray  # k/n, k = 1..n
    risk: np.ndarray  # selective risk at each coverage
    threshold: np.ndarray  # confidence of the k-th most confident example
    risk_at_coverage: float | None = None
    coverage_at_risk: float | None = None


def per_example_loss(loss: Loss, labels: np.ndarray, predictions: np.ndarray) -> np.ndarray:
    check.require_nonempty_vector(labels, "labels")
    check.require_nonempty_vector(predictions, "predictions")
    check.require_same_length(labels.shape[0], predictions, "predictions", "labels")
    if loss is Loss.ZERO_ONE:
        y = check.class_ids(labels, "labels")
        y_hat = check.class_ids(predictions, "predictions")
        return (y != y_hat).astype(np.float64)
    if loss is Loss.CROSS_ENTROPY:
        raise InvalidArgument(
            "cross_entropy is not a per-prediction loss here; use zero_one, absolute or squared", field="loss"
        )
    y = check.real_values(labels, "labels")
    y_hat = check.real_values(predictions, "predictions")
    return np.abs(y - y_hat) if loss is Loss.ABSOLUTE else (y - y_hat) ** 2


def risk_coverage(
    losses: np.ndarray,
    confidence: np.ndarray,
    *,
    loss: Loss = Loss.ZERO_ONE,
    coverage: float | None = None,
    risk: float | None = None,
) -> RiskCoverage:
    n = losses.shape[0]
    check.require_nonempty_vector(confidence, "confidence")
    check.require_same_length(n, confidence, "confidence", "labels")
    scores = check.real_numbers(confidence, "confidence")  # native dtype: float32 sorts faster than float64
    if coverage is not None and (math.isnan(coverage) or not 0.0 < coverage <= 1.0):
        raise InvalidArgument(f"must be in (0, 1], got {coverage}", field="coverage")
    if risk is not None and (math.isnan(risk) or risk < 0.0):
        raise InvalidArgument(f"must be a non-negative number, got {risk}", field="risk")

    # The one sort of the call. Any order will do (ascending, read backwards): the order inside a group of
    # ties is averaged away below.
    order = np.argsort(scores)[::-1]
    sorted_scores = scores[order].astype(np.float64, copy=False)
    sorted_losses = _tie_averaged(losses[order], sorted_scores)
    counts = np.arange(1, n + 1, dtype=np.float64)
    selective_risk = np.cumsum(sorted_losses) / counts
    aurc = float(selective_risk.mean())
    optimal = _optimal_aurc(losses, counts)

    at_coverage = None
    if coverage is not None:
        k = max(1, math.ceil(coverage * n - 1e-9))
        at_coverage = float(selective_risk[k - 1])
    at_risk = None
    if risk is not None:
        feasible = np.flatnonzero(selective_risk <= risk + 1e-12)
        at_risk = float((feasible[-1] + 1) / n) if feasible.size else 0.0

    return RiskCoverage(
        loss=loss, n=n, aurc=aurc, e_aurc=aurc - optimal, optimal_aurc=optimal,
        error_rate=float(losses.mean()), coverage=counts / n, risk=selective_risk,
        threshold=sorted_scores, risk_at_coverage=at_coverage, coverage_at_risk=at_risk,
    )


def downsample(curve: RiskCoverage, max_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At most `max_points` evenly spaced curve points, always keeping full coverage (0 = all)."""
    if max_points < 0:
        raise InvalidArgument("must not be negative", field="max_curve_points")
    if max_points == 0 or max_points >= curve.n:
        return curve.coverage, curve.risk, curve.threshold
    index = np.unique(np.linspace(0, curve.n - 1, max_points).round().astype(np.int64))
    return curve.coverage[index], curve.risk[index], curve.threshold[index]


def _optimal_aurc(losses: np.ndarray, counts: np.ndarray) -> float:
    """AURC of the best ranking (losses ascending). For 0/1 losses with e errors among n it needs no sort:
    the risk at k is max(0, k - (n - e)) / k, so AURC* = (1/n) * sum_{j=1..e} j / (n - e + j)."""
    n = losses.shape[0]
    errors = int(np.count_nonzero(losses))
    if errors == 0 or np.count_nonzero(losses == 1.0) == errors:
        j = np.arange(1, errors + 1, dtype=np.float64)
        return float(np.sum(j / (n - errors + j)) / n)
    return float((np.cumsum(np.sort(losses)) / counts).mean())


def _tie_averaged(losses: np.ndarray, sorted_scores: np.ndarray) -> np.ndarray:
    """Replace each loss by the mean loss of its group of equal confidence (sorted input)."""
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    if starts.size == losses.size:
        return losses
    sizes = np.diff(np.r_[starts, losses.size])
    group_means = np.add.reduceat(losses, starts) / sizes
    return np.repeat(group_means, sizes)
