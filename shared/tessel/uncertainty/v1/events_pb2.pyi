import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.uncertainty.v1 import uncertainty_pb2 as _uncertainty_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EstimationJobCompleted(_message.Message):
    __slots__ = ("job_id", "spec", "result", "time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    spec: _uncertainty_pb2.EstimationJobSpec
    result: _uncertainty_pb2.EstimationJobResult
    time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., spec: _Optional[_Union[_uncertainty_pb2.EstimationJobSpec, _Mapping]] = ..., result: _Optional[_Union[_uncertainty_pb2.EstimationJobResult, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
