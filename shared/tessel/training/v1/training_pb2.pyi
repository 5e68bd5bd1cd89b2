from tessel.common.v1 import array_pb2 as _array_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Architecture(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ARCHITECTURE_UNSPECIFIED: _ClassVar[Architecture]
    ARCHITECTURE_MLP: _ClassVar[Architecture]
    ARCHITECTURE_SMALL_CNN: _ClassVar[Architecture]
    ARCHITECTURE_RESNET: _ClassVar[Architecture]

class Objective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_UNSPECIFIED: _ClassVar[Objective]
    OBJECTIVE_STANDARD: _ClassVar[Objective]
    OBJECTIVE_SELECTIVENET: _ClassVar[Objective]

class Optimizer(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTIMIZER_UNSPECIFIED: _ClassVar[Optimizer]
    OPTIMIZER_ADAM: _ClassVar[Optimizer]
    OPTIMIZER_SGD: _ClassVar[Optimizer]

class RiskNormalization(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_NORMALIZATION_UNSPECIFIED: _ClassVar[RiskNormalization]
    RISK_NORMALIZATION_COVERAGE: _ClassVar[RiskNormalization]
    RISK_NORMALIZATION_NONE: _ClassVar[RiskNormalization]

class ConfidenceFunction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIDENCE_FUNCTION_UNSPECIFIED: _ClassVar[ConfidenceFunction]
    CONFIDENCE_FUNCTION_SOFTMAX_RESPONSE: _ClassVar[ConfidenceFunction]
    CONFIDENCE_FUNCTION_MC_DROPOUT: _ClassVar[ConfidenceFunction]
    CONFIDENCE_FUNCTION_SELECTION_HEAD: _ClassVar[ConfidenceFunction]

class Task(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_UNSPECIFIED: _ClassVar[Task]
    TASK_CLASSIFICATION: _ClassVar[Task]
    TASK_REGRESSION: _ClassVar[Task]

class CertificationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CERTIFICATION_METHOD_UNSPECIFIED: _ClassVar[CertificationMethod]
    CERTIFICATION_METHOD_SGR: _ClassVar[CertificationMethod]
    CERTIFICATION_METHOD_FIXED_SEQUENCE: _ClassVar[CertificationMethod]
    CERTIFICATION_METHOD_BONFERRONI: _ClassVar[CertificationMethod]
ARCHITECTURE_UNSPECIFIED: Architecture
ARCHITECTURE_MLP: Architecture
ARCHITECTURE_SMALL_CNN: Architecture
ARCHITECTURE_RESNET: Architecture
OBJECTIVE_UNSPECIFIED: Objective
OBJECTIVE_STANDARD: Objective
OBJECTIVE_SELECTIVENET: Objective
OPTIMIZER_UNSPECIFIED: Optimizer
OPTIMIZER_ADAM: Optimizer
OPTIMIZER_SGD: Optimizer
RISK_NORMALIZATION_UNSPECIFIED: RiskNormalization
RISK_NORMALIZATION_COVERAGE: RiskNormalization
RISK_NORMALIZATION_NONE: RiskNormalization
CONFIDENCE_FUNCTION_UNSPECIFIED: ConfidenceFunction
CONFIDENCE_FUNCTION_SOFTMAX_RESPONSE: ConfidenceFunction
CONFIDENCE_FUNCTION_MC_DROPOUT: ConfidenceFunction
CONFIDENCE_FUNCTION_SELECTION_HEAD: ConfidenceFunction
TASK_UNSPECIFIED: Task
TASK_CLASSIFICATION: Task
TASK_REGRESSION: Task
CERTIFICATION_METHOD_UNSPECIFIED: CertificationMethod
CERTIFICATION_METHOD_SGR: CertificationMethod
CERTIFICATION_METHOD_FIXED_SEQUENCE: CertificationMethod
CERTIFICATION_METHOD_BONFERRONI: CertificationMethod

class Backbone(_message.Message):
    __slots__ = ("architecture", "hidden_sizes", "blocks_per_stack", "base_width", "dropout")
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_SIZES_FIELD_NUMBER: _ClassVar[int]
    BLOCKS_PER_STACK_FIELD_NUMBER: _ClassVar[int]
    BASE_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_FIELD_NUMBER: _ClassVar[int]
    architecture: Architecture
    hidden_sizes: _containers.RepeatedScalarFieldContainer[int]
    blocks_per_stack: _containers.RepeatedScalarFieldContainer[int]
    base_width: int
    dropout: float
    def __init__(self, architecture: _Optional[_Union[Architecture, str]] = ..., hidden_sizes: _Optional[_Iterable[int]] = ..., blocks_per_stack: _Optional[_Iterable[int]] = ..., base_width: _Optional[int] = ..., dropout: _Optional[float] = ...) -> None: ...

class SelectiveNetOptions(_message.Message):
    __slots__ = ("target_coverage", "coverage_penalty", "alpha", "risk_normalization", "calibration_fraction")
    TARGET_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_PENALTY_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    RISK_NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FRACTION_FIELD_NUMBER: _ClassVar[int]
    target_coverage: float
    coverage_penalty: float
    alpha: float
    risk_normalization: RiskNormalization
    calibration_fraction: float
    def __init__(self, target_coverage: _Optional[float] = ..., coverage_penalty: _Optional[float] = ..., alpha: _Optional[float] = ..., risk_normalization: _Optional[_Union[RiskNormalization, str]] = ..., calibration_fraction: _Optional[float] = ...) -> None: ...

class TrainingJobSpec(_message.Message):
    __slots__ = ("dataset", "seed", "dataset_root", "backbone", "objective", "selectivenet", "max_epochs", "patience", "batch_size", "optimizer", "learning_rate", "weight_decay", "max_train_examples", "confidence_function", "mc_dropout_passes", "device")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    DATASET_ROOT_FIELD_NUMBER: _ClassVar[int]
    BACKBONE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    SELECTIVENET_FIELD_NUMBER: _ClassVar[int]
    MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    PATIENCE_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    MAX_TRAIN_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    MC_DROPOUT_PASSES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    seed: int
    dataset_root: str
    backbone: Backbone
    objective: Objective
    selectivenet: SelectiveNetOptions
    max_epochs: int
    patience: int
    batch_size: int
    optimizer: Optimizer
    learning_rate: float
    weight_decay: float
    max_train_examples: int
    confidence_function: ConfidenceFunction
    mc_dropout_passes: int
    device: str
    def __init__(self, dataset: _Optional[str] = ..., seed: _Optional[int] = ..., dataset_root: _Optional[str] = ..., backbone: _Optional[_Union[Backbone, _Mapping]] = ..., objective: _Optional[_Union[Objective, str]] = ..., selectivenet: _Optional[_Union[SelectiveNetOptions, _Mapping]] = ..., max_epochs: _Optional[int] = ..., patience: _Optional[int] = ..., batch_size: _Optional[int] = ..., optimizer: _Optional[_Union[Optimizer, str]] = ..., learning_rate: _Optional[float] = ..., weight_decay: _Optional[float] = ..., max_train_examples: _Optional[int] = ..., confidence_function: _Optional[_Union[ConfidenceFunction, str]] = ..., mc_dropout_passes: _Optional[int] = ..., device: _Optional[str] = ...) -> None: ...

class EpochSnapshot(_message.Message):
    __slots__ = ("epoch", "weights", "train_loss", "validation_loss", "validation_risk")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_LOSS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_RISK_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    weights: _artifact_pb2.ArtifactRef
    train_loss: float
    validation_loss: float
    validation_risk: float
    def __init__(self, epoch: _Optional[int] = ..., weights: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., train_loss: _Optional[float] = ..., validation_loss: _Optional[float] = ..., validation_risk: _Optional[float] = ...) -> None: ...

class RiskCoveragePoint(_message.Message):
    __slots__ = ("coverage", "selective_risk")
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    SELECTIVE_RISK_FIELD_NUMBER: _ClassVar[int]
    coverage: float
    selective_risk: float
    def __init__(self, coverage: _Optional[float] = ..., selective_risk: _Optional[float] = ...) -> None: ...

class TrainingJobResult(_message.Message):
    __slots__ = ("model", "snapshots", "best_epoch", "epochs_run", "early_stopped", "task", "device", "test_risk", "selection_threshold", "target_coverage", "validation_coverage", "test_coverage", "test_selective_risk", "confidence_function", "test_predictions", "test_confidence", "test_losses", "test_risk_coverage", "calibration_coverage", "epoch_selection_examples", "calibration_examples", "split_uses", "test_selection_head", "test_softmax_response")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    BEST_EPOCH_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_RUN_FIELD_NUMBER: _ClassVar[int]
    EARLY_STOPPED_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    TEST_RISK_FIELD_NUMBER: _ClassVar[int]
    SELECTION_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TARGET_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    TEST_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    TEST_SELECTIVE_RISK_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    TEST_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    TEST_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TEST_LOSSES_FIELD_NUMBER: _ClassVar[int]
    TEST_RISK_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_SELECTION_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    SPLIT_USES_FIELD_NUMBER: _ClassVar[int]
    TEST_SELECTION_HEAD_FIELD_NUMBER: _ClassVar[int]
    TEST_SOFTMAX_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    model: _artifact_pb2.ArtifactRef
    snapshots: _containers.RepeatedCompositeFieldContainer[EpochSnapshot]
    best_epoch: int
    epochs_run: int
    early_stopped: bool
    task: Task
    device: str
    test_risk: float
    selection_threshold: float
    target_coverage: float
    validation_coverage: float
    test_coverage: float
    test_selective_risk: float
    confidence_function: ConfidenceFunction
    test_predictions: _artifact_pb2.ArtifactRef
    test_confidence: _artifact_pb2.ArtifactRef
    test_losses: _artifact_pb2.ArtifactRef
    test_risk_coverage: _containers.RepeatedCompositeFieldContainer[RiskCoveragePoint]
    calibration_coverage: float
    epoch_selection_examples: int
    calibration_examples: int
    split_uses: _containers.RepeatedCompositeFieldContainer[TrainingSplitUse]
    test_selection_head: _artifact_pb2.ArtifactRef
    test_softmax_response: _artifact_pb2.ArtifactRef
    def __init__(self, model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., snapshots: _Optional[_Iterable[_Union[EpochSnapshot, _Mapping]]] = ..., best_epoch: _Optional[int] = ..., epochs_run: _Optional[int] = ..., early_stopped: _Optional[bool] = ..., task: _Optional[_Union[Task, str]] = ..., device: _Optional[str] = ..., test_risk: _Optional[float] = ..., selection_threshold: _Optional[float] = ..., target_coverage: _Optional[float] = ..., validation_coverage: _Optional[float] = ..., test_coverage: _Optional[float] = ..., test_selective_risk: _Optional[float] = ..., confidence_function: _Optional[_Union[ConfidenceFunction, str]] = ..., test_predictions: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., test_confidence: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., test_losses: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., test_risk_coverage: _Optional[_Iterable[_Union[RiskCoveragePoint, _Mapping]]] = ..., calibration_coverage: _Optional[float] = ..., epoch_selection_examples: _Optional[int] = ..., calibration_examples: _Optional[int] = ..., split_uses: _Optional[_Iterable[_Union[TrainingSplitUse, _Mapping]]] = ..., test_selection_head: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., test_softmax_response: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class TrainingSplitUse(_message.Message):
    __slots__ = ("step", "split")
    STEP_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    step: str
    split: str
    def __init__(self, step: _Optional[str] = ..., split: _Optional[str] = ...) -> None: ...

class TrainingJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: TrainingJobSpec
    result: TrainingJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[TrainingJobSpec, _Mapping]] = ..., result: _Optional[_Union[TrainingJobResult, _Mapping]] = ...) -> None: ...

class CreateTrainingJobRequest(_message.Message):
    __slots__ = ("spec", "labels", "request_id")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    spec: TrainingJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[TrainingJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class GetTrainingJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class WatchTrainingJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class CancelTrainingJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class ListTrainingJobsRequest(_message.Message):
    __slots__ = ("page", "state", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    labels: _containers.ScalarMap[str, str]
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListTrainingJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[TrainingJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[TrainingJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CertifyRiskRequest(_message.Message):
    __slots__ = ("confidence", "errors", "risk_target", "delta", "method", "grid_size")
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    RISK_TARGET_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    GRID_SIZE_FIELD_NUMBER: _ClassVar[int]
    confidence: _array_pb2.Array
    errors: _array_pb2.Array
    risk_target: float
    delta: float
    method: CertificationMethod
    grid_size: int
    def __init__(self, confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., errors: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., risk_target: _Optional[float] = ..., delta: _Optional[float] = ..., method: _Optional[_Union[CertificationMethod, str]] = ..., grid_size: _Optional[int] = ...) -> None: ...

class RiskCertificate(_message.Message):
    __slots__ = ("feasible", "threshold", "coverage", "selective_risk", "bound", "risk_target", "delta", "method", "tests", "per_test_delta", "min_achievable_bound", "covered_count", "covered_errors", "num_examples")
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    SELECTIVE_RISK_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    RISK_TARGET_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    PER_TEST_DELTA_FIELD_NUMBER: _ClassVar[int]
    MIN_ACHIEVABLE_BOUND_FIELD_NUMBER: _ClassVar[int]
    COVERED_COUNT_FIELD_NUMBER: _ClassVar[int]
    COVERED_ERRORS_FIELD_NUMBER: _ClassVar[int]
    NUM_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    feasible: bool
    threshold: float
    coverage: float
    selective_risk: float
    bound: float
    risk_target: float
    delta: float
    method: CertificationMethod
    tests: int
    per_test_delta: float
    min_achievable_bound: float
    covered_count: int
    covered_errors: int
    num_examples: int
    def __init__(self, feasible: _Optional[bool] = ..., threshold: _Optional[float] = ..., coverage: _Optional[float] = ..., selective_risk: _Optional[float] = ..., bound: _Optional[float] = ..., risk_target: _Optional[float] = ..., delta: _Optional[float] = ..., method: _Optional[_Union[CertificationMethod, str]] = ..., tests: _Optional[int] = ..., per_test_delta: _Optional[float] = ..., min_achievable_bound: _Optional[float] = ..., covered_count: _Optional[int] = ..., covered_errors: _Optional[int] = ..., num_examples: _Optional[int] = ...) -> None: ...

class CertifyRiskResponse(_message.Message):
    __slots__ = ("certificate",)
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    certificate: RiskCertificate
    def __init__(self, certificate: _Optional[_Union[RiskCertificate, _Mapping]] = ...) -> None: ...
