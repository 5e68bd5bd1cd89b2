"""The `make bench` harness: run_all.py runs a bench in its own process and joins its table into summary.md;
metrics_bench.py writes the expected document and agrees with scikit-learn's D² scores; the benches that
train take the `--device` that gpu.sh passes, and the machine facts say which device ran. Tiny sizes: the
real numbers come from `make bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import common
import distill_bench
import metrics_bench
import selective_bench

BENCH_DIR = Path(__file__).parent
REPO = BENCH_DIR.parents[1]


def run_all(*arguments: str, results: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH_DIR / "run_all.py"), "--results", str(results), *arguments],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.nats
def test_run_all_runs_the_metrics_bench_and_writes_the_summary(tmp_path):
    finished = run_all("metrics", "--", "--points", "2000", "--repeats", "1", "--skip-missing-peers",
                       results=tmp_path)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    document = json.loads((tmp_path / "metrics.json").read_text())
    assert {"bench", "machine", "parameters", "peers", "inputs", "prediction_advantage", "risk_coverage",
            "grpc", "notes"} <= document.keys()
    assert {"date", "cpu_count", "torch", "numpy"} <= document["machine"].keys()
    assert document["parameters"]["points"] == 2000

    rows = {(row["loss"], row["peer"]): row for row in document["prediction_advantage"]}
    assert {loss for loss, _ in rows} == {"zero_one", "cross_entropy", "absolute", "squared"}
    for (loss, peer), row in rows.items():
        assert 0.3 < row["ours"] < 0.95, (loss, row)  # a useful model, not a degenerate one
        # float32 inputs: scikit-learn clips and sums in float32 (see the bench's notes); exact otherwise.
        assert row["abs_diff"] <= (1e-6 if "float32" in peer else 1e-9), (loss, peer, row)
        assert row["ours_seconds"] > 0 and row["peer_seconds"] > 0

    curve_rows = {row["metric"]: row for row in document["risk_coverage"]["rows"]}
    assert {"AURC", "AUGRC", "E-AURC"} <= curve_rows.keys()
    assert 0.0 < curve_rows["E-AURC"]["ours"] < curve_rows["AURC"]["ours"]
    for row in curve_rows.values():
        if "peer_value" in row:  # torch-uncertainty installed: same definition up to float32 and tie order
            assert row["abs_diff_same_definition"] < 1e-5, row

    assert [row["call"] for row in document["grpc"]] == [
        "PA zero_one", "PA cross_entropy", "PA absolute", "PA squared",
        "risk-coverage zero_one", "risk-coverage absolute"]
    for row in document["grpc"]:
        assert row["abs_diff_vs_core"] == 0.0 and row["points"] == 2000 and row["points_per_second"] > 0

    summary = (tmp_path / "summary.md").read_text()
    assert "| metrics | 0 |" in summary
    assert (tmp_path / "metrics.md").read_text().strip() in summary


def test_run_all_rejects_an_unknown_bench(tmp_path):
    finished = run_all("no-such-thing", results=tmp_path)
    assert finished.returncode == 2
    assert "unknown bench no-such-thing" in finished.stderr and "metrics" in finished.stderr


def test_risk_coverage_section_without_torch_uncertainty():
    classification = metrics_bench.classification_data(500, seed=0)
    section = metrics_bench.bench_risk_coverage(classification, repeats=1, peer_module=None)
    aurc = next(row for row in section["rows"] if row["metric"] == "AURC")
    assert "peer_value" not in aurc and section["peer_all_seconds"] is None
    # The trapezoid form differs from the mean over k/n by O(1/n) only.
    assert aurc["ours_in_peer_definition"] == pytest.approx(aurc["ours"], abs=5 / 500)


def test_synthetic_data_look_like_model_outputs():
    labels, probabilities = metrics_bench.classification_data(20_000, seed=0)
    assert probabilities.dtype == np.float32 and probabilities.shape == (20_000, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    accuracy = (probabilities.argmax(axis=1) == labels).mean()
    assert 0.65 < accuracy < 0.85 < probabilities.max(axis=1).mean()  # accurate-ish and overconfident
    y, y_hat, confidence = metrics_bench.regression_data(20_000, seed=0)
    errors = np.abs(y - y_hat)
    confident = confidence > np.median(confidence)
    assert errors[confident].mean() < 0.6 * errors[~confident].mean()  # confidence tracks the noise level


@pytest.mark.parametrize("bench", [selective_bench, distill_bench], ids=["selective", "distill"])
def test_training_benches_take_a_device_and_refuse_an_unknown_one(bench, capsys):
    # gpu.sh runs a bench only when its --help lists --device, then passes --device cuda.
    with pytest.raises(SystemExit) as finished:
        bench.main(["--help"])
    assert finished.value.code == 0
    assert "--device {auto,cpu,cuda}" in capsys.readouterr().out

    with pytest.raises(SystemExit) as finished:
        bench.main(["--device", "tpu", "--quick"])
    assert finished.value.code == 2
    assert "argument --device: invalid choice: 'tpu'" in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without a GPU")
@pytest.mark.parametrize("bench", [selective_bench, distill_bench], ids=["selective", "distill"])
def test_training_benches_refuse_cuda_without_a_gpu(bench, capsys):
    with pytest.raises(SystemExit) as finished:
        bench.main(["--device", "cuda", "--quick"])
    assert finished.value.code == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err


def test_results_name_the_device_and_honour_the_results_override(tmp_path, monkeypatch):
    monkeypatch.setenv(common.RESULTS_ENV, str(tmp_path))
    json_path, md_path = common.write_results(common.result_name("selective", quick=True), {"mnist1d": {"rows": {}}},
                                              "# table", device="cpu")
    assert (json_path, md_path) == (tmp_path / "selective-quick.json", tmp_path / "selective-quick.md")
    document = json.loads(json_path.read_text())
    assert document["bench"] == "selective-quick" and document["mnist1d"] == {"rows": {}}
    assert document["machine"]["device"] == "cpu" and document["machine"]["device_name"] is None
    assert md_path.read_text() == "# table\n"
