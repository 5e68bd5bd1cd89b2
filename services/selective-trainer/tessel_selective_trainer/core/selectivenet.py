"""SelectiveNet's loss and calibration (Geifman & El-Yaniv 2019); the three-head model is
`tessel.zoo.selectivenet`.

Loss: α·(r̂ + λ·max(0, c − φ̂)²) + (1 − α)·L_h with φ̂ = mean(g) over the batch and
r̂ = mean(g·ℓ(f)) / φ̂ (paper) or mean(g·ℓ(f)) (the authors' Keras code), ℓ = cross-entropy or
squared error. After training the threshold on g is calibrated to the target coverage on a calibration
split held out of validation: the epoch is chosen on the rest, because choosing it and calibrating on the
same examples biases g upward there (realised test coverage fell below the target, 0.78-0.79 for 0.8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument
from tessel.zoo.selectivenet import SelectiveOutput


@dataclass(frozen=True)
class SelectiveLossOptions:
    target_coverage: float
    coverage_penalty: float = 32.0  # λ
    alpha: float = 0.5
    normalize_by_coverage: bool = True  # the paper; False = the authors' Keras reference code
    calibration_fraction: float = 0.5  # share of validation held out to calibrate τ (never picks the epoch)

    def __post_init__(self) -> None:
        prefix = "spec.selectivenet"
        if not (0.0 < self.target_coverage <= 1.0):
            raise InvalidArgument(f"must be in (0, 1], got {self.target_coverage}", field=f"{prefix}.target_coverage")
        if not (self.coverage_penalty > 0 and math.isfinite(self.coverage_penalty)):
            raise InvalidArgument(f"must be > 0, got {self.coverage_penalty}", field=f"{prefix}.coverage_penalty")
        if not (0.0 < self.alpha <= 1.0):
            raise InvalidArgument(f"must be in (0, 1], got {self.alpha}", field=f"{prefix}.alpha")
        if not (0.0 < self.calibration_fraction < 1.0):
            raise InvalidArgument(f"must be in (0, 1), got {self.calibration_fraction}",
                                  field=f"{prefix}.calibration_fraction")


class SelectiveLossTerms(NamedTuple):
    total: torch.Tensor
    selective_risk: torch.Tensor  # r̂
    coverage: torch.Tensor  # φ̂
    penalty: torch.Tensor  # λ·max(0, c − φ̂)²
    auxiliary: torch.Tensor  # L_h


def per_example_loss(outputs: torch.Tensor, targets: torch.Tensor, task: str) -> torch.Tensor:
    if task == "classification":
        return nn.functional.cross_entropy(outputs, targets, reduction="none")
    return (outputs.squeeze(-1) - targets) ** 2


def selective_loss(
    output: SelectiveOutput, targets: torch.Tensor, options: SelectiveLossOptions, task: str
) -> SelectiveLossTerms:
    g = output.selection
    coverage = g.mean()
    weighted = (g * per_example_loss(output.prediction, targets, task)).mean()
    risk = weighted / coverage if options.normalize_by_coverage else weighted
    penalty = options.coverage_penalty * torch.clamp(options.target_coverage - coverage, min=0.0) ** 2
    auxiliary = per_example_loss(output.auxiliary, targets, task).mean()
    total = options.alpha * (risk + penalty) + (1.0 - options.alpha) * auxiliary
    return SelectiveLossTerms(total, risk, coverage, penalty, auxiliary)


class SelectiveObjective:
    """`tessel.zoo.fit` objective: early stopping on the validation loss; the risk it reports is the
    selective risk at the target coverage (by rank of g)."""

    def __init__(self, options: SelectiveLossOptions, task: Literal["classification", "regression"]) -> None:
        self.options, self.task = options, task

    def loss(self, outputs: SelectiveOutput, targets: torch.Tensor) -> torch.Tensor:
        return selective_loss(outputs, targets, self.options, self.task).total

    def validation(self, outputs: SelectiveOutput, targets: torch.Tensor) -> tuple[float, float]:
        loss = self.loss(outputs, targets).item()
        losses = prediction_losses(outputs.prediction, targets, self.task).cpu().numpy()
        g = outputs.selection.cpu().numpy()
        threshold = calibrate_threshold(g, self.options.target_coverage)
        covered = g >= threshold
        return loss, float(losses[covered].mean())


def prediction_losses(prediction: torch.Tensor, targets: torch.Tensor, task: str) -> torch.Tensor:
    """What selective risk averages: 0/1 error (classification) or squared error (regression)."""
    if task == "classification":
        return (prediction.argmax(-1) != targets).float()
    return (prediction.squeeze(-1) - targets) ** 2


def calibrate_threshold(selection: np.ndarray, target_coverage: float) -> float:
    """The threshold τ on g with coverage mean(g >= τ) = target on these examples: the ceil(c·n)-th
    largest g (ties in g can only raise the realised coverage, which callers report)."""
    g = np.sort(np.asarray(selection, dtype=np.float64))[::-1]
    if len(g) == 0:
        raise InvalidArgument("calibration needs a non-empty validation split", field="spec.dataset")
    if not (0.0 < target_coverage <= 1.0):
        raise InvalidArgument(f"must be in (0, 1], got {target_coverage}", field="spec.selectivenet.target_coverage")
    covered = min(len(g), max(1, math.ceil(target_coverage * len(g) - 1e-9)))
    return float(g[covered - 1])
