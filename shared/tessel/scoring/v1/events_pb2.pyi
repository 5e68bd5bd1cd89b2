import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.scoring.v1 import scoring_pb2 as _scoring_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LibraryScored(_message.Message):
    __slots__ = ("job_id", "library", "scored_libraries", "report", "time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SCORED_LIBRARIES_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    library: _artifact_pb2.ArtifactRef
    scored_libraries: _containers.RepeatedCompositeFieldContainer[_scoring_pb2.ScoredLibraryRef]
    report: _artifact_pb2.ArtifactRef
    time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scored_libraries: _Optional[_Iterable[_Union[_scoring_pb2.ScoredLibraryRef, _Mapping]]] = ..., report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
