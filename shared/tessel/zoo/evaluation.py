"""Risk-coverage by rank, with the metrics service's definitions and tie rule (one rule everywhere).

Examples are covered most confident first; at coverage k/n the selective risk is the mean loss of the k
most confident. A group of equal confidences cannot be split by any threshold, so each of its members
contributes the group's mean loss (the expectation over the group's orders): results never depend on the
input order. AURC is the mean selective risk over the n coverages; E-AURC subtracts the AURC of the best
ranking of the same losses (losses sorted ascending).
"""

from __future__ import annotations

import math

import numpy as np

from tessel.runtime.errors import InvalidArgument

DEFAULT_COVERAGES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def tie_averaged_risks(losses: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Selective risk at each coverage k/n, k = 1..n."""
    losses, confidence = np.asarray(losses, np.float64), np.asarray(confidence, np.float64)
    order = np.argsort(-confidence, kind="stable")
    sorted_losses = _tie_averaged(losses[order], confidence[order])
    return np.cumsum(sorted_losses) / np.arange(1, len(losses) + 1)


def aurc(losses: np.ndarray, confidence: np.ndarray) -> tuple[float, float]:
    """(AURC, E-AURC) with the exact discrete optimum."""
    losses = np.asarray(losses, np.float64)
    if losses.ndim != 1 or len(losses) == 0 or np.shape(confidence) != losses.shape:
        raise InvalidArgument(f"needs matching non-empty [n] arrays, got {list(losses.shape)} and "
                              f"{list(np.shape(confidence))}", field="confidence")
    area = float(tie_averaged_risks(losses, confidence).mean())
    optimal = float((np.cumsum(np.sort(losses)) / np.arange(1, len(losses) + 1)).mean())
    return area, area - optimal


def selective_risk_at_coverage(confidence: np.ndarray, losses: np.ndarray, coverage: float) -> float:
    """Selective risk of the ceil(c*n) most confident examples (ties at the edge averaged, as in metrics)."""
    risks = tie_averaged_risks(losses, confidence)
    return float(risks[max(1, math.ceil(coverage * len(risks) - 1e-9)) - 1])


def risk_coverage_table(
    confidence: np.ndarray, losses: np.ndarray, coverages: tuple[float, ...] = DEFAULT_COVERAGES
) -> list[tuple[float, float]]:
    risks = tie_averaged_risks(losses, confidence)
    return [(c, float(risks[max(1, math.ceil(c * len(risks) - 1e-9)) - 1])) for c in coverages]


def tie_averaged(sorted_losses: np.ndarray, sorted_scores: np.ndarray) -> np.ndarray:
    """Each loss replaced by the mean loss of its group of equal confidence (input sorted by confidence)."""
    return _tie_averaged(sorted_losses, sorted_scores)


def _tie_averaged(sorted_losses: np.ndarray, sorted_scores: np.ndarray) -> np.ndarray:
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    if starts.size == sorted_losses.size:
        return sorted_losses
    sizes = np.diff(np.r_[starts, sorted_losses.size])
    return np.repeat(np.add.reduceat(sorted_losses, starts) / sizes, sizes)
