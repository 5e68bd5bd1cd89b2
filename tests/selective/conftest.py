"""Small real datasets (scikit-learn's bundled digits and diabetes) through the asset registry."""

from __future__ import annotations

import pytest
import torch

from tessel.assets.datasets import DatasetSplits, load_dataset


@pytest.fixture(scope="session")
def digits() -> DatasetSplits:
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="session")
def diabetes() -> DatasetSplits:
    return load_dataset("diabetes", seed=0)


@pytest.fixture(autouse=True)
def _few_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
