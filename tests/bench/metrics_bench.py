"""Metrics benchmark (`make bench`): Tessel's metrics core against its peers on the same arrays, and the
end-to-end cost of the gRPC service.

Data (seeded, 10^6 points by default), shaped like real model outputs:
  classification  10 classes; labels drawn from softmax(latent logits) with a mild class imbalance; the model's
                  float32 probabilities are softmax(1.2 * (latent + noise)): ~74% accurate and overconfident.
  regression      y = 2 sin(1.5x) + x/2 + heteroscedastic noise (sd 0.1 + 0.4|x|); the prediction misses the
                  mean slightly; confidence = -(a noisy estimate of the noise sd).
Measured (median of --repeats timed runs after one untimed warm-up; ratio = peer time / ours):
  1. Prediction Advantage for each loss vs scikit-learn's equivalents: r2_score (squared),
     d2_absolute_error_score (absolute), d2_log_loss_score (cross_entropy), and for zero_one
     1 - zero_one_loss(model) / zero_one_loss(DummyClassifier(most_frequent)).
  2. The risk-coverage curve (zero_one, confidence = max probability) vs torch-uncertainty's AURC, AUGRC,
     RiskAtxCov and CovAtxRisk, all from the same probabilities.
  3. The same computations through the metrics service: a real nats-server, the service in-process on a
     free loopback port, MetricsClient calls; throughput and overhead (gRPC time / core time).
Absolute times depend on the machine (recorded in the JSON); the claims are the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import types
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import numpy as np
import torch

from common import REPO, machine_facts, package_version, write_results

NAME = "metrics"
NUM_CLASSES = 10
COVERAGE = 0.8  # risk at 80% coverage
RISK = 0.05  # coverage at 5% risk
MAX_CURVE_POINTS = 1000
SIZES = {"full": (1_000_000, 5), "quick": (100_000, 3)}  # points, repeats


# ---- data -------------------------------------------------------------------------------------------------

def classification_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """int64 labels and float32 softmax probabilities [n, 10]."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(0.0, 6.0, (n, NUM_CLASSES)) + np.linspace(0.6, -0.6, NUM_CLASSES)
    labels = np.argmax(latent + rng.gumbel(size=latent.shape), axis=1)  # a draw from softmax(latent)
    logits = 1.2 * (latent + rng.normal(0.0, 1.5, latent.shape))
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return labels.astype(np.int64), probabilities.astype(np.float32)


def regression_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """float64 targets, predictions and confidences (higher = more confident)."""
    rng = np.random.default_rng(seed + 1)
    x = rng.uniform(-3.0, 3.0, n)
    mean = 2.0 * np.sin(1.5 * x) + 0.5 * x
    noise_sd = 0.1 + 0.4 * np.abs(x)
    labels = mean + noise_sd * rng.standard_normal(n)
    predictions = mean + 0.15 * rng.standard_normal(n)
    confidence = -noise_sd * np.exp(0.3 * rng.standard_normal(n))
    return labels, predictions, confidence


def input_facts(classification) -> dict:
    labels, probabilities = classification
    true_class = probabilities[np.arange(labels.shape[0]), labels]
    return {"accuracy": float((probabilities.argmax(axis=1) == labels).mean()),
            "class_frequencies": (np.bincount(labels, minlength=NUM_CLASSES) / labels.shape[0]).tolist(),
            "mean_max_probability": float(probabilities.max(axis=1).mean()),
            "true_class_probability_below_float32_eps": int((true_class < np.finfo(np.float32).eps).sum())}


# ---- timing -----------------------------------------------------------------------------------------------

