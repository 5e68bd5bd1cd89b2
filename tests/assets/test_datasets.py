from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from tessel.assets import datasets
from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import FailedPrecondition, NotFound


def _rows(x: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in x.reshape(len(x), -1)}


@pytest.mark.parametrize(
    ("name", "task", "classes", "shape", "sizes"),
    [
        ("mnist1d", "classification", 10, (40,), (3600, 400, 1000)),
        ("digits", "classification", 10, (1, 8, 8), (1077, 360, 360)),
        ("breast-cancer", "classification", 2, (30,), (341, 114, 114)),
        ("diabetes", "regression", 0, (10,), (264, 89, 89)),
        ("mnist", "classification", 10, (1, 28, 28), (54000, 6000, 10000)),
    ],
)
def test_dataset_loads_with_the_documented_layout(asset_cache, name, task, classes, shape, sizes) -> None:
    data = load_dataset(name, cache_dir=asset_cache)
    assert (data.task, data.num_classes, data.input_shape) == (task, classes, shape)
    assert (len(data.train), len(data.val), len(data.test)) == sizes
    for split in (data.train, data.val, data.test):
        assert split.x.dtype == np.float32 and split.x.shape[1:] == shape
        assert split.y.dtype == (np.float32 if task == "regression" else np.int64)
    assert abs(float(data.train.x.mean())) < 1e-3 and abs(float(data.train.x.std()) - 1) < 0.05
    if task == "classification":
        assert set(np.unique(data.train.y)) == set(range(classes))


@pytest.mark.parametrize("name", ["mnist1d", "breast-cancer"])
def test_splits_are_deterministic_disjoint_and_seeded(asset_cache, name) -> None:
    first, again, other = (load_dataset(name, cache_dir=asset_cache, seed=s) for s in (0, 0, 1))
    assert np.array_equal(first.val.x, again.val.x) and np.array_equal(first.train.y, again.train.y)
    assert not np.array_equal(first.val.y, other.val.y) or not np.array_equal(first.val.x, other.val.x)
    train, val, test = _rows(first.train.x), _rows(first.val.x), _rows(first.test.x)
    assert not train & val and not train & test and not val & test


def _write_idx(path: Path, array: np.ndarray, compress: bool) -> None:
    data = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}i", *array.shape) + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)


def test_fashion_mnist_reads_idx_files_from_any_folder(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    train_x = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    train_y = np.arange(40, dtype=np.uint8) % 10
    test_x = rng.integers(0, 256, (10, 28, 28), dtype=np.uint8)
    test_y = np.arange(10, dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", train_x, compress=True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", train_y, compress=False)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", test_x, compress=True)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", test_y, compress=True)
    data = load_dataset("fashion-mnist", root=tmp_path)
    assert (len(data.train), len(data.val), len(data.test)) == (36, 4, 10)
    assert data.input_shape == (1, 28, 28) and data.class_names[9] == "ankle boot"
    assert np.array_equal(data.test.y, np.arange(10))
    mean, std = data.normalization["mean"][0], data.normalization["std"][0]
    restored = data.test.x[:, 0] * std + mean
    assert np.allclose(restored * 255.0, test_x, atol=1e-3)
    with pytest.raises(FailedPrecondition, match="not the official"):
        datasets.verify_fashion_mnist(tmp_path)


def test_truncated_idx_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "bad").write_bytes(struct.pack(">BBBBi", 0, 0, 8, 1, 100) + b"\x00" * 10)
    with pytest.raises(Exception, match="truncated"):
        datasets.read_idx(tmp_path / "bad")


def test_cifar10_reads_the_standard_pickles(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for part in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (6, 3072), dtype=np.uint8), b"labels": list(range(6))}
        (folder / part).write_bytes(pickle.dumps(batch))
    data = load_dataset("cifar10", root=tmp_path)
    assert data.input_shape == (3, 32, 32) and data.num_classes == 10
    assert len(data.train) + len(data.val) == 30 and len(data.test) == 6
    assert len(data.normalization["mean"]) == 3


def test_missing_datasets_say_how_to_install_them(tmp_path: Path) -> None:
    with pytest.raises(FailedPrecondition, match="install_fashion_mnist.sh"):
        load_dataset("fashion-mnist", root=tmp_path)
    with pytest.raises(FailedPrecondition, match="cifar-100-python"):
        load_dataset("cifar100", cache_dir=tmp_path)
    with pytest.raises(NotFound, match="known: mnist1d"):
        load_dataset("imagenet")
