import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.compress.v1 import compress_pb2 as _compress_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChildEvaluated(_message.Message):
    __slots__ = ("job_id", "child_model", "evaluation", "report", "time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    CHILD_MODEL_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    child_model: _artifact_pb2.ArtifactRef
    evaluation: _compress_pb2.Evaluation
    report: _artifact_pb2.ArtifactRef
    time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., child_model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., evaluation: _Optional[_Union[_compress_pb2.Evaluation, _Mapping]] = ..., report: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
