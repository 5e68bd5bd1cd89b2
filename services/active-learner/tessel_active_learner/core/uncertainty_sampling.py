"""Uncertainty sampling: query the unlabelled pool points the model is least confident about.

The confidence functions (softmax response, margin, negative entropy) are the shared ones in
`tessel.zoo.confidence`, so a query ranks points exactly as the uncertainty-estimator would.
"""

from __future__ import annotations

import numpy as np


def least_confident(confidence: np.ndarray, unlabelled: np.ndarray, k: int) -> list[int]:
    """The k unlabelled pool indices with the lowest confidence; ties to the lowest index (stable sort)."""
    order = np.argsort(confidence[unlabelled], kind="stable")[:k]
    return unlabelled[order].tolist()
