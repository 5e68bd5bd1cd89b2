"""Proto <-> core types. Every spec field is checked here (fast, at Create time) with its field path."""

from __future__ import annotations

import math

import numpy as np

from tessel.assets.datasets import DATASET_NAMES
from tessel.common.v1 import array_pb2
from tessel.runtime.arrays import array_to_proto
from tessel.runtime.errors import InvalidArgument
from tessel.uncertainty.v1 import uncertainty_pb2 as pb
from tessel.zoo.mc_dropout import MAX_PASSES, MCDropoutSettings
from tessel.zoo.snapshot_confidence import DEFAULT_AES_START_FRACTION
from tessel_uncertainty_estimator.core.estimation import EstimationOutcome, EstimationSettings

METHODS = {
    pb.CONFIDENCE_METHOD_UNSPECIFIED: "softmax_response", pb.CONFIDENCE_METHOD_SOFTMAX_RESPONSE: "softmax_response",
    pb.CONFIDENCE_METHOD_MARGIN: "margin", pb.CONFIDENCE_METHOD_NEGATIVE_ENTROPY: "negative_entropy",
    pb.CONFIDENCE_METHOD_MC_DROPOUT: "mc_dropout", pb.CONFIDENCE_METHOD_AES: "aes", pb.CONFIDENCE_METHOD_PES: "pes",
}
METHOD_ENUM = {name: value for value, name in METHODS.items() if value}
MC_CONFIDENCES = {
    pb.MC_DROPOUT_CONFIDENCE_UNSPECIFIED: "mean_probability",
    pb.MC_DROPOUT_CONFIDENCE_MEAN_PROBABILITY: "mean_probability",
    pb.MC_DROPOUT_CONFIDENCE_NEGATIVE_ENTROPY: "negative_entropy",
    pb.MC_DROPOUT_CONFIDENCE_NEGATIVE_PREDICTED_VARIANCE: "negative_predicted_variance",
    pb.MC_DROPOUT_CONFIDENCE_NEGATIVE_MEAN_VARIANCE: "negative_mean_variance",
    pb.MC_DROPOUT_CONFIDENCE_NEGATIVE_MUTUAL_INFORMATION: "negative_mutual_information",
}
SERVED = {pb.SERVED_PREDICTION_UNSPECIFIED: "deterministic", pb.SERVED_PREDICTION_DETERMINISTIC: "deterministic",
          pb.SERVED_PREDICTION_MC_MEAN: "mc_mean"}
SERVED_ENUM = {"deterministic": pb.SERVED_PREDICTION_DETERMINISTIC, "mc_mean": pb.SERVED_PREDICTION_MC_MEAN}
SPLITS = {pb.SPLIT_TRAIN: "train", pb.SPLIT_VALIDATION: "validation", pb.SPLIT_TEST: "test"}
SPLIT_ENUM = {name: value for value, name in SPLITS.items()}
DEVICES = ("auto", "cpu", "cuda")
DEFAULT_MC_PASSES = 100
MAX_SNAPSHOTS = 1000
MAX_LAYERS = 64
MAX_LAYER_NAME = 200
INLINE_LIMIT = 100_000  # examples: result arrays up to this size travel inline, larger ones as .npy artifacts


def enum_value(table: dict, value: int, field: str):
    if value not in table:
        raise InvalidArgument(f"unknown value {value}", field=field)
    return table[value]


def _finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidArgument(f"must be finite, got {value}", field=field)
    return value


def _positive_or_default(value: int, default: int, field: str) -> int:
    if value < 0:
        raise InvalidArgument(f"must be >= 0 (0 means {default}), got {value}", field=field)
    return value or default


def mc_settings(options: pb.MCDropoutOptions) -> MCDropoutSettings:
    passes = _positive_or_default(options.passes, DEFAULT_MC_PASSES, "spec.mc_dropout.passes")
    if not 2 <= passes <= MAX_PASSES:
        raise InvalidArgument(f"must be in [2, {MAX_PASSES}], got {passes}", field="spec.mc_dropout.passes")
    rate = _finite(options.rate, "spec.mc_dropout.rate")
    if rate and not 0.0 < rate < 1.0:
        raise InvalidArgument(f"must be in (0, 1) (0 means the model's own rates), got {rate}",
                              field="spec.mc_dropout.rate")
    if len(options.layers) > MAX_LAYERS or any(not name or len(name) > MAX_LAYER_NAME for name in options.layers):
        raise InvalidArgument(f"at most {MAX_LAYERS} non-empty names of at most {MAX_LAYER_NAME} characters",
                              field="spec.mc_dropout.layers")
    if options.layers and not rate:
        raise InvalidArgument("naming layers needs a rate", field="spec.mc_dropout.rate")
    return MCDropoutSettings(passes=passes, rate=rate or None, layers=tuple(options.layers) or None,
                             seed=options.seed)


