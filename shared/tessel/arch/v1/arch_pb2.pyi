from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.common.v1 import scenario_pb2 as _scenario_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssemblyJobSpec(_message.Message):
    __slots__ = ("library", "solution")
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    library: _artifact_pb2.ArtifactRef
    solution: _artifact_pb2.ArtifactRef
    def __init__(self, library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., solution: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class AssemblyJobResult(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: _artifact_pb2.ArtifactRef
    def __init__(self, model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class AssemblyJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: AssemblyJobSpec
    result: AssemblyJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[AssemblyJobSpec, _Mapping]] = ..., result: _Optional[_Union[AssemblyJobResult, _Mapping]] = ...) -> None: ...

class CreateAssemblyJobRequest(_message.Message):
    __slots__ = ("spec", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    spec: AssemblyJobSpec
    labels: _containers.ScalarMap[str, str]
    def __init__(self, spec: _Optional[_Union[AssemblyJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class GetAssemblyJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class WatchAssemblyJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class CancelAssemblyJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class ListAssemblyJobsRequest(_message.Message):
    __slots__ = ("page", "state")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ...) -> None: ...

class ListAssemblyJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[AssemblyJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[AssemblyJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Budget(_message.Message):
    __slots__ = ("min_throughput_tokens_per_second", "max_latency_seconds", "max_memory_bytes")
    MIN_THROUGHPUT_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    min_throughput_tokens_per_second: float
    max_latency_seconds: float
    max_memory_bytes: int
    def __init__(self, min_throughput_tokens_per_second: _Optional[float] = ..., max_latency_seconds: _Optional[float] = ..., max_memory_bytes: _Optional[int] = ...) -> None: ...

class Solution(_message.Message):
    __slots__ = ("variant_ids", "objective", "artifact")
    VARIANT_IDS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    variant_ids: _containers.RepeatedScalarFieldContainer[str]
    objective: float
    artifact: _artifact_pb2.ArtifactRef
    def __init__(self, variant_ids: _Optional[_Iterable[str]] = ..., objective: _Optional[float] = ..., artifact: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class SolveRequest(_message.Message):
    __slots__ = ("scores", "scenario", "budget")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    scores: _artifact_pb2.ArtifactRef
    scenario: _scenario_pb2.Scenario
    budget: Budget
    def __init__(self, scores: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class SolveResponse(_message.Message):
    __slots__ = ("solution",)
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    solution: Solution
    def __init__(self, solution: _Optional[_Union[Solution, _Mapping]] = ...) -> None: ...

class SolveSweepRequest(_message.Message):
    __slots__ = ("scores", "scenario", "budgets")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    scores: _artifact_pb2.ArtifactRef
    scenario: _scenario_pb2.Scenario
    budgets: _containers.RepeatedCompositeFieldContainer[Budget]
    def __init__(self, scores: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., budgets: _Optional[_Iterable[_Union[Budget, _Mapping]]] = ...) -> None: ...

class SolveSweepResponse(_message.Message):
    __slots__ = ("solutions",)
    SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    solutions: _containers.RepeatedCompositeFieldContainer[Solution]
    def __init__(self, solutions: _Optional[_Iterable[_Union[Solution, _Mapping]]] = ...) -> None: ...
