"""Proto <-> core types. Every spec field is checked here (fast, at Create time) with its field name."""

from __future__ import annotations

import math

from tessel.assets.datasets import DATASET_NAMES
from tessel.common.v1 import artifact_pb2
from tessel.runtime.paths import confined_path
from tessel.runtime.errors import InvalidArgument
from tessel.training.v1 import training_pb2 as pb
from tessel.zoo import FitOptions
from tessel_selective_trainer.core.certification import Certificate
from tessel_selective_trainer.core.selectivenet import SelectiveLossOptions
from tessel_selective_trainer.core.training_job import BackboneSettings, TrainingOutcome, TrainingSettings

ARCHITECTURES = {pb.ARCHITECTURE_MLP: "mlp", pb.ARCHITECTURE_SMALL_CNN: "small_cnn", pb.ARCHITECTURE_RESNET: "resnet"}
OBJECTIVES = {pb.OBJECTIVE_UNSPECIFIED: "standard", pb.OBJECTIVE_STANDARD: "standard",
              pb.OBJECTIVE_SELECTIVENET: "selectivenet"}
OPTIMIZERS = {pb.OPTIMIZER_UNSPECIFIED: "adam", pb.OPTIMIZER_ADAM: "adam", pb.OPTIMIZER_SGD: "sgd"}
CONFIDENCES = {
    pb.CONFIDENCE_FUNCTION_UNSPECIFIED: None,
    pb.CONFIDENCE_FUNCTION_SOFTMAX_RESPONSE: "softmax_response",
    pb.CONFIDENCE_FUNCTION_MC_DROPOUT: "mc_dropout",
    pb.CONFIDENCE_FUNCTION_SELECTION_HEAD: "selection_head",
}
CONFIDENCE_ENUM = {name: value for value, name in CONFIDENCES.items() if name}
METHODS = {pb.CERTIFICATION_METHOD_UNSPECIFIED: "sgr", pb.CERTIFICATION_METHOD_SGR: "sgr",
           pb.CERTIFICATION_METHOD_FIXED_SEQUENCE: "fixed_sequence", pb.CERTIFICATION_METHOD_BONFERRONI: "bonferroni"}
METHOD_ENUM = {"sgr": pb.CERTIFICATION_METHOD_SGR, "fixed_sequence": pb.CERTIFICATION_METHOD_FIXED_SEQUENCE,
               "bonferroni": pb.CERTIFICATION_METHOD_BONFERRONI}
TASKS = {"classification": pb.TASK_CLASSIFICATION, "regression": pb.TASK_REGRESSION}
DEVICES = ("auto", "cpu", "cuda")
DEFAULT_MAX_EPOCHS = 20
DEFAULT_PATIENCE = 5
DEFAULT_BATCH_SIZE = 128
DEFAULT_MC_PASSES = 100


def _enum(table: dict, value: int, field: str):
    if value not in table:
        raise InvalidArgument(f"unknown or unspecified value {value}", field=field)
    return table[value]


def _positive_or_default(value: int, default: int, field: str) -> int:
    if value < 0:
        raise InvalidArgument(f"must be >= 0 (0 means {default}), got {value}", field=field)
    return value or default


def _finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidArgument(f"must be finite, got {value}", field=field)
    return value


def settings_from_spec(spec: pb.TrainingJobSpec, device: str) -> TrainingSettings:
    """The core settings for a spec; `device` is the resolved torch device."""
    backbone = spec.backbone
    architecture = _enum(ARCHITECTURES, backbone.architecture, "spec.backbone.architecture")
    if any(size <= 0 for size in backbone.hidden_sizes):
        raise InvalidArgument("widths must be > 0", field="spec.backbone.hidden_sizes")
    if any(count <= 0 for count in backbone.blocks_per_stack):
        raise InvalidArgument("block counts must be > 0", field="spec.backbone.blocks_per_stack")
    if backbone.base_width < 0:
        raise InvalidArgument(f"must be >= 0, got {backbone.base_width}", field="spec.backbone.base_width")
    if not 0.0 <= _finite(backbone.dropout, "spec.backbone.dropout") < 1.0:
        raise InvalidArgument(f"must be in [0, 1), got {backbone.dropout}", field="spec.backbone.dropout")
    backbone_settings = BackboneSettings(
        architecture=architecture,
        hidden_sizes=tuple(backbone.hidden_sizes) or BackboneSettings.hidden_sizes,
        blocks_per_stack=tuple(backbone.blocks_per_stack) or BackboneSettings.blocks_per_stack,
        base_width=backbone.base_width,
        dropout=backbone.dropout,
    )
    objective = _enum(OBJECTIVES, spec.objective, "spec.objective")
    selective = None
    if objective == "selectivenet":
        options = spec.selectivenet
        selective = SelectiveLossOptions(
            target_coverage=_finite(options.target_coverage, "spec.selectivenet.target_coverage"),
            coverage_penalty=_finite(options.coverage_penalty, "spec.selectivenet.coverage_penalty") or 32.0,
            alpha=_finite(options.alpha, "spec.selectivenet.alpha") or 0.5,
            normalize_by_coverage=_enum(
                {pb.RISK_NORMALIZATION_UNSPECIFIED: True, pb.RISK_NORMALIZATION_COVERAGE: True,
                 pb.RISK_NORMALIZATION_NONE: False},
                options.risk_normalization, "spec.selectivenet.risk_normalization",
            ),
            calibration_fraction=_finite(options.calibration_fraction, "spec.selectivenet.calibration_fraction")
            or 0.5,
        )
    fit = FitOptions(
        max_epochs=_positive_or_default(spec.max_epochs, DEFAULT_MAX_EPOCHS, "spec.max_epochs"),
        patience=_positive_or_default(spec.patience, DEFAULT_PATIENCE, "spec.patience"),
        batch_size=_positive_or_default(spec.batch_size, DEFAULT_BATCH_SIZE, "spec.batch_size"),
        optimizer=_enum(OPTIMIZERS, spec.optimizer, "spec.optimizer"),
        learning_rate=_finite(spec.learning_rate, "spec.learning_rate"),
        weight_decay=_finite(spec.weight_decay, "spec.weight_decay"),
        seed=spec.seed,
        device=device,
    )
    return TrainingSettings(
        backbone=backbone_settings, objective=objective, selective=selective, fit=fit,
        max_train_examples=spec.max_train_examples,
        confidence=_enum(CONFIDENCES, spec.confidence_function, "spec.confidence_function"),
        mc_dropout_passes=_positive_or_default(spec.mc_dropout_passes, DEFAULT_MC_PASSES, "spec.mc_dropout_passes"),
    )


