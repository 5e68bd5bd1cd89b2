from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Executor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXECUTOR_UNSPECIFIED: _ClassVar[Executor]
    EXECUTOR_LOCAL: _ClassVar[Executor]
    EXECUTOR_KUBERNETES: _ClassVar[Executor]

class AttentionTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTENTION_TARGET_UNSPECIFIED: _ClassVar[AttentionTarget]
    ATTENTION_TARGET_SUBBLOCK: _ClassVar[AttentionTarget]
    ATTENTION_TARGET_BLOCK: _ClassVar[AttentionTarget]

class AttentionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTENTION_KIND_UNSPECIFIED: _ClassVar[AttentionKind]
    ATTENTION_KIND_GQA: _ClassVar[AttentionKind]
    ATTENTION_KIND_NO_OP: _ClassVar[AttentionKind]
    ATTENTION_KIND_LINEAR: _ClassVar[AttentionKind]

class FfnKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FFN_KIND_UNSPECIFIED: _ClassVar[FfnKind]
    FFN_KIND_MLP: _ClassVar[FfnKind]
    FFN_KIND_NO_OP: _ClassVar[FfnKind]
    FFN_KIND_LINEAR: _ClassVar[FfnKind]
EXECUTOR_UNSPECIFIED: Executor
EXECUTOR_LOCAL: Executor
EXECUTOR_KUBERNETES: Executor
ATTENTION_TARGET_UNSPECIFIED: AttentionTarget
ATTENTION_TARGET_SUBBLOCK: AttentionTarget
ATTENTION_TARGET_BLOCK: AttentionTarget
ATTENTION_KIND_UNSPECIFIED: AttentionKind
ATTENTION_KIND_GQA: AttentionKind
ATTENTION_KIND_NO_OP: AttentionKind
ATTENTION_KIND_LINEAR: AttentionKind
FFN_KIND_UNSPECIFIED: FfnKind
FFN_KIND_MLP: FfnKind
FFN_KIND_NO_OP: FfnKind
FFN_KIND_LINEAR: FfnKind

class DistillationJobSpec(_message.Message):
    __slots__ = ("library", "global_kd")
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_KD_FIELD_NUMBER: _ClassVar[int]
    library: LibrarySpec
    global_kd: GlobalDistillationSpec
    def __init__(self, library: _Optional[_Union[LibrarySpec, _Mapping]] = ..., global_kd: _Optional[_Union[GlobalDistillationSpec, _Mapping]] = ...) -> None: ...

class AttentionConfig(_message.Message):
    __slots__ = ("kind", "num_key_value_heads")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NUM_KEY_VALUE_HEADS_FIELD_NUMBER: _ClassVar[int]
    kind: AttentionKind
    num_key_value_heads: int
    def __init__(self, kind: _Optional[_Union[AttentionKind, str]] = ..., num_key_value_heads: _Optional[int] = ...) -> None: ...

class FfnConfig(_message.Message):
    __slots__ = ("kind", "intermediate_size")
    KIND_FIELD_NUMBER: _ClassVar[int]
    INTERMEDIATE_SIZE_FIELD_NUMBER: _ClassVar[int]
    kind: FfnKind
    intermediate_size: int
    def __init__(self, kind: _Optional[_Union[FfnKind, str]] = ..., intermediate_size: _Optional[int] = ...) -> None: ...

class BlockConfig(_message.Message):
    __slots__ = ("attention", "ffn")
    ATTENTION_FIELD_NUMBER: _ClassVar[int]
    FFN_FIELD_NUMBER: _ClassVar[int]
    attention: AttentionConfig
    ffn: FfnConfig
    def __init__(self, attention: _Optional[_Union[AttentionConfig, _Mapping]] = ..., ffn: _Optional[_Union[FfnConfig, _Mapping]] = ...) -> None: ...

class SearchSpace(_message.Message):
    __slots__ = ("kv_heads", "ffn_intermediate_sizes", "attention_no_op", "attention_linear", "ffn_no_op", "ffn_linear", "layers")
    KV_HEADS_FIELD_NUMBER: _ClassVar[int]
    FFN_INTERMEDIATE_SIZES_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_NO_OP_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_LINEAR_FIELD_NUMBER: _ClassVar[int]
    FFN_NO_OP_FIELD_NUMBER: _ClassVar[int]
    FFN_LINEAR_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    kv_heads: _containers.RepeatedScalarFieldContainer[int]
    ffn_intermediate_sizes: _containers.RepeatedScalarFieldContainer[int]
    attention_no_op: bool
    attention_linear: bool
    ffn_no_op: bool
    ffn_linear: bool
    layers: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, kv_heads: _Optional[_Iterable[int]] = ..., ffn_intermediate_sizes: _Optional[_Iterable[int]] = ..., attention_no_op: _Optional[bool] = ..., attention_linear: _Optional[bool] = ..., ffn_no_op: _Optional[bool] = ..., ffn_linear: _Optional[bool] = ..., layers: _Optional[_Iterable[int]] = ...) -> None: ...

