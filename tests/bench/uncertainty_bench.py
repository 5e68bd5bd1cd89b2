"""Uncertainty benchmark (`make bench`): do snapshot methods (AES, PES) lower E-AURC against softmax response
(SR), and how does MC-dropout compare? Plus SelectiveNet's selection head vs SR on its own body vs SR on a
standard model at the same coverages.

Per dataset (Fashion-MNIST and MNIST-1D) and seed (3 seeds): one standard model (MLP 256-256, dropout 0.5,
Adam, early stopping on validation, one snapshot per epoch) serves every method, through the
uncertainty-estimator's own core (`tessel_uncertainty_estimator.core.estimation.estimate`):
  SR, AES (10 snapshots evenly spaced up to the final epoch), PES (rules learned on validation, q = 0.05,
  regions of >= 20), MC-dropout (T passes; mean probability, negative variance of the predicted class and
  negative mutual information, all ranking the deterministic prediction's errors).
AURC and E-AURC (x100) on test with the metrics service's definitions and tie rule; the relative change
is of E-AURC against SR on the same model, averaged over seeds.

SelectiveNet (target coverage 0.8, same backbone and budget): selective risk (%) on test at coverage
0.95 / 0.9 / 0.8 by rank of its head g, of SR on its prediction head, and of SR on the standard model;
and the realised test coverage of the threshold calibrated on validation for 0.8.

Scaled to minutes on 2 shared CPU cores: MLPs, Fashion-MNIST trained on 5,000 examples for <= 6 epochs,
MNIST-1D on all 3,600 for <= 30. `--quick`: one seed, fewer epochs and passes. Writes <results>/uncertainty.json and
.md (uncertainty-quick with --quick) through tests/bench/common.py.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import TesselError
from tessel.zoo import FitOptions, model_from_bytes, predict, softmax_response
from tessel.zoo.mc_dropout import MCDropoutSettings, mc_confidence, run_mc_dropout
from tessel.zoo.evaluation import aurc, tie_averaged_risks
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions
from tessel_selective_trainer.core.training_job import BackboneSettings, TrainingSettings, train
from tessel_uncertainty_estimator.core.estimation import EstimationSettings, estimate

from common import add_device_argument, resolve_device, result_name, write_results

NAME = "uncertainty"
COVERAGES = (0.95, 0.9, 0.8)
SN_TARGET = 0.8
BACKBONE = BackboneSettings("mlp", hidden_sizes=(256, 256), dropout=0.5)
PROFILES = {
    "full": {
        "fashion-mnist": dict(seeds=(0, 1, 2), epochs=6, patience=6, max_train=5000, mc_passes=20),
        "mnist1d": dict(seeds=(0, 1, 2), epochs=30, patience=30, max_train=0, mc_passes=30),
    },
    "quick": {
        "fashion-mnist": dict(seeds=(0,), epochs=3, patience=3, max_train=3000, mc_passes=10),
        "mnist1d": dict(seeds=(0,), epochs=10, patience=10, max_train=0, mc_passes=10),
    },
}
METHODS = ("sr", "aes", "pes", "mc_mean_probability", "mc_negative_predicted_variance",
           "mc_negative_mutual_information")
LABELS = {"sr": "SR", "aes": "AES (SR)", "pes": "PES (SR)", "mc_mean_probability": "MC-dropout: mean probability",
          "mc_negative_predicted_variance": "MC-dropout: −variance of predicted class",
          "mc_negative_mutual_information": "MC-dropout: −mutual information"}


def run_seed(name: str, profile: dict, seed: int, device: str) -> dict:
    data = load_dataset(name, seed=seed)
    fit = FitOptions(max_epochs=profile["epochs"], patience=profile["patience"], seed=seed, device=device)
    common = dict(backbone=BACKBONE, fit=fit, max_train_examples=profile["max_train"])
    snapshots: list[tuple[int, bytes]] = []
    standard = train(TrainingSettings(**common), data, lambda record, weights: snapshots.append((record.epoch, weights)))
    final = model_from_bytes(standard.model_bytes).to(device)
    best = standard.fit.best_epoch
    kept = [(epoch, model_from_bytes(weights).to(device)) for epoch, weights in snapshots if epoch <= best]
    out: dict = {"test_error": standard.test_risk, "best_epoch": best, "epochs_run": standard.fit.epochs_run}
    confidences = {}
    for method in ("softmax_response", "aes", "pes"):
        outcome = estimate(EstimationSettings(method, device=device), final, kept, data)
        confidences[{"softmax_response": "sr"}.get(method, method)] = outcome.confidence
    errors = outcome.errors.astype(np.float64)  # every method serves the final model's deterministic prediction
    result = run_mc_dropout(final, torch.as_tensor(data.test.x), MCDropoutSettings(passes=profile["mc_passes"], seed=seed))
    served = predict(final, torch.as_tensor(data.test.x)).argmax(-1).cpu()  # the deterministic prediction
    for kind in ("mean_probability", "negative_predicted_variance", "negative_mutual_information"):
        confidences[f"mc_{kind}"] = mc_confidence(result, kind, predicted=served).cpu().numpy()
    for method, confidence in confidences.items():
        area, excess = aurc(errors, confidence)
        out[method] = {"aurc": area, "e_aurc": excess}

    sn = train(TrainingSettings(**common, objective="selectivenet", selective=SelectiveLossOptions(SN_TARGET)), data)
    sn_body = model_from_bytes(sn.model_bytes).to(device)
    sn_logits = predict(sn_body, torch.as_tensor(data.test.x))
    sn_losses = (sn_logits.argmax(-1).cpu().numpy() != data.test.y).astype(np.float64)
    out["selectivenet"] = {
        "head": _risks(sn.test_confidence, sn_losses), "sr_on_body": _risks(softmax_response(sn_logits).cpu().numpy(),
                                                                            sn_losses),
        "sr_standard": _risks(confidences["sr"], errors), "test_error": sn.test_risk,
        "target_coverage": SN_TARGET, "calibration_coverage": sn.calibration.calibration_coverage,
        "epoch_selection_coverage": sn.calibration.validation_coverage,
        "test_coverage": sn.calibration.test_coverage, "test_selective_risk": sn.calibration.test_selective_risk,
    }
    return out


def _risks(confidence: np.ndarray, losses: np.ndarray) -> dict:
    risks = tie_averaged_risks(losses, confidence)
    return {c: float(risks[max(1, math.ceil(c * len(losses) - 1e-9)) - 1]) for c in COVERAGES}


def _cell(values: list[float], scale: float = 100.0, digits: int = 2) -> str:
    values = [scale * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def markdown(results: dict, profile_name: str, seconds: float, device: str) -> str:
    lines = [f"# Uncertainty benchmark ({profile_name} profile, {seconds / 60:.1f} min on {device}, "
             f"{torch.get_num_threads()} torch threads)", ""]
    for name, result in results.items():
        if "skipped" in result:
            lines += [f"## {name}: skipped ({result['skipped']})", ""]
            continue
        seeds, profile = result["seeds"], result["profile"]
        errors = [s["test_error"] for s in seeds]
        lines += [f"## {name} (MLP 256-256, dropout 0.5, seeds {list(profile['seeds'])}, <= {profile['epochs']} "
                  f"epochs, best epochs {[s['best_epoch'] for s in seeds]}, "
                  f"{profile['max_train'] or 'all'} training examples, MC-dropout {profile['mc_passes']} passes)", "",
                  f"Test error {_cell(errors)} %. AURC and E-AURC ×100 on test; Δ = relative change of E-AURC vs SR "
                  "(mean over seeds of each seed's change; negative = better).", "",
                  "| confidence | AURC ×100 | E-AURC ×100 | Δ E-AURC vs SR |", "|---|---|---|---|"]
        for method in METHODS:
            excess = [s[method]["e_aurc"] for s in seeds]
            change = [(s[method]["e_aurc"] - s["sr"]["e_aurc"]) / s["sr"]["e_aurc"] for s in seeds]
            delta = "—" if method == "sr" else f"{_cell(change, digits=1)} %"
            lines.append(f"| {LABELS[method]} | {_cell([s[method]['aurc'] for s in seeds])} | {_cell(excess)} | "
                         f"{delta} |")
        sn = [s["selectivenet"] for s in seeds]
        lines += ["", f"SelectiveNet (target coverage {SN_TARGET}): selective risk (%) on test at each coverage by "
                  "rank; realised coverage of its threshold, calibrated on a held-out half of validation (the "
                  f"epoch is chosen on the other half): calibration {_cell([s['calibration_coverage'] for s in sn], 1, 3)}, "
                  f"epoch-selection half {_cell([s['epoch_selection_coverage'] for s in sn], 1, 3)}, "
                  f"test {_cell([s['test_coverage'] for s in sn], 1, 3)}.",
                  "", "| coverage | SN head g | SR on SN body | SR on standard model |", "|---|---|---|---|"]
        for c in COVERAGES:
            lines.append(f"| {c:.2f} | {_cell([s['head'][c] for s in sn])} | {_cell([s['sr_on_body'][c] for s in sn])} | "
                         f"{_cell([s['sr_standard'][c] for s in sn])} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one seed, fewer epochs and passes")
    parser.add_argument("--threads", type=int, default=2)
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: tests/bench/results, or $TESSEL_BENCH_RESULTS)")
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    torch.set_num_threads(args.threads)
    profile_name = "quick" if args.quick else "full"
    started = time.perf_counter()
    results = {}
    for name, profile in PROFILES[profile_name].items():
        try:
            seeds = []
            for seed in profile["seeds"]:
                begun = time.perf_counter()
                seeds.append(run_seed(name, profile, seed, device))
                print(f"  {name} seed {seed}: {time.perf_counter() - begun:.0f}s, test error "
                      f"{seeds[-1]['test_error']:.4f}", flush=True)
            results[name] = {"seeds": seeds, "profile": profile}
        except TesselError as error:  # e.g. Fashion-MNIST not installed (scripts/install_fashion_mnist.sh)
            results[name] = {"skipped": str(error)}
    report = markdown(results, profile_name, time.perf_counter() - started, device)
    print(report)
    write_results(result_name(NAME, args.quick), results, report, out_dir=args.out, device=device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
