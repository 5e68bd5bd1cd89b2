from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.common.v1 import scenario_pb2 as _scenario_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScoringJobSpec(_message.Message):
    __slots__ = ("library", "parent_model", "corpus", "scenarios")
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    PARENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    library: _artifact_pb2.ArtifactRef
    parent_model: str
    corpus: str
    scenarios: _containers.RepeatedCompositeFieldContainer[_scenario_pb2.Scenario]
    def __init__(self, library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., parent_model: _Optional[str] = ..., corpus: _Optional[str] = ..., scenarios: _Optional[_Iterable[_Union[_scenario_pb2.Scenario, _Mapping]]] = ...) -> None: ...

class ScoringJobResult(_message.Message):
    __slots__ = ("scores",)
    SCORES_FIELD_NUMBER: _ClassVar[int]
    scores: _artifact_pb2.ArtifactRef
    def __init__(self, scores: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

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
    spec: ScoringJobSpec
    labels: _containers.ScalarMap[str, str]
    def __init__(self, spec: _Optional[_Union[ScoringJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

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
    __slots__ = ("page", "state")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ...) -> None: ...

class ListScoringJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[ScoringJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[ScoringJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MeasurementJobSpec(_message.Message):
    __slots__ = ("architecture", "scenarios")
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    SCENARIOS_FIELD_NUMBER: _ClassVar[int]
    architecture: _artifact_pb2.ArtifactRef
    scenarios: _containers.RepeatedCompositeFieldContainer[_scenario_pb2.Scenario]
    def __init__(self, architecture: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenarios: _Optional[_Iterable[_Union[_scenario_pb2.Scenario, _Mapping]]] = ...) -> None: ...

class MeasurementJobResult(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: _artifact_pb2.ArtifactRef
    def __init__(self, report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

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
    spec: MeasurementJobSpec
    labels: _containers.ScalarMap[str, str]
    def __init__(self, spec: _Optional[_Union[MeasurementJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

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
    __slots__ = ("page", "state")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ...) -> None: ...

class ListMeasurementJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[MeasurementJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[MeasurementJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