def timed(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median seconds of `repeats` calls after one untimed warm-up, and the warm-up's result."""
    result = function()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


async def timed_async(function: Callable[[], Awaitable[object]], repeats: int) -> tuple[float, object]:
    result = await function()
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        await function()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


# ---- 1. Prediction Advantage vs scikit-learn -------------------------------------------------------------

def bench_prediction_advantage(classification, regression, repeats: int) -> list[dict]:
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import d2_absolute_error_score, d2_log_loss_score, r2_score, zero_one_loss

    from tessel_metrics.core.advantage import Loss, prediction_advantage

    labels, probabilities = classification
    predicted = probabilities.argmax(axis=1)
    probabilities64 = probabilities.astype(np.float64)
    y, y_hat, _ = regression
    class_ids = np.arange(NUM_CLASSES)

    def zero_one_peer() -> float:
        dummy_x = np.zeros((labels.shape[0], 1))
        majority = DummyClassifier(strategy="most_frequent").fit(dummy_x, labels).predict(dummy_x)
        return 1.0 - zero_one_loss(labels, predicted) / zero_one_loss(labels, majority)

    cases = [
        ("zero_one", "1 − zero_one_loss / zero_one_loss(DummyClassifier most_frequent)",
         lambda: prediction_advantage(Loss.ZERO_ONE, labels, predictions=predicted), zero_one_peer),
        ("cross_entropy", "d2_log_loss_score (float32 probabilities)",
         lambda: prediction_advantage(Loss.CROSS_ENTROPY, labels, probabilities=probabilities),
         lambda: d2_log_loss_score(labels, probabilities, labels=class_ids)),
        ("cross_entropy", "d2_log_loss_score (float64 copy of the probabilities)",
         lambda: prediction_advantage(Loss.CROSS_ENTROPY, labels, probabilities=probabilities64),
         lambda: d2_log_loss_score(labels, probabilities64, labels=class_ids)),
        ("absolute", "d2_absolute_error_score",
         lambda: prediction_advantage(Loss.ABSOLUTE, y, predictions=y_hat), lambda: d2_absolute_error_score(y, y_hat)),
        ("squared", "r2_score",
         lambda: prediction_advantage(Loss.SQUARED, y, predictions=y_hat), lambda: r2_score(y, y_hat)),
    ]
    rows = []
    for loss, peer_name, ours, peer in cases:
        ours_seconds, report = timed(ours, repeats)
        with warnings.catch_warnings():
            # float32 rows sum to 1 only within ~1e-7, which scikit-learn warns about (and then uses as given).
            warnings.filterwarnings("ignore", message="The y_prob values do not sum to one", category=UserWarning)
            peer_seconds, peer_value = timed(peer, repeats)
        rows.append({
            "loss": loss, "peer": f"scikit-learn {peer_name}", "ours": report.prediction_advantage,
            "peer_value": float(peer_value), "abs_diff": abs(report.prediction_advantage - float(peer_value)),
            "ours_seconds": ours_seconds, "peer_seconds": peer_seconds, "ratio": peer_seconds / ours_seconds,
        })
    return rows


# ---- 2. risk-coverage vs torch-uncertainty ---------------------------------------------------------------

def load_torch_uncertainty_risk_coverage() -> types.ModuleType | None:
    """torch_uncertainty.metrics.classification.risk_coverage, or None when it (or torchmetrics) is not installed.

    The module is loaded under bare parent packages: torch_uncertainty/__init__.py imports its Lightning CLI
    and torchvision plotting helpers, and no torchvision wheel fits torch 2.13.0+cpu (PyPI's links
    libtorch_cuda). The risk-coverage module itself needs only torch and torchmetrics.
    """
    spec = importlib.util.find_spec("torch_uncertainty")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(spec.submodule_search_locations[0])
    for package, folder in [("torch_uncertainty", root), ("torch_uncertainty.metrics", root / "metrics"),
                            ("torch_uncertainty.metrics.classification", root / "metrics" / "classification")]:
        if package not in sys.modules:
            module = types.ModuleType(package)
            module.__path__ = [str(folder)]
            sys.modules[package] = module
    try:
        return importlib.import_module("torch_uncertainty.metrics.classification.risk_coverage")
    except ModuleNotFoundError:  # torchmetrics missing: the peer is not usable
        return None


def trapezoid_normalised(values: np.ndarray) -> float:
    """torch-uncertainty's area: trapezoid rule over coverage 1/n..1, divided by (1 - 1/n)."""
    return float((values.sum() - (values[0] + values[-1]) / 2.0) / (values.shape[0] - 1))


def bench_risk_coverage(classification, repeats: int, peer_module: types.ModuleType | None) -> dict:
    from tessel_metrics.core.advantage import Loss
    from tessel_metrics.core.risk_coverage import per_example_loss, risk_coverage

    labels, probabilities = classification

    def ours():
        losses = per_example_loss(Loss.ZERO_ONE, labels, probabilities.argmax(axis=1))
        return risk_coverage(losses, probabilities.max(axis=1), coverage=COVERAGE, risk=RISK)

    ours_seconds, curve = timed(ours, repeats)
    generalized = curve.coverage * curve.risk
    confidence = probabilities.max(axis=1)
    # The hot-path floor: AURC + E-AURC + the curve need one sort of the confidences, nothing more.
    losses = per_example_loss(Loss.ZERO_ONE, labels, probabilities.argmax(axis=1))
    curve_seconds, _ = timed(lambda: risk_coverage(losses, confidence), repeats)
    argsort_seconds, _ = timed(lambda: np.argsort(confidence), repeats)
    values = {
        "AURC": (curve.aurc, trapezoid_normalised(curve.risk)),
        "AUGRC": (float(generalized.mean()), trapezoid_normalised(generalized)),
        f"risk at {COVERAGE:.0%} coverage": (curve.risk_at_coverage, curve.risk_at_coverage),
        f"coverage at {RISK:.0%} risk": (curve.coverage_at_risk, curve.coverage_at_risk),
        "E-AURC": (curve.e_aurc, None),
    }
    peers = {}
    if peer_module is not None:
        probabilities_t, labels_t = torch.from_numpy(probabilities), torch.from_numpy(labels)

        def peer_metric(metric_class, *args):
            def run() -> float:
                metric = metric_class(*args)
                metric.update(probabilities_t, labels_t)
                return float(metric.compute().reshape(-1)[0])
            return run

        peers = {
            "AURC": ("AURC", peer_metric(peer_module.AURC)),
            "AUGRC": ("AUGRC", peer_metric(peer_module.AUGRC)),
            f"risk at {COVERAGE:.0%} coverage": (f"RiskAtxCov({COVERAGE})", peer_metric(peer_module.RiskAtxCov, COVERAGE)),
            f"coverage at {RISK:.0%} risk": (f"CovAtxRisk({RISK})", peer_metric(peer_module.CovAtxRisk, RISK)),
        }
    rows = []
    for metric, (ours_value, ours_in_peer_definition) in values.items():
        row = {"metric": metric, "ours": ours_value, "ours_in_peer_definition": ours_in_peer_definition,
               "ours_seconds": ours_seconds}
        if metric in peers:
            peer_name, peer_function = peers[metric]
            peer_seconds, peer_value = timed(peer_function, repeats)
            row.update(peer=f"torch-uncertainty {peer_name}", peer_value=peer_value,
                       abs_diff=abs(ours_value - peer_value),
                       abs_diff_same_definition=abs(ours_in_peer_definition - peer_value),
                       peer_seconds=peer_seconds, ratio=peer_seconds / ours_seconds)
        rows.append(row)
    return {
        "rows": rows,
        "accuracy": float(1.0 - curve.error_rate),
        "tied_examples": int(labels.shape[0] - np.unique(confidence).shape[0]),
        "peer_all_seconds": sum(row.get("peer_seconds", 0.0) for row in rows) if peers else None,
        "ours_seconds": ours_seconds,
        "curve_seconds": curve_seconds,
        "argsort_seconds": argsort_seconds,
        "curve_over_argsort": curve_seconds / argsort_seconds,
    }


# ---- 3. the gRPC service end to end -----------------------------------------------------------------------

def start_nats_server(store: Path):
    """The test suite's nats-server launcher (tests/conftest.py), so the bench runs what the tests run."""
    spec = importlib.util.spec_from_file_location("tessel_tests_conftest", REPO / "tests" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    return conftest.start_nats_server(store)


@contextlib.asynccontextmanager
async def running_metrics_service() -> AsyncIterator[str]:
    """A real nats-server and the metrics service in-process on a free loopback port; yields its address."""
    from tessel.runtime.server import start_service
    from tessel.runtime.settings import get_settings
    from tessel_metrics.service import DEFINITION

    with tempfile.TemporaryDirectory(prefix="tessel-metrics-bench-") as scratch:
        nats_process, nats_url = start_nats_server(Path(scratch))
        try:
            os.environ.update(TESSEL_HOME=str(Path(scratch) / "home"), TESSEL_NATS_URL=nats_url,
                              TESSEL_GRPC_HOST="127.0.0.1", TESSEL_GRPC_PORT="0")
            get_settings.cache_clear()  # the client reads the same settings (artifact store for large arrays)
            service = await start_service(DEFINITION, get_settings())
            try:
                yield service.address
            finally:
                await service.stop()
        finally:
            get_settings.cache_clear()
            nats_process.terminate()
            nats_process.wait(timeout=10)


async def bench_grpc(classification, regression, repeats: int) -> list[dict]:
    from tessel.client.metrics import MetricsClient
    from tessel_metrics.core.advantage import Loss, prediction_advantage
    from tessel_metrics.core.risk_coverage import downsample, per_example_loss, risk_coverage

    labels, probabilities = classification
    predicted, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
    y, y_hat, y_confidence = regression

    def core_curve(loss, truth, guess, scores):
        """What the servicer computes for one ComputeRiskCoverage request."""
        curve = risk_coverage(per_example_loss(loss, truth, guess), scores, loss=loss)
        downsample(curve, MAX_CURVE_POINTS)
        return curve

    async with running_metrics_service() as address, MetricsClient(address) as client:
        calls = [  # name, request arrays, the gRPC call, the same work in the core, the value to compare
            ("PA zero_one", (labels, predicted),
             lambda: client.prediction_advantage("zero_one", labels, predictions=predicted),
             lambda: prediction_advantage(Loss.ZERO_ONE, labels, predictions=predicted), "prediction_advantage"),
            ("PA cross_entropy", (labels, probabilities),
             lambda: client.prediction_advantage("cross_entropy", labels, probabilities=probabilities),
             lambda: prediction_advantage(Loss.CROSS_ENTROPY, labels, probabilities=probabilities),
             "prediction_advantage"),
            ("PA absolute", (y, y_hat),
             lambda: client.prediction_advantage("absolute", y, predictions=y_hat),
             lambda: prediction_advantage(Loss.ABSOLUTE, y, predictions=y_hat), "prediction_advantage"),
            ("PA squared", (y, y_hat),
             lambda: client.prediction_advantage("squared", y, predictions=y_hat),
             lambda: prediction_advantage(Loss.SQUARED, y, predictions=y_hat), "prediction_advantage"),
            ("risk-coverage zero_one", (labels, predicted, confidence),
             lambda: client.risk_coverage(labels, predicted, confidence, max_curve_points=MAX_CURVE_POINTS),
             lambda: core_curve(Loss.ZERO_ONE, labels, predicted, confidence), "aurc"),
            ("risk-coverage absolute", (y, y_hat, y_confidence),
             lambda: client.risk_coverage(y, y_hat, y_confidence, loss="absolute", max_curve_points=MAX_CURVE_POINTS),
             lambda: core_curve(Loss.ABSOLUTE, y, y_hat, y_confidence), "aurc"),
        ]
        rows = []
        for name, arrays, call, core, value_field in calls:
            grpc_seconds, report = await timed_async(call, repeats)
            core_seconds, core_result = timed(core, repeats)
            rows.append({
                "call": name, "points": int(arrays[0].shape[0]),
                "request_mb": sum(array.nbytes for array in arrays) / 1e6,
                "grpc_seconds": grpc_seconds, "core_seconds": core_seconds,
                "overhead_ratio": grpc_seconds / core_seconds,
                "points_per_second": arrays[0].shape[0] / grpc_seconds,
                "abs_diff_vs_core": abs(getattr(report, value_field) - getattr(core_result, value_field)),
            })
        return rows


# ---- report -----------------------------------------------------------------------------------------------

NOTES = [
    "PA and scikit-learn's D² scores are the same definitions (f0 = majority class / class frequencies / median / "
    "mean fitted on the evaluation labels). For an even n the median is not unique, but every point between the "
    "two middle values gives the same mean absolute deviation, so the absolute-loss baseline agrees exactly.",
    "cross_entropy on float32 probabilities: scikit-learn clips at the eps of the input's dtype (float32: 1.2e-7) "
    "and sums in float32; ours upcasts to float64 and clips at float64 eps (2.2e-16), so a true-class probability "
    "below 1.2e-7 costs its full -log p with us. On the float64 copy of the same probabilities the two agree exactly.",
    "AURC: ours is the mean selective risk over the n coverages k/n; torch-uncertainty integrates the same points "
    "with the trapezoid rule and divides by (1 - 1/n). 'ours, peer definition' applies that formula to our curve, so "
    "its remaining difference comes from ties and float32 arithmetic only. AUGRC (ours) is the mean of coverage × "
    "selective risk over our curve; our service does not report it.",
    "Ties: float32 max-probabilities repeat; we give each tied example its group's mean loss (order-free), "
    "torch-uncertainty keeps whatever order torch.argsort returns. Coverage at risk: both take the largest k with "
    "risk ≤ target; when none exists ours reports 0, torch-uncertainty NaN.",
    "E-AURC (AURC minus the AURC of the best ranking of the same losses) has no torch-uncertainty counterpart.",
    "Ours for risk-coverage is one call returning the whole curve, AURC, E-AURC, risk at coverage and coverage at "
    "risk; each torch-uncertainty metric is a separate update + compute (ratio = that metric's time / our one call).",
    "gRPC: request arrays over 16 MiB (the float32 probabilities) travel as .npy artifacts in the local store; "
    "each call also publishes its event on NATS JetStream. Core = the same core functions the servicer calls.",
]


def _f(value, digits: int = 6) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _e(value) -> str:
    return "—" if value is None else f"{value:.1e}"


def markdown(document: dict) -> str:
    p = document["parameters"]
    lines = [
        f"# Metrics benchmark: {p['points']:,} points, median of {p['repeats']} runs",
        "",
        f"On this {document['machine']['usable_cpus']}-CPU machine (torch {p['torch_threads']} thread); absolute "
        "times are context, the ratios are the claim (peer time / ours: > 1 means ours is faster).",
        "",
        "## Prediction Advantage vs scikit-learn (same arrays)",
        "",
        "| loss | peer | ours | peer value | abs diff | ours ms | peer ms | peer/ours |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in document["prediction_advantage"]:
        lines.append(f"| {row['loss']} | {row['peer']} | {_f(row['ours'], 9)} | {_f(row['peer_value'], 9)} | "
                     f"{_e(row['abs_diff'])} | {1e3 * row['ours_seconds']:.1f} | {1e3 * row['peer_seconds']:.1f} | "
                     f"{row['ratio']:.2f} |")
    rc = document["risk_coverage"]
    lines += [
        "",
        f"{document['inputs']['true_class_probability_below_float32_eps']} of the true-class probabilities are "
        "below float32 eps (see the notes on cross_entropy).",
        "",
        f"## Risk–coverage (zero_one, max-probability confidence) vs {document['peers']['torch_uncertainty_label']}",
        "",
        f"Accuracy {rc['accuracy']:.4f}; {rc['tied_examples']:,} examples share their float32 confidence with an "
        f"earlier one. Ours: one call, {1e3 * rc['ours_seconds']:.1f} ms.",
        "",
        f"Hot path: AURC + E-AURC + curve from losses and confidences {1e3 * rc['curve_seconds']:.1f} ms = "
        f"{rc['curve_over_argsort']:.2f}× one `np.argsort` of the confidences ({1e3 * rc['argsort_seconds']:.1f} ms; "
        "target ≤ 1.5×).",
        "",
        "| metric | ours | ours, peer definition | peer | peer value | abs diff | same-definition diff | "
        "peer ms | peer/ours |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rc["rows"]:
        if "peer" in row:
            lines.append(f"| {row['metric']} | {_f(row['ours'])} | {_f(row['ours_in_peer_definition'])} | "
                         f"{row['peer']} | {_f(row['peer_value'])} | {_e(row['abs_diff'])} | "
                         f"{_e(row['abs_diff_same_definition'])} | {1e3 * row['peer_seconds']:.1f} | "
                         f"{row['ratio']:.2f} |")
        else:
            lines.append(f"| {row['metric']} | {_f(row['ours'])} | {_f(row['ours_in_peer_definition'])} | "
                         "— | — | — | — | — | — |")
    if rc["peer_all_seconds"] is not None:
        lines.append(f"| all four peer metrics | | | | | | | {1e3 * rc['peer_all_seconds']:.1f} | "
                     f"{rc['peer_all_seconds'] / rc['ours_seconds']:.2f} |")
    if document.get("grpc"):
        lines += [
            "",
            "## Through the metrics service (gRPC on loopback, real nats-server, in-process service)",
            "",
            "| call | points | request MB | gRPC ms | core ms | overhead × | points/s | diff vs core |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for row in document["grpc"]:
            lines.append(f"| {row['call']} | {row['points']:,} | {row['request_mb']:.1f} | "
                         f"{1e3 * row['grpc_seconds']:.1f} | {1e3 * row['core_seconds']:.1f} | "
                         f"{row['overhead_ratio']:.1f} | {row['points_per_second']:.3g} | "
                         f"{_e(row['abs_diff_vs_core'])} |")
    lines += ["", "Notes:", *[f"- {note}" for note in document["notes"]]]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"{SIZES['quick'][0]:,} points, {SIZES['quick'][1]} repeats")
    parser.add_argument("--points", type=int, help=f"number of examples (default {SIZES['full'][0]:,})")
    parser.add_argument("--repeats", type=int, help=f"timed runs per measurement (default {SIZES['full'][1]})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (numpy's sorts are single-threaded)")
    parser.add_argument("--skip-missing-peers", action="store_true",
                        help="leave out peers that are not installed instead of failing (requirements/bench.txt)")
    parser.add_argument("--no-grpc", action="store_true", help="skip the end-to-end service measurements")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default tests/bench/results)")
    args = parser.parse_args(argv)
    points, repeats = SIZES["quick" if args.quick else "full"]
    args.points = args.points or points
    args.repeats = args.repeats or repeats
    if args.points < 2 or args.repeats < 1:
        parser.error("--points must be >= 2 and --repeats >= 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    peer_module = load_torch_uncertainty_risk_coverage()
    if peer_module is None and not args.skip_missing_peers:
        print("torch-uncertainty or torchmetrics is not installed: `pip install -r requirements/bench.txt`, "
              "or pass --skip-missing-peers", file=sys.stderr)
        return 2
    started = time.perf_counter()
    classification = classification_data(args.points, args.seed)
    regression = regression_data(args.points, args.seed)
    print(f"metrics bench: {args.points:,} points, {args.repeats} repeats", flush=True)
    pa_rows = bench_prediction_advantage(classification, regression, args.repeats)
    print("  prediction advantage done", flush=True)
    rc = bench_risk_coverage(classification, args.repeats, peer_module)
    print("  risk-coverage done", flush=True)
    grpc_rows = None if args.no_grpc else asyncio.run(bench_grpc(classification, regression, args.repeats))
    tu_version = package_version("torch-uncertainty")
    document = {
        "parameters": {"points": args.points, "repeats": args.repeats, "seed": args.seed,
                       "num_classes": NUM_CLASSES, "torch_threads": args.threads, "coverage": COVERAGE,
                       "risk": RISK, "max_curve_points": MAX_CURVE_POINTS},
        "peers": {"scikit-learn": package_version("scikit-learn"),
                  "torch-uncertainty": tu_version if peer_module is not None else None,
                  "torchmetrics": package_version("torchmetrics"),
                  "torch_uncertainty_label": f"torch-uncertainty {tu_version}" if peer_module is not None
                  else "torch-uncertainty (not installed)"},
        "inputs": input_facts(classification),
        "prediction_advantage": pa_rows,
        "risk_coverage": rc,
        "grpc": grpc_rows,
        "notes": NOTES,
        "seconds": time.perf_counter() - started,
    }
    document["machine"] = machine_facts()
    report = markdown(document)
    write_results(NAME, document, report, args.out)
    print(report, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
