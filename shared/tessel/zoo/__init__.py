"""Classifier/regressor model zoo: backbones, the training loop with per-epoch callbacks, confidence
functions and model files. Shared by the selective-trainer, uncertainty-estimator and active-learner."""

from tessel.zoo.confidence import MCDropoutOutput, dropout_active, margin, mc_dropout, negative_entropy, softmax_response
from tessel.zoo.evaluation import risk_coverage_table, selective_risk_at_coverage
from tessel.zoo.models import ARCHITECTURES, BackboneConfig, ModelConfig, ZooModel, build_body
from tessel.zoo.serialization import MEDIA_TYPE, model_from_bytes, model_to_bytes, read_model_file
from tessel.zoo.training import (
    EpochRecord,
    FitOptions,
    FitResult,
    Objective,
    StandardObjective,
    evaluate,
    fit,
    predict,
    seed_everything,
)

__all__ = [
    "ARCHITECTURES", "BackboneConfig", "EpochRecord", "FitOptions", "FitResult", "MCDropoutOutput", "MEDIA_TYPE",
    "ModelConfig", "Objective", "StandardObjective", "ZooModel", "build_body", "dropout_active", "evaluate", "fit",
    "margin", "mc_dropout", "model_from_bytes", "model_to_bytes", "negative_entropy", "predict", "read_model_file",
    "risk_coverage_table", "seed_everything", "selective_risk_at_coverage", "softmax_response",
]
