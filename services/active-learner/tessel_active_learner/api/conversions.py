"""Proto <-> core types. Every spec field is checked here with its proto field path."""

from __future__ import annotations

import math

from tessel.active.v1 import active_pb2 as pb
from tessel.assets.datasets import DATASET_NAMES, DatasetSplits
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel.training.v1 import training_pb2
from tessel.zoo import BackboneConfig, FitOptions
from tessel.zoo.inas import CandidateScore, Structure
from tessel_active_learner.core.session import RoundLog, SessionSettings, SessionState, check_budget

STRATEGIES = {
    pb.QUERY_STRATEGY_RANDOM: "random", pb.QUERY_STRATEGY_LEAST_CONFIDENCE: "least_confidence",
    pb.QUERY_STRATEGY_MARGIN: "margin", pb.QUERY_STRATEGY_ENTROPY: "entropy",
    pb.QUERY_STRATEGY_MC_DROPOUT: "mc_dropout", pb.QUERY_STRATEGY_CORESET: "coreset",
}
ORACLES = {pb.ORACLE_SIMULATED: "simulated", pb.ORACLE_EXTERNAL: "external"}
POLICIES = {pb.ARCHITECTURE_POLICY_UNSPECIFIED: "fixed", pb.ARCHITECTURE_POLICY_FIXED: "fixed",
            pb.ARCHITECTURE_POLICY_INAS: "inas"}
ARCHITECTURES = {training_pb2.ARCHITECTURE_MLP: "mlp", training_pb2.ARCHITECTURE_SMALL_CNN: "small_cnn",
                 training_pb2.ARCHITECTURE_RESNET: "resnet"}
ARCHITECTURE_ENUM = {name: value for value, name in ARCHITECTURES.items()}
DEVICES = ("auto", "cpu", "cuda")
DEFAULT_MAX_EPOCHS = 20
DEFAULT_TRAIN_BATCH = 128
DEFAULT_MC_PASSES = 20
# Bounds on client-chosen sizes: the session's state (every labelled index) lives in one KV record.
MAX_LABEL_BUDGET = 20_000
MAX_BATCH_SIZE = 5_000
MAX_POOL_SIZE = 1_000_000
MAX_EPOCHS = 500
MAX_INAS_ITERATIONS = 10
MAX_MC_PASSES = 1_000
MAX_TRAIN_BATCH = 65_536


def _enum(table: dict, value: int, field: str):
    if value not in table:
        raise InvalidArgument(f"unknown or unspecified value {value}; one of {sorted(table)} is required", field=field)
    return table[value]


def _bounded(value: int, low: int, high: int, field: str, default: int | None = None) -> int:
    if default is not None and value == 0:
        return default
    if not low <= value <= high:
        zero = f" (0 means {default})" if default is not None else ""
        raise InvalidArgument(f"must be in [{low}, {high}]{zero}, got {value}", field=field)
    return value


def validate_spec(spec: pb.SessionSpec) -> None:
    """Everything knowable without the dataset."""
    if not spec.dataset:
        raise InvalidArgument('is required (e.g. "fashion-mnist")', field="spec.dataset")
    if spec.dataset not in DATASET_NAMES:
        raise InvalidArgument(f"unknown dataset {spec.dataset!r}; known: {', '.join(DATASET_NAMES)}", field="spec.dataset")
    if spec.device not in ("", *DEVICES):
        raise InvalidArgument(f"must be one of {', '.join(DEVICES)}, got {spec.device!r}", field="spec.device")
    _enum(ORACLES, spec.oracle, "spec.oracle")
    settings_from_spec(spec, input_shape=(1,), device="cpu")


