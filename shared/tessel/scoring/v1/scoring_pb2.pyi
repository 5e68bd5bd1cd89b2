from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.common.v1 import scenario_pb2 as _scenario_pb2
from tessel.distill.v1 import distill_pb2 as _distill_pb2
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
EXECUTOR_UNSPECIFIED: Executor
EXECUTOR_LOCAL: Executor
EXECUTOR_KUBERNETES: Executor

class CostOptions(_message.Message):
    __slots__ = ("warmup", "repeats", "stack_depth")
    WARMUP_FIELD_NUMBER: _ClassVar[int]
    REPEATS_FIELD_NUMBER: _ClassVar[int]
    STACK_DEPTH_FIELD_NUMBER: _ClassVar[int]
    warmup: int
    repeats: int
    stack_depth: int
    def __init__(self, warmup: _Optional[int] = ..., repeats: _Optional[int] = ..., stack_depth: _Optional[int] = ...) -> None: ...

class ScoringJobSpec(_message.Message):
    __slots__ = ("library", "parent_model", "corpus", "scenarios", "held_out_tokens", "sequence_length", "batch_sequences", "vocab_chunk", "executor", "cost_options")
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    PARENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    HELD_OUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    BATCH_SEQUENCES_FIELD_NUMBER: _ClassVar[int]
    VOCAB_CHUNK_FIELD_NUMBER: _ClassVar[int]
    EXECUTOR_FIELD_NUMBER: _ClassVar[int]
    COST_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    library: _artifact_pb2.ArtifactRef
    parent_model: str
    corpus: str
    scenarios: _containers.RepeatedCompositeFieldContainer[_scenario_pb2.Scenario]
    held_out_tokens: int
    sequence_length: int
    batch_sequences: int
    vocab_chunk: int
    executor: Executor
    cost_options: CostOptions
    def __init__(self, library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., parent_model: _Optional[str] = ..., corpus: _Optional[str] = ..., scenarios: _Optional[_Iterable[_Union[_scenario_pb2.Scenario, _Mapping]]] = ..., held_out_tokens: _Optional[int] = ..., sequence_length: _Optional[int] = ..., batch_sequences: _Optional[int] = ..., vocab_chunk: _Optional[int] = ..., executor: _Optional[_Union[Executor, str]] = ..., cost_options: _Optional[_Union[CostOptions, _Mapping]] = ...) -> None: ...

class ScoredLibraryRef(_message.Message):
    __slots__ = ("scenario", "scored_library")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    scenario: _scenario_pb2.Scenario
    scored_library: _artifact_pb2.ArtifactRef
    def __init__(self, scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class ScoringJobResult(_message.Message):
    __slots__ = ("scores", "scored_libraries", "report", "heatmap", "variants_scored", "variants_reused")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARIES_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    HEATMAP_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_SCORED_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_REUSED_FIELD_NUMBER: _ClassVar[int]
    scores: _artifact_pb2.ArtifactRef
    scored_libraries: _containers.RepeatedCompositeFieldContainer[ScoredLibraryRef]
    report: _artifact_pb2.ArtifactRef
    heatmap: _artifact_pb2.ArtifactRef
    variants_scored: int
    variants_reused: int
    def __init__(self, scores: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scored_libraries: _Optional[_Iterable[_Union[ScoredLibraryRef, _Mapping]]] = ..., report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., heatmap: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., variants_scored: _Optional[int] = ..., variants_reused: _Optional[int] = ...) -> None: ...

class ScoringJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: ScoringJobSpec
    result: ScoringJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[ScoringJobSpec, _Mapping]] = ..., result: _Optional[_Union[ScoringJobResult, _Mapping]] = ...) -> None: ...

