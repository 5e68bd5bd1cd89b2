import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from tessel.metrics.v1 import metrics_pb2 as _metrics_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PredictionAdvantageComputed(_message.Message):
    __slots__ = ("report", "time")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    report: _metrics_pb2.PredictionAdvantageReport
    time: _timestamp_pb2.Timestamp
    def __init__(self, report: _Optional[_Union[_metrics_pb2.PredictionAdvantageReport, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RiskCoverageComputed(_message.Message):
    __slots__ = ("report", "time")
    REPORT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    report: _metrics_pb2.RiskCoverageReport
    time: _timestamp_pb2.Timestamp
    def __init__(self, report: _Optional[_Union[_metrics_pb2.RiskCoverageReport, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