def settings_from_spec(spec: pb.SessionSpec, *, input_shape: tuple[int, ...], device: str) -> SessionSettings:
    strategy = _enum(STRATEGIES, spec.strategy, "spec.strategy")
    policy = _enum(POLICIES, spec.architecture_policy, "spec.architecture_policy")
    backbone = spec.backbone
    if not 0.0 <= backbone.dropout < 1.0 or not math.isfinite(backbone.dropout):
        raise InvalidArgument(f"must be in [0, 1), got {backbone.dropout}", field="spec.backbone.dropout")
    if strategy == "mc_dropout" and backbone.dropout <= 0:
        raise InvalidArgument("MC-dropout querying needs dropout > 0", field="spec.backbone.dropout")
    if policy == "inas":
        architecture = "resnet"
    else:
        architecture = _enum(ARCHITECTURES, backbone.architecture, "spec.backbone.architecture")
    if not math.isfinite(spec.learning_rate) or spec.learning_rate < 0:
        raise InvalidArgument(f"must be >= 0, got {spec.learning_rate}", field="spec.learning_rate")
    with fields_renamed({"backbone": "spec.backbone"}):
        config = BackboneConfig(
            architecture, input_shape,
            hidden_sizes=tuple(backbone.hidden_sizes) or (256, 256),
            blocks_per_stack=tuple(backbone.blocks_per_stack) or (1, 1),
            base_width=_bounded(backbone.base_width, 0, 512, "spec.backbone.base_width"),
            dropout=backbone.dropout,
        )
    max_epochs = _bounded(spec.max_epochs, 1, MAX_EPOCHS, "spec.max_epochs", DEFAULT_MAX_EPOCHS)
    label_budget = _bounded(spec.label_budget, 2, MAX_LABEL_BUDGET, "spec.label_budget")
    settings = SessionSettings(
        strategy=strategy, policy=policy, backbone=config,
        initial_size=_bounded(spec.initial_size, 2, label_budget, "spec.initial_size"),
        batch_size=_bounded(spec.batch_size, 1, MAX_BATCH_SIZE, "spec.batch_size"),
        label_budget=label_budget,
        pool_size=_bounded(spec.pool_size, 0, MAX_POOL_SIZE, "spec.pool_size"),
        fit=FitOptions(
            max_epochs=max_epochs,
            batch_size=_bounded(spec.train_batch_size, 1, MAX_TRAIN_BATCH, "spec.train_batch_size", DEFAULT_TRAIN_BATCH),
            learning_rate=spec.learning_rate, seed=spec.seed, device=device,
        ),
        inas_epochs=_bounded(spec.inas_epochs, 1, MAX_EPOCHS, "spec.inas_epochs", max_epochs),
        inas_iterations=_bounded(spec.inas_iterations, 1, MAX_INAS_ITERATIONS, "spec.inas_iterations", 1),
        mc_passes=_bounded(spec.mc_dropout_passes, 2, MAX_MC_PASSES, "spec.mc_dropout_passes", DEFAULT_MC_PASSES),
    )
    return settings


def check_classification(data: DatasetSplits) -> None:
    if data.task != "classification":
        raise InvalidArgument(f"{data.name} is a {data.task} dataset; active learning here needs classes",
                              field="spec.dataset")


def check_budgets(settings: SessionSettings, pool_size: int) -> None:
    with fields_renamed({"label_budget": "spec.label_budget", "initial_size": "spec.initial_size"}):
        check_budget(settings, pool_size)


def backbone_to_proto(config: BackboneConfig) -> training_pb2.Backbone:
    return training_pb2.Backbone(
        architecture=ARCHITECTURE_ENUM[config.architecture], hidden_sizes=list(config.hidden_sizes),
        blocks_per_stack=list(config.blocks_per_stack), base_width=config.base_width, dropout=config.dropout,
    )


def _backbone_from_proto(message: training_pb2.Backbone, input_shape: tuple[int, ...]) -> BackboneConfig:
    return BackboneConfig(ARCHITECTURES[message.architecture], input_shape, tuple(message.hidden_sizes),
                          tuple(message.blocks_per_stack), message.base_width, message.dropout)


def round_to_proto(log: RoundLog) -> pb.Round:
    return pb.Round(
        round=log.round, labelled_count=log.labelled_count, backbone=backbone_to_proto(log.backbone),
        parameters=log.parameters, validation_accuracy=log.validation_accuracy, test_accuracy=log.test_accuracy,
        selected_epoch=log.selected_epoch, train_seconds=log.train_seconds, query_seconds=log.query_seconds,
        trace_id=log.trace_id,
        candidates=[pb.ArchitectureCandidate(blocks_per_stack=list(c.structure.blocks_per_stack),
                                             validation_accuracy=c.validation_accuracy, parameters=c.parameters)
                    for c in log.candidates],
    )


def _round_from_proto(message: pb.Round, input_shape: tuple[int, ...]) -> RoundLog:
    return RoundLog(
        round=message.round, labelled_count=message.labelled_count,
        backbone=_backbone_from_proto(message.backbone, input_shape), parameters=message.parameters,
        validation_accuracy=message.validation_accuracy, test_accuracy=message.test_accuracy,
        selected_epoch=message.selected_epoch, train_seconds=message.train_seconds,
        query_seconds=message.query_seconds, trace_id=message.trace_id,
        candidates=tuple(CandidateScore(Structure.from_blocks(list(c.blocks_per_stack)), c.validation_accuracy,
                                        c.parameters) for c in message.candidates),
    )


def result_from_state(state: SessionState, *, num_classes: int, pool_size: int) -> pb.SessionResult:
    return pb.SessionResult(
        labelled_indices=state.labelled, labels=state.labels, pending_indices=state.pending,
        rounds=[round_to_proto(r) for r in state.rounds], num_classes=num_classes, pool_size=pool_size,
    )


def state_from_result(result: pb.SessionResult, input_shape: tuple[int, ...]) -> SessionState:
    return SessionState(
        labelled=list(result.labelled_indices), labels=list(result.labels), pending=list(result.pending_indices),
        rounds=[_round_from_proto(r, input_shape) for r in result.rounds],
    )
