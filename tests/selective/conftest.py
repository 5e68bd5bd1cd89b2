"""Small real datasets (scikit-learn's bundled digits and diabetes) in the DatasetSplits shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes, load_digits


@dataclass
class Split:
    x: np.ndarray
    y: np.ndarray


@dataclass
class Splits:
    name: str
    task: str
    num_classes: int
    input_shape: tuple[int, ...]
    train: Split
    val: Split
    test: Split


def split(name: str, task: str, x: np.ndarray, y: np.ndarray, num_classes: int, shape) -> Splits:
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order].astype(np.float32), y[order]
    a, b = int(0.6 * len(x)), int(0.8 * len(x))
    return Splits(name, task, num_classes, shape, Split(x[:a], y[:a]), Split(x[a:b], y[a:b]), Split(x[b:], y[b:]))


@pytest.fixture(scope="session")
def digits() -> Splits:
    data = load_digits()
    return split("digits", "classification", data.data / 16.0, data.target, 10, (8, 8))


@pytest.fixture(scope="session")
def diabetes() -> Splits:
    data = load_diabetes()
    return split("diabetes", "regression", data.data / data.data.std(0), data.target.astype(np.float32), 0, (10,))


@pytest.fixture(autouse=True)
def _few_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