def validate_spec(spec: pb.TrainingJobSpec) -> None:
    """Create-time check: everything that can be known without loading the dataset."""
    if not spec.dataset:
        raise InvalidArgument("is required (e.g. \"mnist1d\")", field="spec.dataset")
    if spec.dataset not in DATASET_NAMES:
        raise InvalidArgument(f"unknown dataset {spec.dataset!r}; known: {', '.join(DATASET_NAMES)}", field="spec.dataset")
    if spec.device not in ("", *DEVICES):
        raise InvalidArgument(f"must be one of {', '.join(DEVICES)}, got {spec.device!r}", field="spec.device")
    if spec.dataset_root:
        confined_path(spec.dataset_root, field="spec.dataset_root")
    settings_from_spec(spec, device="cpu")


def result_from_outcome(
    outcome: TrainingOutcome,
    *,
    model: artifact_pb2.ArtifactRef,
    snapshots: list[pb.EpochSnapshot],
    test_predictions: artifact_pb2.ArtifactRef,
    test_confidence: artifact_pb2.ArtifactRef | None,
    test_losses: artifact_pb2.ArtifactRef,
    test_selection_head: artifact_pb2.ArtifactRef | None = None,
    test_softmax_response: artifact_pb2.ArtifactRef | None = None,
) -> pb.TrainingJobResult:
    result = pb.TrainingJobResult(
        model=model, snapshots=snapshots, best_epoch=outcome.fit.best_epoch, epochs_run=outcome.fit.epochs_run,
        early_stopped=outcome.fit.early_stopped, task=TASKS[outcome.task], device=outcome.device,
        test_risk=outcome.test_risk, test_predictions=test_predictions, test_losses=test_losses,
        confidence_function=CONFIDENCE_ENUM.get(outcome.confidence, pb.CONFIDENCE_FUNCTION_UNSPECIFIED),
        test_risk_coverage=[pb.RiskCoveragePoint(coverage=c, selective_risk=r) for c, r in outcome.risk_coverage],
        split_uses=[pb.TrainingSplitUse(step=step, split=split) for step, split in outcome.split_uses],
    )
    for name, ref in (("test_confidence", test_confidence), ("test_selection_head", test_selection_head),
                      ("test_softmax_response", test_softmax_response)):
        if ref is not None:
            getattr(result, name).CopyFrom(ref)
    if outcome.calibration is not None:
        calibration = outcome.calibration
        result.selection_threshold = calibration.threshold
        result.target_coverage = calibration.target_coverage
        result.validation_coverage = calibration.validation_coverage
        result.calibration_coverage = calibration.calibration_coverage
        result.epoch_selection_examples = calibration.epoch_selection_examples
        result.calibration_examples = calibration.calibration_examples
        result.test_coverage = calibration.test_coverage
        result.test_selective_risk = calibration.test_selective_risk
    return result


def certificate_to_proto(certificate: Certificate) -> pb.RiskCertificate:
    return pb.RiskCertificate(
        feasible=certificate.feasible,
        threshold=certificate.threshold or 0.0,
        coverage=certificate.coverage,
        selective_risk=certificate.selective_risk or 0.0,
        bound=certificate.bound or 0.0,
        risk_target=certificate.risk_target,
        delta=certificate.delta,
        method=METHOD_ENUM[certificate.method],
        tests=certificate.tests,
        per_test_delta=certificate.per_test_delta,
        min_achievable_bound=certificate.min_achievable_bound,
        covered_count=certificate.covered_count,
        covered_errors=certificate.covered_errors,
        num_examples=certificate.num_examples,
    )


def snapshot_proto(record, weights: artifact_pb2.ArtifactRef) -> pb.EpochSnapshot:
    return pb.EpochSnapshot(epoch=record.epoch, weights=weights, train_loss=record.train_loss,
                            validation_loss=record.validation_loss, validation_risk=record.validation_risk)

