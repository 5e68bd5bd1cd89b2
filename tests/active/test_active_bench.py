"""The active benchmark's pieces at tiny sizes: the speed row (same picks as scikit-activeml when it is
installed) and the learning-curve summaries."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import active_bench  # noqa: E402


def test_speed_row_counts_one_pass_per_centre_and_pick():
    row = active_bench.coreset_speed(n=500, d=16, labelled=5, picks=20, floor_repeats=2, device="cpu")
    assert row["passes"] == 25 and row["floor_seconds"] == pytest.approx(25 * row["one_read_seconds"])
    assert row["ours_seconds"] > 0
    if "peer_seconds" in row:
        assert row["same_picks"]


def test_area_and_labels_to_target():
    labels, accuracy = [100, 200, 300], [0.5, 0.7, 0.8]
    assert active_bench.area_under_curve(labels, accuracy) == pytest.approx((0.6 * 100 + 0.75 * 100) / 200)
    assert active_bench.labels_to_reach(labels, accuracy, 0.75) == pytest.approx(250)
    assert active_bench.labels_to_reach(labels, accuracy, 0.4) == 100
    assert active_bench.labels_to_reach(labels, accuracy, 0.9) is None


def test_summary_targets_random_at_the_full_budget():
    runs = [
        {"strategy": "random", "arch": "mlp", "labels": [10, 20], "test_accuracy": [0.5, 0.6], "parameters": [5, 5]},
        {"strategy": "random", "arch": "mlp", "labels": [10, 20], "test_accuracy": [0.5, 0.8], "parameters": [5, 5]},
        {"strategy": "coreset", "arch": "mlp", "labels": [10, 20], "test_accuracy": [0.6, 0.9], "parameters": [5, 5]},
    ]
    rows = {row["strategy"]: row for row in active_bench.summarise(runs)}
    assert rows["random"]["target"] == pytest.approx(0.7) and rows["random"]["seeds"] == 2
    assert rows["random"]["labels_to_target"] == pytest.approx(20)
    assert rows["coreset"]["labels_to_target"] == pytest.approx(10 + 0.1 / 0.3 * 10)


def test_divergence_measures_the_float64_gap_where_picks_part():
    import numpy as np

    x = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.000001], [1.0, 1.0]], dtype=np.float32)
    report = active_bench.divergence(x, np.array([0]), [2, 1, 3], [1, 2, 3])
    assert report["identical_prefix"] == 0
    assert report["distance_ours"] == pytest.approx(9.0, rel=1e-5) and report["distance_peer"] == 9.0
    assert 0 < report["relative_gap"] < active_bench.NEAR_TIE
