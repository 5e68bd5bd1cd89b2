import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.active.v1 import active_pb2 as _active_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SessionRoundCompleted(_message.Message):
    __slots__ = ("session_id", "spec", "round", "queried_indices", "time")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    QUERIED_INDICES_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    spec: _active_pb2.SessionSpec
    round: _active_pb2.Round
    queried_indices: _containers.RepeatedScalarFieldContainer[int]
    time: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., spec: _Optional[_Union[_active_pb2.SessionSpec, _Mapping]] = ..., round: _Optional[_Union[_active_pb2.Round, _Mapping]] = ..., queried_indices: _Optional[_Iterable[int]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
