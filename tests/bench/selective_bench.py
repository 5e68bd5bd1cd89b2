"""Selective prediction benchmark (`make bench`): SelectiveNet vs softmax response (SR) and MC-dropout, and
SGR certificates side by side with MAPIE's Learn-then-Test risk control.

Table 1 (the SelectiveNet paper's shape): test selective risk at coverage 1.0, 0.95, 0.9, 0.8.
  SelectiveNet: one model per target coverage, threshold calibrated on validation, realised test coverage shown.
  SR / MC-dropout: one standard model (same backbone, dropout 0.5), covering the most confident fraction c.
  MNIST-1D with an MLP (mean ± std over 3 seeds); Fashion-MNIST with a small CNN (one seed, <= 10 epochs).
Table 2: SGR (δ = 0.001) on a random half of the test set (SR of the standard model), checked on the other
  half, next to MAPIE's BinaryClassificationController (precision >= 1 - r*, default p-values and FWER) on the
  same halves.

Full run: about an hour on 2 CPU cores. `--quick`: a few minutes (fewer epochs, Fashion-MNIST subsampled).
`--device` picks where every model trains and MC-dropout samples. Writes <results>/selective.json and .md
(selective-quick with --quick) through tests/bench/common.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import TesselError
from tessel.zoo import FitOptions, mc_dropout, model_from_bytes, selective_risk_at_coverage
from tessel_selective_trainer.core.certification import certify_risk
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions
from tessel_selective_trainer.core.training_job import BackboneSettings, TrainingSettings, train

from common import add_device_argument, resolve_device, result_name, write_results

NAME = "selective"
COVERAGES = (0.95, 0.9, 0.8)
DELTA = 0.001

PROFILES = {
    "full": {
        "mnist1d": dict(seeds=(0, 1, 2), epochs=60, patience=15, max_train=0, mc_passes=100),
        "fashion-mnist": dict(seeds=(0,), epochs=10, patience=10, max_train=0, mc_passes=100),
    },
    "quick": {
        "mnist1d": dict(seeds=(0, 1, 2), epochs=20, patience=8, max_train=0, mc_passes=30),
        "fashion-mnist": dict(seeds=(0,), epochs=2, patience=2, max_train=6000, mc_passes=10),
    },
}
BACKBONES = {
    "mnist1d": BackboneSettings("mlp", hidden_sizes=(256, 256), dropout=0.5),
    "fashion-mnist": BackboneSettings("small_cnn", base_width=32, dropout=0.5),
}
RISK_TARGETS = {"mnist1d": (0.1, 0.15, 0.2), "fashion-mnist": (0.01, 0.02, 0.05)}


def run_dataset(name: str, profile: dict, device: str) -> dict:
    rows = {"sr": {c: [] for c in (1.0, *COVERAGES)}, "mc": {c: [] for c in (1.0, *COVERAGES)},
            "sn": {c: [] for c in COVERAGES}, "sn_coverage": {c: [] for c in COVERAGES}}
    certification_input = None
    for seed in profile["seeds"]:
        data = load_dataset(name, seed=seed)
        fit = FitOptions(max_epochs=profile["epochs"], patience=profile["patience"], seed=seed, device=device)
        common = dict(backbone=BACKBONES[name], fit=fit, max_train_examples=profile["max_train"],
                      mc_dropout_passes=profile["mc_passes"])
        started = time.perf_counter()
        standard = train(TrainingSettings(**common), data)
        # MC-dropout on the very same trained model (its deterministic prediction, the passes' variance)
        mc_confidence = mc_dropout(model_from_bytes(standard.model_bytes).to(device), torch.as_tensor(data.test.x),
                                   passes=profile["mc_passes"], batch_size=128, seed=seed).confidence.cpu().numpy()
        for c in (1.0, *COVERAGES):
            rows["sr"][c].append(selective_risk_at_coverage(standard.test_confidence, standard.test_losses, c))
            rows["mc"][c].append(selective_risk_at_coverage(mc_confidence, standard.test_losses, c))
        for c in COVERAGES:
            sn = train(TrainingSettings(**common, objective="selectivenet", selective=SelectiveLossOptions(c)), data)
            rows["sn"][c].append(sn.calibration.test_selective_risk)
            rows["sn_coverage"][c].append(sn.calibration.test_coverage)
        print(f"  {name} seed {seed}: {time.perf_counter() - started:.0f}s, test error {standard.test_risk:.4f}",
              flush=True)
        if certification_input is None:
            certification_input = (standard.test_confidence, standard.test_losses)
    return {"rows": rows, "sgr": sgr_table(name, *certification_input), "profile": profile}


def sgr_table(name: str, confidence: np.ndarray, losses: np.ndarray) -> list[dict]:
    order = np.random.default_rng(0).permutation(len(confidence))
    half = len(order) // 2
    cal, test = order[:half], order[half:]
    out = []
    for risk in RISK_TARGETS[name]:
        certificate = certify_risk(confidence[cal], losses[cal], risk_target=risk, delta=DELTA)
        row = {"risk_target": risk, "feasible": certificate.feasible, "train_risk": certificate.selective_risk,
               "train_coverage": certificate.coverage, "bound": certificate.bound,
               "min_achievable_bound": certificate.min_achievable_bound}
        if certificate.feasible:
            covered = confidence[test] >= certificate.threshold
            row |= {"test_risk": float(losses[test][covered].mean()) if covered.any() else None,
                    "test_coverage": float(covered.mean())}
        row |= mapie_row(confidence[cal], losses[cal], confidence[test], losses[test], risk)
        out.append(row)
    return out


def mapie_row(cal_confidence, cal_losses, test_confidence, test_losses, risk) -> dict:
    from mapie.risk_control import BinaryClassificationController

    # "accept" is the positive class; precision of accepting = 1 - selective risk.
    controller = BinaryClassificationController(
        predict_function=lambda x: np.column_stack([1 - x, x]), risk="precision", target_level=1 - risk,
        confidence_level=1 - DELTA,
    )
    controller.calibrate(cal_confidence, (cal_losses == 0).astype(int))
    threshold = controller.best_predict_param
    if threshold is None or (np.ndim(threshold) == 0 and np.isnan(threshold)):
        return {"mapie_feasible": False}
    covered = test_confidence >= float(threshold)
    return {"mapie_feasible": True, "mapie_threshold": float(threshold),
            "mapie_train_coverage": float((cal_confidence >= float(threshold)).mean()),
            "mapie_test_coverage": float(covered.mean()),
            "mapie_test_risk": float(test_losses[covered].mean()) if covered.any() else None}


def _cell(values: list[float], percent: bool = True) -> str:
    if not values:
        return "—"
    scale = 100 if percent else 1
    if len(values) == 1:
        return f"{scale * values[0]:.2f}"
    return f"{scale * np.mean(values):.2f} ± {scale * np.std(values, ddof=1):.2f}"


def markdown(results: dict, profile_name: str, seconds: float, device: str) -> str:
    where = f"cuda ({torch.cuda.get_device_name(device)})" if device.startswith("cuda") else device
    lines = [f"# Selective prediction benchmark ({profile_name} profile, {seconds / 60:.1f} min, on {where}, "
             f"{torch.get_num_threads()} torch threads)", ""]
    for name, result in results.items():
        if "skipped" in result:
            lines += [f"## {name}: skipped ({result['skipped']})", ""]
            continue
        rows, profile = result["rows"], result["profile"]
        lines += [f"## {name} ({BACKBONES[name].architecture}, seeds {list(profile['seeds'])}, "
                  f"<= {profile['epochs']} epochs, MC-dropout {profile['mc_passes']} passes)", "",
                  "Selective risk (%) on test; SelectiveNet's realised test coverage in brackets.", "",
                  "| coverage | SelectiveNet | SR | MC-dropout | SN better than SR? |", "|---|---|---|---|---|"]
        lines.append(f"| 1.00 | — (= standard) | {_cell(rows['sr'][1.0])} | {_cell(rows['mc'][1.0])} | |")
        for c in COVERAGES:
            sn, sr = rows["sn"][c], rows["sr"][c]
            verdict = "yes" if np.mean(sn) < np.mean(sr) else "**no**"
            lines.append(f"| {c:.2f} | {_cell(sn)} [{_cell(rows['sn_coverage'][c], percent=False)}] | {_cell(sr)} | "
                         f"{_cell(rows['mc'][c])} | {verdict} |")
        lines += ["", f"SGR (δ = {DELTA}) on a random half of the test set (SR of the seed-0 standard model), "
                  "checked on the other half; MAPIE BinaryClassificationController (precision ≥ 1 − r*, "
                  "default p-values, Bonferroni–Holm) on the same halves.", "",
                  "| r* | SGR train risk | SGR train cov | SGR test risk | SGR test cov | bound b* | "
                  "MAPIE test risk | MAPIE test cov |", "|---|---|---|---|---|---|---|---|"]
        for row in result["sgr"]:
            if row["feasible"]:
                sgr = (f"{row['train_risk']:.4f} | {row['train_coverage']:.4f} | {row['test_risk']:.4f} | "
                       f"{row['test_coverage']:.4f} | {row['bound']:.4f}")
            else:
                sgr = f"infeasible | | | | (min achievable {row['min_achievable_bound']:.4f})"
            mapie = (f"{row['mapie_test_risk']:.4f} | {row['mapie_test_coverage']:.4f}" if row["mapie_feasible"]
                     else "not controllable | ")
            lines.append(f"| {row['risk_target']} | {sgr} | {mapie} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few minutes instead of about an hour")
    parser.add_argument("--threads", type=int, default=2)
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: tests/bench/results, or $TESSEL_BENCH_RESULTS)")
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    torch.set_num_threads(args.threads)
    profile_name = "quick" if args.quick else "full"
    print(f"training on {device}", flush=True)
    started = time.perf_counter()
    results = {}
    for name, profile in PROFILES[profile_name].items():
        print(f"{name}:", flush=True)
        try:
            results[name] = run_dataset(name, profile, device)
        except TesselError as error:  # e.g. Fashion-MNIST not installed (scripts/install_fashion_mnist.sh)
            results[name] = {"skipped": str(error)}
    report = markdown(results, profile_name, time.perf_counter() - started, device)
    print(report)
    write_results(result_name(NAME, args.quick), results, report, out_dir=args.out, device=device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