class LibrarySpec(_message.Message):
    __slots__ = ("parent_model", "corpus", "token_budget", "seed", "search_space", "include_linear", "executor", "held_out_tokens", "sequence_length", "learning_rate", "attention_target")
    PARENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SEARCH_SPACE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_LINEAR_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_FIELD_NUMBER: _ClassVar[int]
    HELD_OUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_TARGET_FIELD_NUMBER: _ClassVar[int]
    parent_model: str
    corpus: str
    token_budget: int
    seed: int
    search_space: SearchSpace
    include_linear: bool
    executor: Executor
    held_out_tokens: int
    sequence_length: int
    learning_rate: float
    attention_target: AttentionTarget
    def __init__(self, parent_model: _Optional[str] = ..., corpus: _Optional[str] = ..., token_budget: _Optional[int] = ..., seed: _Optional[int] = ..., search_space: _Optional[_Union[SearchSpace, _Mapping]] = ..., include_linear: _Optional[bool] = ..., executor: _Optional[_Union[Executor, str]] = ..., held_out_tokens: _Optional[int] = ..., sequence_length: _Optional[int] = ..., learning_rate: _Optional[float] = ..., attention_target: _Optional[_Union[AttentionTarget, str]] = ...) -> None: ...

class GlobalDistillationSpec(_message.Message):
    __slots__ = ("parent_model", "corpus", "library", "token_budget", "seed", "block_configs", "checkpoint_interval_tokens", "learning_rate", "held_out_tokens", "sequence_length")
    PARENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_INTERVAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    HELD_OUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    parent_model: str
    corpus: str
    library: _artifact_pb2.ArtifactRef
    token_budget: int
    seed: int
    block_configs: _containers.RepeatedCompositeFieldContainer[BlockConfig]
    checkpoint_interval_tokens: int
    learning_rate: float
    held_out_tokens: int
    sequence_length: int
    def __init__(self, parent_model: _Optional[str] = ..., corpus: _Optional[str] = ..., library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., token_budget: _Optional[int] = ..., seed: _Optional[int] = ..., block_configs: _Optional[_Iterable[_Union[BlockConfig, _Mapping]]] = ..., checkpoint_interval_tokens: _Optional[int] = ..., learning_rate: _Optional[float] = ..., held_out_tokens: _Optional[int] = ..., sequence_length: _Optional[int] = ...) -> None: ...

class DistillationJobResult(_message.Message):
    __slots__ = ("manifest", "variants_trained", "variants_reused", "initial_kl", "final_kl")
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_TRAINED_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_REUSED_FIELD_NUMBER: _ClassVar[int]
    INITIAL_KL_FIELD_NUMBER: _ClassVar[int]
    FINAL_KL_FIELD_NUMBER: _ClassVar[int]
    manifest: _artifact_pb2.ArtifactRef
    variants_trained: int
    variants_reused: int
    initial_kl: float
    final_kl: float
    def __init__(self, manifest: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., variants_trained: _Optional[int] = ..., variants_reused: _Optional[int] = ..., initial_kl: _Optional[float] = ..., final_kl: _Optional[float] = ...) -> None: ...

class DistillationJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: DistillationJobSpec
    result: DistillationJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[DistillationJobSpec, _Mapping]] = ..., result: _Optional[_Union[DistillationJobResult, _Mapping]] = ...) -> None: ...

class CreateDistillationJobRequest(_message.Message):
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
    spec: DistillationJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[DistillationJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateDistillationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: DistillationJob
    def __init__(self, job: _Optional[_Union[DistillationJob, _Mapping]] = ...) -> None: ...

class GetDistillationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetDistillationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: DistillationJob
    def __init__(self, job: _Optional[_Union[DistillationJob, _Mapping]] = ...) -> None: ...

class WatchDistillationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchDistillationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: DistillationJob
    def __init__(self, job: _Optional[_Union[DistillationJob, _Mapping]] = ...) -> None: ...

class CancelDistillationJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelDistillationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: DistillationJob
    def __init__(self, job: _Optional[_Union[DistillationJob, _Mapping]] = ...) -> None: ...

class ListDistillationJobsRequest(_message.Message):
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

class ListDistillationJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[DistillationJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[DistillationJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
