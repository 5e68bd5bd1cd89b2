"""Selective risk at a coverage, by rank: the ceil(c*n) most confident examples are covered (ties broken
by position, so the realised coverage is exactly the asked one)."""

from __future__ import annotations

import math

import numpy as np

DEFAULT_COVERAGES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def selective_risk_at_coverage(confidence: np.ndarray, losses: np.ndarray, coverage: float) -> float:
    confidence, losses = np.asarray(confidence, float), np.asarray(losses, float)
    covered = max(1, math.ceil(coverage * len(confidence) - 1e-9))
    order = np.argsort(-confidence, kind="stable")
    return float(losses[order[:covered]].mean())


def risk_coverage_table(
    confidence: np.ndarray, losses: np.ndarray, coverages: tuple[float, ...] = DEFAULT_COVERAGES
) -> list[tuple[float, float]]:
    return [(c, selective_risk_at_coverage(confidence, losses, c)) for c in coverages]
