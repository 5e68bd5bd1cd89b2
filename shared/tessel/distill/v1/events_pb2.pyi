import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LibraryReady(_message.Message):
    __slots__ = ("job_id", "manifest", "time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    manifest: _artifact_pb2.ArtifactRef
    time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., manifest: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