class CreateScoringJobRequest(_message.Message):
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
    spec: ScoringJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[ScoringJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateScoringJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScoringJob
    def __init__(self, job: _Optional[_Union[ScoringJob, _Mapping]] = ...) -> None: ...

class GetScoringJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetScoringJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScoringJob
    def __init__(self, job: _Optional[_Union[ScoringJob, _Mapping]] = ...) -> None: ...

class WatchScoringJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchScoringJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScoringJob
    def __init__(self, job: _Optional[_Union[ScoringJob, _Mapping]] = ...) -> None: ...

class CancelScoringJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelScoringJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: ScoringJob
    def __init__(self, job: _Optional[_Union[ScoringJob, _Mapping]] = ...) -> None: ...

class ListScoringJobsRequest(_message.Message):
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

class ListScoringJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[ScoringJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[ScoringJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MeasurementJobSpec(_message.Message):
    __slots__ = ("architecture", "scenarios", "scored_library", "block_configs", "options")
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    BLOCK_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    architecture: _artifact_pb2.ArtifactRef
    scenarios: _containers.RepeatedCompositeFieldContainer[_scenario_pb2.Scenario]
    scored_library: _artifact_pb2.ArtifactRef
    block_configs: _containers.RepeatedCompositeFieldContainer[_distill_pb2.BlockConfig]
    options: CostOptions
    def __init__(self, architecture: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[_scenario_pb2.Scenario, _Mapping]]] = ..., scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., block_configs: _Optional[_Iterable[_Union[_distill_pb2.BlockConfig, _Mapping]]] = ..., options: _Optional[_Union[CostOptions, _Mapping]] = ...) -> None: ...

class Measurement(_message.Message):
    __slots__ = ("scenario", "prefill_seconds", "predicted_prefill_seconds", "prefill_error_percent", "decode_seconds_per_token", "predicted_decode_seconds_per_token", "decode_error_percent", "decode_tokens_per_second", "peak_memory_bytes", "predicted_memory_bytes", "total_seconds", "predicted_total_seconds", "error_percent", "device")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    PREFILL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_PREFILL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PREFILL_ERROR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DECODE_SECONDS_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_DECODE_SECONDS_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DECODE_ERROR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DECODE_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    PEAK_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ERROR_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    scenario: _scenario_pb2.Scenario
    prefill_seconds: float
    predicted_prefill_seconds: float
    prefill_error_percent: float
    decode_seconds_per_token: float
    predicted_decode_seconds_per_token: float
    decode_error_percent: float
    decode_tokens_per_second: float
    peak_memory_bytes: int
    predicted_memory_bytes: int
    total_seconds: float
    predicted_total_seconds: float
    error_percent: float
    device: str
    def __init__(self, scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., prefill_seconds: _Optional[float] = ..., predicted_prefill_seconds: _Optional[float] = ..., prefill_error_percent: _Optional[float] = ..., decode_seconds_per_token: _Optional[float] = ..., predicted_decode_seconds_per_token: _Optional[float] = ..., decode_error_percent: _Optional[float] = ..., decode_tokens_per_second: _Optional[float] = ..., peak_memory_bytes: _Optional[int] = ..., predicted_memory_bytes: _Optional[int] = ..., total_seconds: _Optional[float] = ..., predicted_total_seconds: _Optional[float] = ..., error_percent: _Optional[float] = ..., device: _Optional[str] = ...) -> None: ...

class MeasurementJobResult(_message.Message):
    __slots__ = ("report", "measurements")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_FIELD_NUMBER: _ClassVar[int]
    report: _artifact_pb2.ArtifactRef
    measurements: _containers.RepeatedCompositeFieldContainer[Measurement]
    def __init__(self, report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., measurements: _Optional[_Iterable[_Union[Measurement, _Mapping]]] = ...) -> None: ...

class MeasurementJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: MeasurementJobSpec
    result: MeasurementJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[MeasurementJobSpec, _Mapping]] = ..., result: _Optional[_Union[MeasurementJobResult, _Mapping]] = ...) -> None: ...

class CreateMeasurementJobRequest(_message.Message):
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
    spec: MeasurementJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[MeasurementJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateMeasurementJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: MeasurementJob
    def __init__(self, job: _Optional[_Union[MeasurementJob, _Mapping]] = ...) -> None: ...

class GetMeasurementJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetMeasurementJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: MeasurementJob
    def __init__(self, job: _Optional[_Union[MeasurementJob, _Mapping]] = ...) -> None: ...

class WatchMeasurementJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchMeasurementJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: MeasurementJob
    def __init__(self, job: _Optional[_Union[MeasurementJob, _Mapping]] = ...) -> None: ...

class CancelMeasurementJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelMeasurementJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: MeasurementJob
    def __init__(self, job: _Optional[_Union[MeasurementJob, _Mapping]] = ...) -> None: ...

class ListMeasurementJobsRequest(_message.Message):
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

class ListMeasurementJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[MeasurementJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[MeasurementJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
