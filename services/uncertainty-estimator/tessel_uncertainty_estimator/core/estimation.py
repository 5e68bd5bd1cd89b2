"""One estimation job, transport-free: a final model, its snapshots and dataset splits in; per-example
predictions, errors and confidences of the reported split out.

Predictions always come from the final model (deterministic, or the MC-dropout mean when asked); AES and
PES read the snapshots' probabilities of the final model's class. Snapshots after the final model's epoch
are left out (the methods reach back to earlier snapshots, never past the model they explain). Anything
learned (PES rules) is fitted on `learning_split`, which can be neither the reported split nor train.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from tessel.assets.datasets import DatasetSplits
from tessel.runtime.errors import InvalidArgument
from tessel.zoo import ZooModel, margin, negative_entropy, predict, softmax_response
from tessel.zoo.mc_dropout import DEFAULT_MC_CONFIDENCE, MC_CONFIDENCES, MCDropoutSettings, mc_confidence, run_mc_dropout
from tessel.zoo.evaluation import aurc
from tessel.zoo.snapshot_confidence import (
    DEFAULT_AES_SNAPSHOTS,
    DEFAULT_AES_START_FRACTION,
    DEFAULT_MIN_REGION,
    DEFAULT_PEEL_FRACTION,
    averaged_early_stopping,
    class_confidence,
    evenly_spaced,
    fit_pointwise_early_stopping,
)

METHODS = ("softmax_response", "margin", "negative_entropy", "mc_dropout", "aes", "pes")
SNAPSHOT_METHODS = ("aes", "pes")
SPLITS = ("train", "validation", "test")
SERVED = ("deterministic", "mc_mean")
ONE_PASS = {"softmax_response": softmax_response, "margin": margin, "negative_entropy": negative_entropy}


@dataclass(frozen=True)
class EstimationSettings:
    method: str = "softmax_response"
    split: str = "test"
    learning_split: str = "validation"
    mc: MCDropoutSettings = MCDropoutSettings()
    mc_confidence: str = DEFAULT_MC_CONFIDENCE
    served: str = "deterministic"
    aes_snapshots: int = DEFAULT_AES_SNAPSHOTS
    aes_start_fraction: float = DEFAULT_AES_START_FRACTION
    peel_fraction: float = DEFAULT_PEEL_FRACTION
    min_region: int = DEFAULT_MIN_REGION
    batch_size: int = 512
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InvalidArgument(f"unknown method {self.method!r}; known: {', '.join(METHODS)}", field="spec.method")
        if self.split not in SPLITS:
            raise InvalidArgument(f"unknown split {self.split!r}", field="spec.split")
        if self.learning_split not in ("validation", "test"):
            raise InvalidArgument("must be the validation or the test split (never train, whose confidences "
                                  "the model fitted)", field="spec.learning_split")
        if self.method == "pes" and self.learning_split == self.split:
            raise InvalidArgument(f"PES would learn its rules on the {self.split} split it reports on",
                                  field="spec.learning_split")
        if self.mc_confidence not in MC_CONFIDENCES:
            raise InvalidArgument(f"unknown {self.mc_confidence!r}", field="spec.mc_dropout.confidence")
        if self.served not in SERVED:
            raise InvalidArgument(f"unknown {self.served!r}", field="spec.mc_dropout.prediction")
        if self.served == "mc_mean" and self.method != "mc_dropout":
            raise InvalidArgument("only MC-dropout serves the MC mean", field="spec.mc_dropout.prediction")
        if self.aes_snapshots < 1:
            raise InvalidArgument(f"must be >= 1, got {self.aes_snapshots}", field="spec.snapshot_options.aes_snapshots")
        if not 0.0 <= self.aes_start_fraction < 1.0:
            raise InvalidArgument(f"must be in [0, 1), got {self.aes_start_fraction}",
                                  field="spec.snapshot_options.aes_start_fraction")
        if not 0.0 < self.peel_fraction <= 1.0:
            raise InvalidArgument(f"must be in (0, 1], got {self.peel_fraction}",
                                  field="spec.snapshot_options.peel_fraction")
        if self.min_region < 1:
            raise InvalidArgument(f"must be >= 1, got {self.min_region}", field="spec.snapshot_options.min_region")

    @property
    def uses_snapshots(self) -> bool:
        return self.method in SNAPSHOT_METHODS


@dataclass
class EstimationOutcome:
    predictions: np.ndarray  # [n] int64, the served prediction
    confidence: np.ndarray  # [n] float64
    labels: np.ndarray  # [n] int64
    errors: np.ndarray  # [n] int8, 0/1 error of the served prediction
    served: str
    split_uses: list[tuple[str, str]]
    snapshot_epochs: list[int] = field(default_factory=list)
    pes_rules: list[tuple[int, float]] = field(default_factory=list)  # (epoch, threshold)

    @property
    def error_rate(self) -> float:
        return float(self.errors.mean())

    @property
    def aurc(self) -> tuple[float, float]:
        return aurc(self.errors.astype(np.float64), self.confidence)


Snapshot = tuple[int, ZooModel]  # (epoch, model)
Progress = Callable[[str], None]


def check_model_fits(model: ZooModel, data: DatasetSplits, field: str = "spec.model") -> None:
    config = model.config
    if data.task != "classification":
        raise InvalidArgument(f"{data.name} is a {data.task} dataset; confidence estimation needs classification",
                              field="spec.dataset")
    if config.task != "classification":
        raise InvalidArgument("is a regression model; confidence estimation needs a classifier", field=field)
    if tuple(config.backbone.input_shape) != tuple(data.input_shape) or config.num_outputs != data.num_classes:
        raise InvalidArgument(
            f"takes inputs {list(config.backbone.input_shape)} -> {config.num_outputs} classes but {data.name} has "
            f"{list(data.input_shape)} -> {data.num_classes}", field=field)


def estimate(settings: EstimationSettings, model: ZooModel, snapshots: list[Snapshot], data: DatasetSplits,
             progress: Progress = lambda _message: None) -> EstimationOutcome:
    check_model_fits(model, data)
    split = _split(data, settings.split)
    x, labels = _inputs(split.x), np.asarray(split.y, dtype=np.int64)
    model = model.to(settings.device).eval()
    uses = [("predict", settings.split)]
    progress(f"final model on {settings.split}")
    logits = _logits(model, x, settings)
    predictions = logits.argmax(-1)
    outcome_extra: dict = {}
    if settings.method in ONE_PASS:
        confidence = ONE_PASS[settings.method](logits).numpy()
    elif settings.method == "mc_dropout":
        progress(f"{settings.mc.passes} MC-dropout passes on {settings.split}")
        result = run_mc_dropout(model, x, settings.mc)
        if settings.served == "mc_mean":
            predictions = result.prediction.cpu()
        confidence = mc_confidence(result, settings.mc_confidence, predicted=predictions).cpu().numpy()
        uses.append(("mc-dropout passes", settings.split))
    else:
        confidence, outcome_extra = _snapshot_confidence(settings, model, snapshots, data, x, predictions, uses,
                                                         progress)
    predictions = predictions.numpy().astype(np.int64)
    return EstimationOutcome(
        predictions=predictions, confidence=np.asarray(confidence, np.float64), labels=labels,
        errors=(predictions != labels).astype(np.int8), served=settings.served, split_uses=uses, **outcome_extra,
    )


def _snapshot_confidence(settings, model, snapshots, data, x, predictions, uses, progress):
    if not snapshots:
        raise InvalidArgument(f"{settings.method.upper()} needs the training job's snapshots", field="spec.snapshots")
    for index, (_, snapshot) in enumerate(snapshots):
        if snapshot.config.backbone != model.config.backbone or snapshot.config.num_outputs != model.config.num_outputs:
            raise InvalidArgument("has another architecture than the model", field=f"spec.snapshots[{index}].weights")
    chosen = snapshots if settings.method == "pes" else [
        snapshots[i] for i in evenly_spaced(len(snapshots), settings.aes_snapshots, settings.aes_start_fraction)]
    epochs = [epoch for epoch, _ in chosen]
    progress(f"{len(chosen)} snapshots on {settings.split}")
    reported = _snapshot_class_confidence(chosen, x, predictions, settings)
    uses.append(("snapshot confidences", settings.split))
    if settings.method == "aes":
        return averaged_early_stopping(reported), {"snapshot_epochs": epochs}
    learn = _split(data, settings.learning_split)
    x_learn, y_learn = _inputs(learn.x), np.asarray(learn.y, dtype=np.int64)
    progress(f"learning PES rules on {settings.learning_split}")
    learn_predictions = _logits(model, x_learn, settings).argmax(-1)
    learn_confidence = _snapshot_class_confidence(chosen, x_learn, learn_predictions, settings)
    losses = (learn_predictions.numpy() != y_learn).astype(np.float64)
    rules = fit_pointwise_early_stopping(learn_confidence, losses, peel_fraction=settings.peel_fraction,
                                         min_region=settings.min_region)
    uses.append(("learn pes rules", settings.learning_split))
    return rules.confidence(reported), {
        "snapshot_epochs": epochs, "pes_rules": [(epochs[r.snapshot], r.threshold) for r in rules.rules]}


def _snapshot_class_confidence(snapshots: list[Snapshot], x, predictions, settings) -> np.ndarray:
    """[k, n] probability, under each snapshot, of the final model's predicted class."""
    stacked = np.stack([torch.softmax(_logits(m.to(settings.device).eval(), x, settings), -1).numpy()
                        for _, m in snapshots])
    return class_confidence(stacked, predictions.numpy())


def _logits(model: ZooModel, x: torch.Tensor, settings: EstimationSettings) -> torch.Tensor:
    return predict(model, x, batch_size=settings.batch_size).float().cpu()


def _split(data: DatasetSplits, name: str):
    return {"train": data.train, "validation": data.val, "test": data.test}[name]


def _inputs(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float32))
