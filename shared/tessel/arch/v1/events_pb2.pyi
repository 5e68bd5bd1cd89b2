import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.arch.v1 import arch_pb2 as _arch_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ArchitectureSolved(_message.Message):
    __slots__ = ("solution", "scored_library", "budget", "time")
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    solution: _arch_pb2.Solution
    scored_library: _artifact_pb2.ArtifactRef
    budget: _arch_pb2.Budget
    time: _timestamp_pb2.Timestamp
    def __init__(self, solution: _Optional[_Union[_arch_pb2.Solution, _Mapping]] = ..., scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., budget: _Optional[_Union[_arch_pb2.Budget, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChildAssembled(_message.Message):
    __slots__ = ("job_id", "solution", "model", "time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    solution: _artifact_pb2.ArtifactRef
    model: _artifact_pb2.ArtifactRef
    time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., solution: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
