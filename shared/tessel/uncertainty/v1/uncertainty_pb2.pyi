from tessel.common.v1 import array_pb2 as _array_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EstimationJobSpec(_message.Message):
    __slots__ = ("model", "dataset")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    model: _artifact_pb2.ArtifactRef
    dataset: str
    def __init__(self, model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., dataset: _Optional[str] = ...) -> None: ...

class EstimationJobResult(_message.Message):
    __slots__ = ("predictions", "confidence")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    predictions: _artifact_pb2.ArtifactRef
    confidence: _artifact_pb2.ArtifactRef
    def __init__(self, predictions: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., confidence: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ...) -> None: ...

class EstimationJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: EstimationJobSpec
    result: EstimationJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[EstimationJobSpec, _Mapping]] = ..., result: _Optional[_Union[EstimationJobResult, _Mapping]] = ...) -> None: ...

class CreateEstimationJobRequest(_message.Message):
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
    spec: EstimationJobSpec
    labels: _containers.ScalarMap[str, str]
    def __init__(self, spec: _Optional[_Union[EstimationJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class GetEstimationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class WatchEstimationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class CancelEstimationJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class ListEstimationJobsRequest(_message.Message):
    __slots__ = ("page", "state")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ...) -> None: ...

class ListEstimationJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[EstimationJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[EstimationJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EstimateConfidenceRequest(_message.Message):
    __slots__ = ("logits",)
    LOGITS_FIELD_NUMBER: _ClassVar[int]
    logits: _array_pb2.Array
    def __init__(self, logits: _Optional[_Union[_array_pb2.Array, _Mapping]] = ...) -> None: ...

class EstimateConfidenceResponse(_message.Message):
    __slots__ = ("predictions", "confidence")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    predictions: _array_pb2.Array
    confidence: _array_pb2.Array
    def __init__(self, predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ...) -> None: ...
