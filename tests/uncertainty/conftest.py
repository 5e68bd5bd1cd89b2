"""A small trained zoo classifier with per-epoch snapshots (scikit-learn digits through the registry)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from tessel.assets.datasets import DatasetSplits, load_dataset
from tessel.zoo import BackboneConfig, FitOptions, ModelConfig, StandardObjective, ZooModel, fit, model_to_bytes, seed_everything


@dataclass(frozen=True)
class TrainedRun:
    data: DatasetSplits
    config: ModelConfig
    model_bytes: bytes
    snapshots: list[tuple[int, bytes]]  # (epoch, weights)
    best_epoch: int


@pytest.fixture(scope="session")
def digits() -> DatasetSplits:
    return load_dataset("digits", seed=0)


@pytest.fixture(scope="session")
def digits_run(digits) -> TrainedRun:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    seed_everything(0)
    config = ModelConfig(BackboneConfig("mlp", digits.input_shape, hidden_sizes=(32,), dropout=0.3), digits.num_classes)
    model = ZooModel(config)
    snapshots: list[tuple[int, bytes]] = []
    result = fit(
        model, StandardObjective("classification"),
        (torch.as_tensor(digits.train.x, dtype=torch.float32), torch.as_tensor(digits.train.y)),
        (torch.as_tensor(digits.val.x, dtype=torch.float32), torch.as_tensor(digits.val.y)),
        FitOptions(max_epochs=6, patience=6, learning_rate=3e-3),
        lambda record, trained: snapshots.append((record.epoch, model_to_bytes(trained, config))),
    )
    torch.set_num_threads(previous)
    return TrainedRun(digits, config, model_to_bytes(model, config), snapshots, result.best_epoch)


@pytest.fixture(autouse=True)
def _few_threads():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def labels_of(data: DatasetSplits) -> np.ndarray:
    return np.asarray(data.test.y)
