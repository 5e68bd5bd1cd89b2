"""One training job, transport-free: dataset splits in, trained model and held-out outputs out.

The validation split drives early stopping; for SelectiveNet it is cut in two (seeded): the epoch is chosen
on one part and the coverage threshold calibrated on the other, and the outcome records which part each
step used. The test split is touched once, at the end, so its outputs stay a clean held-out set for
CertifyRisk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from tessel.assets.datasets import DatasetSplits, Split
from tessel.runtime.errors import InvalidArgument
from tessel.zoo import (
    BackboneConfig,
    EpochRecord,
    FitOptions,
    FitResult,
    ModelConfig,
    StandardObjective,
    ZooModel,
    fit,
    mc_dropout,
    model_to_bytes,
    predict,
    risk_coverage_table,
    seed_everything,
    softmax_response,
)
from tessel.zoo.selectivenet import SelectiveNet
from tessel.zoo.training import checkpoint_from_bytes, checkpoint_to_bytes
from tessel_selective_trainer.core.selectivenet import (
    SelectiveLossOptions,
    SelectiveObjective,
    calibrate_threshold,
    prediction_losses,
)

Objective = Literal["standard", "selectivenet"]
ConfidenceName = Literal["softmax_response", "mc_dropout", "selection_head"]


@dataclass(frozen=True)
class BackboneSettings:
    architecture: str = "mlp"
    hidden_sizes: tuple[int, ...] = (256, 256)
    blocks_per_stack: tuple[int, ...] = (1, 1)
    base_width: int = 0
    dropout: float = 0.0

    def for_input(self, input_shape: tuple[int, ...]) -> BackboneConfig:
        return BackboneConfig(self.architecture, tuple(input_shape), self.hidden_sizes, self.blocks_per_stack,
                              self.base_width, self.dropout)


@dataclass(frozen=True)
class TrainingSettings:
    backbone: BackboneSettings = BackboneSettings()
    objective: Objective = "standard"
    selective: SelectiveLossOptions | None = None
    fit: FitOptions = FitOptions()
    max_train_examples: int = 0
    confidence: ConfidenceName | None = None  # None: the objective's and task's natural choice
    mc_dropout_passes: int = 100

    def __post_init__(self) -> None:
        if self.objective not in ("standard", "selectivenet"):
            raise InvalidArgument(f"unknown objective {self.objective!r}", field="spec.objective")
        if self.objective == "selectivenet" and self.selective is None:
            raise InvalidArgument("is required for a SelectiveNet job", field="spec.selectivenet.target_coverage")
        if self.confidence == "selection_head" and self.objective != "selectivenet":
            raise InvalidArgument("the selection head exists only for SelectiveNet", field="spec.confidence_function")
        if self.confidence == "mc_dropout" and self.backbone.dropout <= 0:
            raise InvalidArgument("MC-dropout needs backbone.dropout > 0", field="spec.backbone.dropout")
        if self.mc_dropout_passes < 2:
            raise InvalidArgument(f"must be >= 2, got {self.mc_dropout_passes}", field="spec.mc_dropout_passes")
        if self.max_train_examples < 0:
            raise InvalidArgument(f"must be >= 0, got {self.max_train_examples}", field="spec.max_train_examples")

    def confidence_for(self, task: str) -> ConfidenceName | None:
        if self.confidence is not None:
            if self.confidence == "softmax_response" and task != "classification":
                raise InvalidArgument("softmax response needs a classification dataset", field="spec.confidence_function")
            return self.confidence
        if self.objective == "selectivenet":
            return "selection_head"
        if task == "classification":
            return "softmax_response"
        return "mc_dropout" if self.backbone.dropout > 0 else None


@dataclass(frozen=True)
class SelectiveCalibration:
    threshold: float
    target_coverage: float
    validation_coverage: float  # on the epoch-selection part of validation (biased upward: shown for contrast)
    calibration_coverage: float  # on the calibration part, where τ was set
    test_coverage: float
    test_selective_risk: float
    epoch_selection_examples: int
    calibration_examples: int


EPOCH_SELECTION_SPLIT = "validation (epoch-selection part)"
CALIBRATION_SPLIT = "validation (calibration part)"


def split_validation(n: int, calibration_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (epoch-selection, calibration) indices of a validation split of n examples, disjoint, each
    at least one example."""
    if n < 2:
        raise InvalidArgument("SelectiveNet needs at least 2 validation examples (epoch choice and calibration)",
                              field="spec.dataset")
    size = min(n - 1, max(1, round(calibration_fraction * n)))
    order = np.random.default_rng([seed, 0x5E1EC7]).permutation(n)
    return np.sort(order[size:]), np.sort(order[:size])


