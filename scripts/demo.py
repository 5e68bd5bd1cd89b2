"""`make demo`: start the local stack and run what Tessel can do end to end on the shipped defaults.

Every number printed comes from a real model on real data through the running services.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console

console = Console()
TESSEL = str(Path(sys.executable).parent / "tessel")


def run_cli(*args: str) -> None:
    """Run a `tessel` command, its output going straight to the terminal."""
    console.rule(f"[bold]tessel {' '.join(args)}")
    started = time.monotonic()
    subprocess.run([TESSEL, *args], check=True)
    console.print(f"[dim]({time.monotonic() - started:.1f} s)[/dim]")


def metrics_step() -> None:
    """A real classifier (logistic regression on the digits test split) judged by the metrics service."""
    from sklearn.linear_model import LogisticRegression

    from tessel.assets.datasets import load_dataset
    from tessel.client.metrics import MetricsClient

    console.rule("[bold]metrics: a logistic-regression digit classifier through the metrics service")
    data = load_dataset("digits", seed=0)
    model = LogisticRegression(max_iter=2000).fit(data.train.x.reshape(len(data.train.y), -1), data.train.y)
    probabilities = model.predict_proba(data.test.x.reshape(len(data.test.y), -1))
    predictions = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)

    async def call():
        async with MetricsClient() as client:
            pa01 = await client.prediction_advantage("zero_one", data.test.y, predictions=predictions, train_labels=data.train.y)
            pace = await client.prediction_advantage("cross_entropy", data.test.y, probabilities=probabilities,
                                                     train_labels=data.train.y)
            rc = await client.risk_coverage(data.test.y, predictions, confidence, coverage=0.9, risk=0.01)
            return pa01, pace, rc

    pa01, pace, rc = asyncio.run(call())
    from tessel.cli.output import table

    table(
        f"digits test split (n={rc.n}), softmax-response confidence",
        ["metric", "value"],
        [
            ("accuracy", 1 - rc.error_rate),
            ("Prediction Advantage (0/1)", pa01.prediction_advantage),
            ("Prediction Advantage (cross-entropy)", pace.prediction_advantage),
            ("AURC", rc.aurc),
            ("E-AURC", rc.e_aurc),
            ("selective risk at 90% coverage", rc.risk_at_coverage),
            ("coverage at selective risk <= 1%", rc.coverage_at_risk),
        ],
    )


def trust_step(work: Path) -> None:
    """Train a standard model and a SelectiveNet on MNIST-1D, certify a risk level with SGR, and judge
    the standard model's softmax-response confidence with the metrics service."""
    from tessel.assets.datasets import load_dataset

    standard, selective = work / "mnist1d-standard", work / "mnist1d-selectivenet"
    run_cli("selective", "train", "--dataset", "mnist1d", "--epochs", "20", "--dropout", "0.2", "--out", str(standard))
    run_cli("selective", "train", "--dataset", "mnist1d", "--objective", "selectivenet", "--coverage", "0.8",
            "--epochs", "20", "--out", str(selective))
    run_cli("selective", "sgr", "--confidence", str(standard / "test_confidence.npy"),
            "--errors", str(standard / "test_losses.npy"), "--risk", "0.15", "--delta", "0.001")
    labels = standard / "test_labels.npy"
    np.save(labels, load_dataset("mnist1d", seed=0).test.y)
    run_cli("metrics", "rc", "--labels", str(labels), "--predictions", str(standard / "test_predictions.npy"),
            "--confidence", str(standard / "test_confidence.npy"), "--coverage", "0.8", "--risk", "0.15",
            "--plot", str(work / "mnist1d-risk-coverage.png"))


def compression_step(work: Path) -> None:
    """The main job: compress SmolLM2-135M to a 1.5x speed budget on this machine with the quick profile
    (library -> scoring -> solve -> assembly -> global KD -> evaluation through the services). The table
    it prints (parent vs child: speed, KL, perplexity, cloze) is measured in this run; the measured
    speedup is printed next to the solver's prediction, whatever it turns out to be."""
    run_cli("compress", "--parent", "smollm2-135m", "--profile", "quick", "--target-speedup", "1.5",
            "--out", str(work / "compress"))


def main() -> int:
    from tessel.runtime.settings import get_settings

    work = get_settings().home / "demo"
    work.mkdir(parents=True, exist_ok=True)
    run_cli("stack", "up")
    compression_step(work)
    metrics_step()
    trust_step(work)
    console.rule("[bold green]demo finished")
    console.print(f"Outputs and plots: {work} (the child model and its report: {work / 'compress'})")
    console.print("The stack is still running: `tessel stack status`, `make down` to stop it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
