from tessel.common.v1 import array_pb2 as _array_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.training.v1 import training_pb2 as _training_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QueryStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUERY_STRATEGY_UNSPECIFIED: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_RANDOM: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_LEAST_CONFIDENCE: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_MARGIN: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_ENTROPY: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_MC_DROPOUT: _ClassVar[QueryStrategy]
    QUERY_STRATEGY_CORESET: _ClassVar[QueryStrategy]

class Oracle(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORACLE_UNSPECIFIED: _ClassVar[Oracle]
    ORACLE_SIMULATED: _ClassVar[Oracle]
    ORACLE_EXTERNAL: _ClassVar[Oracle]

class ArchitecturePolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ARCHITECTURE_POLICY_UNSPECIFIED: _ClassVar[ArchitecturePolicy]
    ARCHITECTURE_POLICY_FIXED: _ClassVar[ArchitecturePolicy]
    ARCHITECTURE_POLICY_INAS: _ClassVar[ArchitecturePolicy]
QUERY_STRATEGY_UNSPECIFIED: QueryStrategy
QUERY_STRATEGY_RANDOM: QueryStrategy
QUERY_STRATEGY_LEAST_CONFIDENCE: QueryStrategy
QUERY_STRATEGY_MARGIN: QueryStrategy
QUERY_STRATEGY_ENTROPY: QueryStrategy
QUERY_STRATEGY_MC_DROPOUT: QueryStrategy
QUERY_STRATEGY_CORESET: QueryStrategy
ORACLE_UNSPECIFIED: Oracle
ORACLE_SIMULATED: Oracle
ORACLE_EXTERNAL: Oracle
ARCHITECTURE_POLICY_UNSPECIFIED: ArchitecturePolicy
ARCHITECTURE_POLICY_FIXED: ArchitecturePolicy
ARCHITECTURE_POLICY_INAS: ArchitecturePolicy

class SessionSpec(_message.Message):
    __slots__ = ("dataset", "seed", "dataset_root", "pool_size", "initial_size", "batch_size", "label_budget", "strategy", "oracle", "architecture_policy", "backbone", "max_epochs", "inas_epochs", "inas_iterations", "learning_rate", "train_batch_size", "mc_dropout_passes", "device")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    DATASET_ROOT_FIELD_NUMBER: _ClassVar[int]
    POOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    LABEL_BUDGET_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    ORACLE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_POLICY_FIELD_NUMBER: _ClassVar[int]
    BACKBONE_FIELD_NUMBER: _ClassVar[int]
    MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    INAS_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    INAS_ITERATIONS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    TRAIN_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MC_DROPOUT_PASSES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    seed: int
    dataset_root: str
    pool_size: int
    initial_size: int
    batch_size: int
    label_budget: int
    strategy: QueryStrategy
    oracle: Oracle
    architecture_policy: ArchitecturePolicy
    backbone: _training_pb2.Backbone
    max_epochs: int
    inas_epochs: int
    inas_iterations: int
    learning_rate: float
    train_batch_size: int
    mc_dropout_passes: int
    device: str
    def __init__(self, dataset: _Optional[str] = ..., seed: _Optional[int] = ..., dataset_root: _Optional[str] = ..., pool_size: _Optional[int] = ..., initial_size: _Optional[int] = ..., batch_size: _Optional[int] = ..., label_budget: _Optional[int] = ..., strategy: _Optional[_Union[QueryStrategy, str]] = ..., oracle: _Optional[_Union[Oracle, str]] = ..., architecture_policy: _Optional[_Union[ArchitecturePolicy, str]] = ..., backbone: _Optional[_Union[_training_pb2.Backbone, _Mapping]] = ..., max_epochs: _Optional[int] = ..., inas_epochs: _Optional[int] = ..., inas_iterations: _Optional[int] = ..., learning_rate: _Optional[float] = ..., train_batch_size: _Optional[int] = ..., mc_dropout_passes: _Optional[int] = ..., device: _Optional[str] = ...) -> None: ...

class ArchitectureCandidate(_message.Message):
    __slots__ = ("blocks_per_stack", "validation_accuracy", "parameters")
    BLOCKS_PER_STACK_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    blocks_per_stack: _containers.RepeatedScalarFieldContainer[int]
    validation_accuracy: float
    parameters: int
    def __init__(self, blocks_per_stack: _Optional[_Iterable[int]] = ..., validation_accuracy: _Optional[float] = ..., parameters: _Optional[int] = ...) -> None: ...

class Round(_message.Message):
    __slots__ = ("round", "labelled_count", "backbone", "parameters", "validation_accuracy", "test_accuracy", "selected_epoch", "candidates", "train_seconds", "query_seconds", "trace_id")
    ROUND_FIELD_NUMBER: _ClassVar[int]
    LABELLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    BACKBONE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    TEST_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    SELECTED_EPOCH_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    QUERY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    round: int
    labelled_count: int
    backbone: _training_pb2.Backbone
    parameters: int
    validation_accuracy: float
    test_accuracy: float
    selected_epoch: int
    candidates: _containers.RepeatedCompositeFieldContainer[ArchitectureCandidate]
    train_seconds: float
    query_seconds: float
    trace_id: str
    def __init__(self, round: _Optional[int] = ..., labelled_count: _Optional[int] = ..., backbone: _Optional[_Union[_training_pb2.Backbone, _Mapping]] = ..., parameters: _Optional[int] = ..., validation_accuracy: _Optional[float] = ..., test_accuracy: _Optional[float] = ..., selected_epoch: _Optional[int] = ..., candidates: _Optional[_Iterable[_Union[ArchitectureCandidate, _Mapping]]] = ..., train_seconds: _Optional[float] = ..., query_seconds: _Optional[float] = ..., trace_id: _Optional[str] = ...) -> None: ...

class SessionResult(_message.Message):
    __slots__ = ("labelled_indices", "labels", "pending_indices", "rounds", "num_classes", "pool_size")
    LABELLED_INDICES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PENDING_INDICES_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    POOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    labelled_indices: _containers.RepeatedScalarFieldContainer[int]
    labels: _containers.RepeatedScalarFieldContainer[int]
    pending_indices: _containers.RepeatedScalarFieldContainer[int]
    rounds: _containers.RepeatedCompositeFieldContainer[Round]
    num_classes: int
    pool_size: int
    def __init__(self, labelled_indices: _Optional[_Iterable[int]] = ..., labels: _Optional[_Iterable[int]] = ..., pending_indices: _Optional[_Iterable[int]] = ..., rounds: _Optional[_Iterable[_Union[Round, _Mapping]]] = ..., num_classes: _Optional[int] = ..., pool_size: _Optional[int] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: SessionSpec
    result: SessionResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[SessionSpec, _Mapping]] = ..., result: _Optional[_Union[SessionResult, _Mapping]] = ...) -> None: ...

