"""Uncertainty query scores from class probabilities (higher = query first)."""

from __future__ import annotations

import numpy as np


def least_confidence(probs: np.ndarray) -> np.ndarray:
    return 1.0 - probs.max(axis=1)


def margin(probs: np.ndarray) -> np.ndarray:
    top2 = np.sort(probs, axis=1)[:, -2:]
    return -(top2[:, 1] - top2[:, 0])


def entropy(probs: np.ndarray) -> np.ndarray:
    return -(probs * np.log(np.clip(probs, 1e-12, None))).sum(axis=1)


def top_k_unlabelled(scores: np.ndarray, unlabelled: np.ndarray, k: int) -> list[int]:
    """The k unlabelled pool indices with the highest scores; ties to the lowest index (stable sort)."""
    order = np.argsort(-scores[unlabelled], kind="stable")[:k]
    return unlabelled[order].tolist()
