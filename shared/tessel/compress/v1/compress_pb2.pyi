from tessel.arch.v1 import arch_pb2 as _arch_pb2
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

class Profile(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROFILE_UNSPECIFIED: _ClassVar[Profile]
    PROFILE_QUICK: _ClassVar[Profile]
    PROFILE_DEFAULT: _ClassVar[Profile]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_LIBRARY: _ClassVar[Stage]
    STAGE_SCORING: _ClassVar[Stage]
    STAGE_SOLVE: _ClassVar[Stage]
    STAGE_ASSEMBLY: _ClassVar[Stage]
    STAGE_GLOBAL_KD: _ClassVar[Stage]
    STAGE_EVALUATION: _ClassVar[Stage]
PROFILE_UNSPECIFIED: Profile
PROFILE_QUICK: Profile
PROFILE_DEFAULT: Profile
STAGE_UNSPECIFIED: Stage
STAGE_LIBRARY: Stage
STAGE_SCORING: Stage
STAGE_SOLVE: Stage
STAGE_ASSEMBLY: Stage
STAGE_GLOBAL_KD: Stage
STAGE_EVALUATION: Stage

class StageOptions(_message.Message):
    __slots__ = ("library_tokens", "held_out_tokens", "sequence_length", "timing_repeats", "evaluation_tokens", "cloze_items", "solve_time_limit_seconds")
    LIBRARY_TOKENS_FIELD_NUMBER: _ClassVar[int]
    HELD_OUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    TIMING_REPEATS_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CLOZE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SOLVE_TIME_LIMIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    library_tokens: int
    held_out_tokens: int
    sequence_length: int
    timing_repeats: int
    evaluation_tokens: int
    cloze_items: int
    solve_time_limit_seconds: float
    def __init__(self, library_tokens: _Optional[int] = ..., held_out_tokens: _Optional[int] = ..., sequence_length: _Optional[int] = ..., timing_repeats: _Optional[int] = ..., evaluation_tokens: _Optional[int] = ..., cloze_items: _Optional[int] = ..., solve_time_limit_seconds: _Optional[float] = ...) -> None: ...

class CompressionJobSpec(_message.Message):
    __slots__ = ("parent_model", "corpus", "scenario", "budget", "profile", "kd_tokens", "seed", "search_space", "options", "rules", "method", "method_seed")
    PARENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    KD_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    SEARCH_SPACE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    METHOD_SEED_FIELD_NUMBER: _ClassVar[int]
    parent_model: str
    corpus: str
    scenario: _scenario_pb2.Scenario
    budget: _arch_pb2.Budget
    profile: Profile
    kd_tokens: int
    seed: int
    search_space: _distill_pb2.SearchSpace
    options: StageOptions
    rules: _arch_pb2.LayerRules
    method: _arch_pb2.Method
    method_seed: int
    def __init__(self, parent_model: _Optional[str] = ..., corpus: _Optional[str] = ..., scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., budget: _Optional[_Union[_arch_pb2.Budget, _Mapping]] = ..., profile: _Optional[_Union[Profile, str]] = ..., kd_tokens: _Optional[int] = ..., seed: _Optional[int] = ..., search_space: _Optional[_Union[_distill_pb2.SearchSpace, _Mapping]] = ..., options: _Optional[_Union[StageOptions, _Mapping]] = ..., rules: _Optional[_Union[_arch_pb2.LayerRules, _Mapping]] = ..., method: _Optional[_Union[_arch_pb2.Method, str]] = ..., method_seed: _Optional[int] = ...) -> None: ...

class StageRecord(_message.Message):
    __slots__ = ("stage", "state", "job_id", "reused", "input_digest", "seconds")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REUSED_FIELD_NUMBER: _ClassVar[int]
    INPUT_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    state: _job_pb2.JobState
    job_id: str
    reused: bool
    input_digest: str
    seconds: float
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ..., job_id: _Optional[str] = ..., reused: _Optional[bool] = ..., input_digest: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class ModelEvaluation(_message.Message):
    __slots__ = ("params", "perplexity", "cloze_accuracy", "prefill_seconds", "decode_seconds_per_token", "decode_tokens_per_second", "latency_seconds", "throughput_tokens_per_second", "measurement_job_id")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    PERPLEXITY_FIELD_NUMBER: _ClassVar[int]
    CLOZE_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    PREFILL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DECODE_SECONDS_PER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DECODE_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    THROUGHPUT_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENT_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    params: int
    perplexity: float
    cloze_accuracy: float
    prefill_seconds: float
    decode_seconds_per_token: float
    decode_tokens_per_second: float
    latency_seconds: float
    throughput_tokens_per_second: float
    measurement_job_id: str
    def __init__(self, params: _Optional[int] = ..., perplexity: _Optional[float] = ..., cloze_accuracy: _Optional[float] = ..., prefill_seconds: _Optional[float] = ..., decode_seconds_per_token: _Optional[float] = ..., decode_tokens_per_second: _Optional[float] = ..., latency_seconds: _Optional[float] = ..., throughput_tokens_per_second: _Optional[float] = ..., measurement_job_id: _Optional[str] = ...) -> None: ...

class Evaluation(_message.Message):
    __slots__ = ("parent", "child", "kl", "top1_agreement", "prefill_speedup", "decode_speedup", "latency_speedup", "evaluation_tokens", "cloze_items", "split")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHILD_FIELD_NUMBER: _ClassVar[int]
    KL_FIELD_NUMBER: _ClassVar[int]
    TOP1_AGREEMENT_FIELD_NUMBER: _ClassVar[int]
    PREFILL_SPEEDUP_FIELD_NUMBER: _ClassVar[int]
    DECODE_SPEEDUP_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SPEEDUP_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CLOZE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    parent: ModelEvaluation
    child: ModelEvaluation
    kl: float
    top1_agreement: float
    prefill_speedup: float
    decode_speedup: float
    latency_speedup: float
    evaluation_tokens: int
    cloze_items: int
    split: str
    def __init__(self, parent: _Optional[_Union[ModelEvaluation, _Mapping]] = ..., child: _Optional[_Union[ModelEvaluation, _Mapping]] = ..., kl: _Optional[float] = ..., top1_agreement: _Optional[float] = ..., prefill_speedup: _Optional[float] = ..., decode_speedup: _Optional[float] = ..., latency_speedup: _Optional[float] = ..., evaluation_tokens: _Optional[int] = ..., cloze_items: _Optional[int] = ..., split: _Optional[str] = ...) -> None: ...

class CompressionJobResult(_message.Message):
    __slots__ = ("stages", "library", "scored_library", "solution", "assembled_model", "child_model", "evaluation", "report", "plot", "evaluation_json")
    STAGES_FIELD_NUMBER: _ClassVar[int]
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    ASSEMBLED_MODEL_FIELD_NUMBER: _ClassVar[int]
    CHILD_MODEL_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    PLOT_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_JSON_FIELD_NUMBER: _ClassVar[int]
    stages: _containers.RepeatedCompositeFieldContainer[StageRecord]
    library: _artifact_pb2.ArtifactRef
    scored_library: _artifact_pb2.ArtifactRef
    solution: _arch_pb2.Solution
    assembled_model: _artifact_pb2.ArtifactRef
    child_model: _artifact_pb2.ArtifactRef
    evaluation: Evaluation
    report: _artifact_pb2.ArtifactRef
    plot: _artifact_pb2.ArtifactRef
    evaluation_json: _artifact_pb2.ArtifactRef
    def __init__(self, stages: _Optional[_Iterable[_Union[StageRecord, _Mapping]]] = ..., library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., solution: _Optional[_Union[_arch_pb2.Solution, _Mapping]] = ..., assembled_model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., child_model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., evaluation: _Optional[_Union[Evaluation, _Mapping]] = ..., report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., plot: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., evaluation_json: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class CompressionJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: CompressionJobSpec
    result: CompressionJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[CompressionJobSpec, _Mapping]] = ..., result: _Optional[_Union[CompressionJobResult, _Mapping]] = ...) -> None: ...

class CreateCompressionJobRequest(_message.Message):
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
    spec: CompressionJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[CompressionJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCompressionJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: CompressionJob
    def __init__(self, job: _Optional[_Union[CompressionJob, _Mapping]] = ...) -> None: ...

class GetCompressionJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetCompressionJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: CompressionJob
    def __init__(self, job: _Optional[_Union[CompressionJob, _Mapping]] = ...) -> None: ...

class WatchCompressionJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchCompressionJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: CompressionJob
    def __init__(self, job: _Optional[_Union[CompressionJob, _Mapping]] = ...) -> None: ...

class CancelCompressionJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelCompressionJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: CompressionJob
    def __init__(self, job: _Optional[_Union[CompressionJob, _Mapping]] = ...) -> None: ...

class ListCompressionJobsRequest(_message.Message):
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

class ListCompressionJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[CompressionJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[CompressionJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
