"""`tessel metrics pa|aurc|rc`: Prediction Advantage and risk-coverage from .npy files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
import numpy as np

from tessel.cli.output import OutputFile, emit_json, json_option, table
from tessel.client.metrics import LOSSES, MetricsClient
from tessel.metrics.v1 import metrics_pb2

NPY = click.Path(exists=True, dir_okay=False, path_type=Path)


def load_npy(path: Path | None, option: str) -> np.ndarray | None:
    if path is None:
        return None
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise click.BadParameter(f"{path} is not a readable .npy file ({error})", param_hint=option) from error


@click.group()
def metrics() -> None:
    """Prediction Advantage, risk-coverage curves, AURC/E-AURC (computed by the metrics service)."""


@metrics.command()
@click.option("--loss", type=click.Choice(sorted(LOSSES)), required=True)
@click.option("--labels", type=NPY, required=True, help="Evaluation labels (.npy).")
@click.option("--predictions", type=NPY, help="Point predictions: class ids or regression values (.npy).")
@click.option("--probs", type=NPY, help="Class probabilities [n, k] (.npy).")
@click.option("--train-labels", type=NPY, help="Fit the baseline f0 on these labels instead.")
@click.option("--num-classes", type=int, default=0, show_default=True, help="0 = inferred.")
@json_option
def pa(loss, labels, predictions, probs, train_labels, num_classes, as_json) -> None:
    """Prediction Advantage: 1 - risk / risk of the best input-independent predictor."""
    if predictions is None and probs is None:
        raise click.UsageError("give --predictions or --probs")

    async def call():
        async with MetricsClient() as client:
            return await client.prediction_advantage(
                loss, load_npy(labels, "--labels"), predictions=load_npy(predictions, "--predictions"),
                probabilities=load_npy(probs, "--probs"), train_labels=load_npy(train_labels, "--train-labels"),
                num_classes=num_classes,
            )

    report = asyncio.run(call())
    result = {
        "prediction_advantage": report.prediction_advantage, "risk": report.risk,
        "baseline_risk": report.baseline_risk, "loss": loss, "n": report.n,
    }
    if as_json:
        emit_json(result)
    else:
        table("Prediction Advantage", list(result), [list(result.values())])


def _curve_options(command):
    for option in reversed([
        click.option("--labels", type=NPY, required=True, help="Labels (.npy)."),
        click.option("--predictions", type=NPY, required=True, help="Predictions (.npy)."),
        click.option("--confidence", type=NPY, required=True, help="Confidence per example, higher = surer (.npy)."),
        click.option("--loss", type=click.Choice(["zero_one", "absolute", "squared"]), default="zero_one", show_default=True),
    ]):
        command = option(command)
    return command


def _risk_coverage(labels, predictions, confidence, loss, **kwargs) -> metrics_pb2.RiskCoverageReport:
    async def call():
        async with MetricsClient() as client:
            return await client.risk_coverage(
                load_npy(labels, "--labels"), load_npy(predictions, "--predictions"),
                load_npy(confidence, "--confidence"), loss=loss, **kwargs,
            )

    return asyncio.run(call())


@metrics.command()
@_curve_options
@json_option
def aurc(labels, predictions, confidence, loss, as_json) -> None:
    """AURC, E-AURC and the optimal AURC of the same predictions."""
    report = _risk_coverage(labels, predictions, confidence, loss, max_curve_points=1)
    result = {
        "aurc": report.aurc, "e_aurc": report.e_aurc, "optimal_aurc": report.optimal_aurc,
        "error_rate": report.error_rate, "n": report.n,
    }
    if as_json:
        emit_json(result)
    else:
        table("Area under the risk-coverage curve", list(result), [list(result.values())])


@metrics.command()
@_curve_options
@click.option("--coverage", type=float, help="Report the selective risk at this coverage.")
@click.option("--risk", type=float, help="Report the largest coverage with selective risk <= this.")
@click.option("--points", type=int, default=200, show_default=True, help="Curve points returned (0 = all n).")
@click.option("--plot", type=OutputFile(), help="Write the curve as a PNG.")
@json_option
def rc(labels, predictions, confidence, loss, coverage, risk, points, plot, as_json) -> None:
    """The risk-coverage curve, the selective risk at a coverage and the coverage at a risk."""
    report = _risk_coverage(
        labels, predictions, confidence, loss, coverage=coverage, risk=risk, max_curve_points=points
    )
    result = {
        "n": report.n, "aurc": report.aurc, "e_aurc": report.e_aurc, "error_rate": report.error_rate,
        "curve": {"coverage": list(report.curve_coverage), "risk": list(report.curve_risk),
                  "threshold": list(report.curve_threshold)},
    }
    if report.HasField("risk_at_coverage"):
        result["coverage"] = coverage
        result["risk_at_coverage"] = report.risk_at_coverage
    if report.HasField("coverage_at_risk"):
        result["risk"] = risk
        result["coverage_at_risk"] = report.coverage_at_risk
    if plot is not None:
        _plot(report, plot)
        result["plot"] = str(plot)
    if as_json:
        emit_json(result)
        return
    table("Risk-coverage", ["", "value"], [(k, v) for k, v in result.items() if k != "curve"])
    step = max(1, len(report.curve_coverage) // 10)
    table(
        None, ["coverage", "selective risk", "threshold"],
        list(zip(report.curve_coverage[::step], report.curve_risk[::step], report.curve_threshold[::step])),
    )


def _plot(report: metrics_pb2.RiskCoverageReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(5, 3.5), dpi=120)
    axes.plot(report.curve_coverage, report.curve_risk, label=f"AURC {report.aurc:.4f}")
    axes.set_xlabel("coverage")
    axes.set_ylabel("selective risk")
    axes.set_xlim(0, 1)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