class CreateSessionRequest(_message.Message):
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
    spec: SessionSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[SessionSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class WatchSessionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
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

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelSessionRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ("session_id", "count")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    count: int
    def __init__(self, session_id: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ("indices", "state", "round", "labelled_count", "label_budget", "num_classes")
    INDICES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    LABELLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    LABEL_BUDGET_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    indices: _containers.RepeatedScalarFieldContainer[int]
    state: _job_pb2.JobState
    round: int
    labelled_count: int
    label_budget: int
    num_classes: int
    def __init__(self, indices: _Optional[_Iterable[int]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ..., round: _Optional[int] = ..., labelled_count: _Optional[int] = ..., label_budget: _Optional[int] = ..., num_classes: _Optional[int] = ...) -> None: ...

class SubmitLabelsRequest(_message.Message):
    __slots__ = ("session_id", "indices", "labels")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    indices: _containers.RepeatedScalarFieldContainer[int]
    labels: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, session_id: _Optional[str] = ..., indices: _Optional[_Iterable[int]] = ..., labels: _Optional[_Iterable[int]] = ...) -> None: ...

class SubmitLabelsResponse(_message.Message):
    __slots__ = ("labelled_count", "pending_count", "session")
    LABELLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    labelled_count: int
    pending_count: int
    session: Session
    def __init__(self, labelled_count: _Optional[int] = ..., pending_count: _Optional[int] = ..., session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class SelectCoresetRequest(_message.Message):
    __slots__ = ("embeddings", "initial", "count")
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    embeddings: _array_pb2.Array
    initial: _containers.RepeatedScalarFieldContainer[int]
    count: int
    def __init__(self, embeddings: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., initial: _Optional[_Iterable[int]] = ..., count: _Optional[int] = ...) -> None: ...

class SelectCoresetResponse(_message.Message):
    __slots__ = ("indices", "radii")
    INDICES_FIELD_NUMBER: _ClassVar[int]
    RADII_FIELD_NUMBER: _ClassVar[int]
    indices: _containers.RepeatedScalarFieldContainer[int]
    radii: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, indices: _Optional[_Iterable[int]] = ..., radii: _Optional[_Iterable[float]] = ...) -> None: ...