def settings_from_spec(spec: pb.EstimationJobSpec, device: str) -> EstimationSettings:
    options = spec.snapshot_options
    return EstimationSettings(
        method=enum_value(METHODS, spec.method, "spec.method"),
        split=SPLITS.get(spec.split, "test") if spec.split else "test",
        learning_split=SPLITS.get(spec.learning_split, "") if spec.learning_split else "validation",
        mc=mc_settings(spec.mc_dropout),
        mc_confidence=enum_value(MC_CONFIDENCES, spec.mc_dropout.confidence, "spec.mc_dropout.confidence"),
        served=enum_value(SERVED, spec.mc_dropout.prediction, "spec.mc_dropout.prediction"),
        aes_snapshots=_positive_or_default(options.aes_snapshots, 10, "spec.snapshot_options.aes_snapshots"),
        aes_start_fraction=(_finite(options.aes_start_fraction, "spec.snapshot_options.aes_start_fraction")
                            if options.HasField("aes_start_fraction") else DEFAULT_AES_START_FRACTION),
        peel_fraction=_finite(options.peel_fraction, "spec.snapshot_options.peel_fraction") or 0.05,
        min_region=_positive_or_default(options.min_region, 20, "spec.snapshot_options.min_region"),
        device=device,
    )


def validate_spec(spec: pb.EstimationJobSpec) -> EstimationSettings:
    """Create-time check of everything that needs no artifact or dataset."""
    if not spec.model.uri:
        raise InvalidArgument("is required (a trainer's TrainingJobResult.model)", field="spec.model.uri")
    if not spec.dataset:
        raise InvalidArgument("is required (e.g. \"fashion-mnist\")", field="spec.dataset")
    if spec.dataset not in DATASET_NAMES:
        raise InvalidArgument(f"unknown dataset {spec.dataset!r}; known: {', '.join(DATASET_NAMES)}", field="spec.dataset")
    if spec.split and spec.split not in SPLITS:
        raise InvalidArgument(f"unknown value {spec.split}", field="spec.split")
    if spec.learning_split and spec.learning_split not in SPLITS:
        raise InvalidArgument(f"unknown value {spec.learning_split}", field="spec.learning_split")
    if spec.device not in ("", *DEVICES):
        raise InvalidArgument(f"must be one of {', '.join(DEVICES)}, got {spec.device!r}", field="spec.device")
    if len(spec.snapshots) > MAX_SNAPSHOTS:
        raise InvalidArgument(f"at most {MAX_SNAPSHOTS} snapshots", field="spec.snapshots")
    for index, snapshot in enumerate(spec.snapshots):
        if not snapshot.weights.uri:
            raise InvalidArgument("is required", field=f"spec.snapshots[{index}].weights.uri")
    settings = settings_from_spec(spec, device="cpu")
    if settings.uses_snapshots and not spec.snapshots:
        raise InvalidArgument(f"{settings.method.upper()} needs the training job's snapshots "
                              "(TrainingJobResult.snapshots)", field="spec.snapshots")
    return settings


def output_array(values: np.ndarray, put_npy) -> array_pb2.Array:
    """Inline for small sets, an .npy artifact (via `put_npy(values) -> ArtifactRef`) for larger ones."""
    values = np.asarray(values)
    if len(values) <= INLINE_LIMIT:
        return array_to_proto(values)
    inline = array_to_proto(values[:0])
    return array_pb2.Array(dtype=inline.dtype, shape=list(values.shape), artifact=put_npy(values))


def result_from_outcome(outcome: EstimationOutcome, settings: EstimationSettings, device: str,
                        put_npy) -> pb.EstimationJobResult:
    area, excess = outcome.aurc
    return pb.EstimationJobResult(
        predictions=output_array(outcome.predictions, lambda v: put_npy(v, "predictions")),
        confidence=output_array(outcome.confidence, lambda v: put_npy(v, "confidence")),
        labels=output_array(outcome.labels, lambda v: put_npy(v, "labels")),
        errors=output_array(outcome.errors, lambda v: put_npy(v, "errors")),
        method=METHOD_ENUM[settings.method], served_prediction=SERVED_ENUM[outcome.served],
        split=SPLIT_ENUM[settings.split], n=len(outcome.labels), error_rate=outcome.error_rate, aurc=area,
        e_aurc=excess, split_uses=[pb.SplitUse(step=step, split=SPLIT_ENUM[name]) for step, name in outcome.split_uses],
        snapshot_epochs=outcome.snapshot_epochs,
        pes_rules=[pb.PESRule(epoch=epoch, threshold=threshold) for epoch, threshold in outcome.pes_rules],
        device=device,
    )