@dataclass
class TrainingOutcome:
    model_bytes: bytes
    config: ModelConfig
    fit: FitResult
    task: str
    device: str
    test_risk: float
    confidence: ConfidenceName | None
    split_uses: list[tuple[str, str]]  # (step, split it used)
    test_predictions: np.ndarray
    test_confidence: np.ndarray | None
    test_losses: np.ndarray
    risk_coverage: list[tuple[float, float]] = field(default_factory=list)
    calibration: SelectiveCalibration | None = None
    # SelectiveNet exposes both confidences whichever one `confidence` names: its g head, and SR on its f
    # head (classification; later work finds SR on the SelectiveNet body ranks better than g).
    test_selection_head: np.ndarray | None = None
    test_softmax_response: np.ndarray | None = None


OnEpoch = Callable[[EpochRecord, bytes], None]


def train(
    settings: TrainingSettings, data: DatasetSplits, on_epoch: OnEpoch | None = None, *,
    on_checkpoint: Callable[[bytes], None] | None = None, resume_from: bytes | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainingOutcome:
    """Train and evaluate. `on_checkpoint` gets the training loop's state after every epoch (before
    `on_epoch`); `resume_from` (such bytes) continues after that epoch instead of starting over;
    `should_stop` is polled before every batch (tessel.zoo.training.FitStopped when it says stop)."""
    task = data.task
    if task not in ("classification", "regression"):
        raise InvalidArgument(f"dataset task {task!r} is neither classification nor regression", field="spec.dataset")
    confidence_name = settings.confidence_for(task)
    seed_everything(settings.fit.seed)
    x_train, y_train = _subset(data.train, settings.max_train_examples, settings.fit.seed)
    target_scale = _target_scale(y_train) if task == "regression" else (0.0, 1.0)
    config = ModelConfig(
        backbone=settings.backbone.for_input(tuple(data.input_shape)),
        num_outputs=int(data.num_classes) if task == "classification" else 1,
        task=task,
        extras=_extras(settings, target_scale),
    )
    model = SelectiveNet(config) if settings.objective == "selectivenet" else ZooModel(config)
    objective = (
        SelectiveObjective(settings.selective, task) if settings.objective == "selectivenet" else StandardObjective(task)
    )
    kind = settings.objective
    x_val, y_val = data.val.x, data.val.y
    calibration_part = None
    if settings.objective == "selectivenet":
        selection, calibration_part = split_validation(len(x_val), settings.selective.calibration_fraction,
                                                       settings.fit.seed)
        x_val, y_val = x_val[selection], y_val[selection]

    def epoch_done(record: EpochRecord, trained: torch.nn.Module) -> None:
        if on_epoch is not None:
            on_epoch(record, model_to_bytes(trained, config, kind=kind))

    fitted = fit(
        model, objective,
        (_inputs(x_train), _targets(y_train, task, target_scale)),
        (_inputs(x_val), _targets(y_val, task, target_scale)),
        settings.fit, epoch_done,
        on_checkpoint=(lambda state: on_checkpoint(checkpoint_to_bytes(state))) if on_checkpoint else None,
        resume=checkpoint_from_bytes(resume_from) if resume_from is not None else None, should_stop=should_stop,
    )
    return _evaluate(settings, data, model, config, fitted, confidence_name, target_scale, x_val, calibration_part)


def _evaluate(settings, data, model, config, fitted, confidence_name, target_scale, x_epoch_selection,
              calibration_part) -> TrainingOutcome:
    task = data.task
    uses = [("train", "train"), ("choose epoch", "validation" if calibration_part is None else EPOCH_SELECTION_SPLIT)]
    batch = max(settings.fit.batch_size, 256)
    x_test = _inputs(data.test.x)
    y_test = _targets(data.test.y, task, (0.0, 1.0))
    test_out = predict(model, x_test, batch_size=batch)
    prediction = test_out.prediction if settings.objective == "selectivenet" else test_out
    if task == "regression":
        prediction = prediction * target_scale[1] + target_scale[0]
    losses = prediction_losses(prediction, y_test.to(prediction.device), task).cpu().numpy().astype(np.float64)
    predictions = (prediction.argmax(-1) if task == "classification" else prediction.squeeze(-1)).cpu().numpy()

    calibration = None
    if settings.objective == "selectivenet":
        g_selection = predict(model, _inputs(x_epoch_selection), batch_size=batch).selection.cpu().numpy()
        g_calibration = predict(model, _inputs(data.val.x[calibration_part]), batch_size=batch).selection.cpu().numpy()
        g_test = test_out.selection.cpu().numpy()
        threshold = calibrate_threshold(g_calibration, settings.selective.target_coverage)
        covered = g_test >= threshold
        calibration = SelectiveCalibration(
            threshold=threshold, target_coverage=settings.selective.target_coverage,
            validation_coverage=float((g_selection >= threshold).mean()),
            calibration_coverage=float((g_calibration >= threshold).mean()), test_coverage=float(covered.mean()),
            test_selective_risk=float(losses[covered].mean()) if covered.any() else float("nan"),
            epoch_selection_examples=len(g_selection), calibration_examples=len(g_calibration),
        )
        uses.append(("calibrate selection threshold", CALIBRATION_SPLIT))
    uses.append(("report outputs", "test"))

    head = test_out.selection.cpu().numpy() if settings.objective == "selectivenet" else None
    sr = softmax_response(prediction).cpu().numpy() if task == "classification" else None
    confidence = None
    if confidence_name == "selection_head":
        confidence = head
    elif confidence_name == "softmax_response":
        confidence = sr
    elif confidence_name == "mc_dropout":
        confidence = _mc_dropout_confidence(model, x_test, task, settings, batch)
    return TrainingOutcome(
        model_bytes=model_to_bytes(model, config, kind=settings.objective), config=config, fit=fitted, task=task,
        device=str(settings.fit.device), test_risk=float(losses.mean()), confidence=confidence_name, split_uses=uses,
        test_predictions=predictions, test_confidence=confidence, test_losses=losses,
        risk_coverage=risk_coverage_table(confidence, losses) if confidence is not None else [],
        calibration=calibration, test_selection_head=head,
        test_softmax_response=sr if settings.objective == "selectivenet" else None,
    )


class _PredictionHead(torch.nn.Module):
    """f alone (SelectiveNet's forward returns all three heads; MC-dropout samples f)."""

    def __init__(self, model: ZooModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ZooModel.forward(self.model, x)


def _mc_dropout_confidence(model, x, task, settings, batch) -> np.ndarray:
    out = mc_dropout(_PredictionHead(model), x, task=task, passes=settings.mc_dropout_passes,
                     batch_size=max(1, batch // 4), seed=settings.fit.seed)
    return out.confidence.cpu().numpy()


def _subset(split: Split, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if not limit or limit >= len(split.x):
        return split.x, split.y
    chosen = np.sort(np.random.default_rng(seed).choice(len(split.x), size=limit, replace=False))
    return split.x[chosen], split.y[chosen]


def _target_scale(y: np.ndarray) -> tuple[float, float]:
    """Regression targets are standardised for training (scale-free learning rates and λ); reported
    risks and predictions are in the original units."""
    mean, std = float(np.mean(y)), float(np.std(y))
    return mean, std if std > 0 else 1.0


def _extras(settings: TrainingSettings, target_scale: tuple[float, float]) -> dict:
    extras: dict = {"target_mean": target_scale[0], "target_std": target_scale[1]}
    if settings.selective is not None and settings.objective == "selectivenet":
        extras["selectivenet"] = {
            "target_coverage": settings.selective.target_coverage, "coverage_penalty": settings.selective.coverage_penalty,
            "alpha": settings.selective.alpha, "normalize_by_coverage": settings.selective.normalize_by_coverage,
        }
    return extras


def _inputs(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32))


def _targets(y: np.ndarray, task: str, scale: tuple[float, float]) -> torch.Tensor:
    if task == "classification":
        return torch.as_tensor(np.asarray(y, dtype=np.int64))
    return torch.as_tensor((np.asarray(y, dtype=np.float32) - scale[0]) / scale[1])
