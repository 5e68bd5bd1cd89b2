from tessel.common.v1 import array_pb2 as _array_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Loss(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOSS_UNSPECIFIED: _ClassVar[Loss]
    LOSS_ZERO_ONE: _ClassVar[Loss]
    LOSS_CROSS_ENTROPY: _ClassVar[Loss]
    LOSS_ABSOLUTE: _ClassVar[Loss]
    LOSS_SQUARED: _ClassVar[Loss]

class BaselineSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BASELINE_SOURCE_UNSPECIFIED: _ClassVar[BaselineSource]
    BASELINE_SOURCE_EVALUATION_LABELS: _ClassVar[BaselineSource]
    BASELINE_SOURCE_TRAIN_LABELS: _ClassVar[BaselineSource]
LOSS_UNSPECIFIED: Loss
LOSS_ZERO_ONE: Loss
LOSS_CROSS_ENTROPY: Loss
LOSS_ABSOLUTE: Loss
LOSS_SQUARED: Loss
BASELINE_SOURCE_UNSPECIFIED: BaselineSource
BASELINE_SOURCE_EVALUATION_LABELS: BaselineSource
BASELINE_SOURCE_TRAIN_LABELS: BaselineSource

class ComputePredictionAdvantageRequest(_message.Message):
    __slots__ = ("loss", "labels", "predictions", "probabilities", "train_labels", "num_classes")
    LOSS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    TRAIN_LABELS_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASSES_FIELD_NUMBER: _ClassVar[int]
    loss: Loss
    labels: _array_pb2.Array
    predictions: _array_pb2.Array
    probabilities: _array_pb2.Array
    train_labels: _array_pb2.Array
    num_classes: int
    def __init__(self, loss: _Optional[_Union[Loss, str]] = ..., labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., probabilities: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., train_labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., num_classes: _Optional[int] = ...) -> None: ...

class PredictionAdvantageReport(_message.Message):
    __slots__ = ("loss", "prediction_advantage", "risk", "baseline_risk", "n", "baseline_source", "report_id")
    LOSS_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_ADVANTAGE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    BASELINE_RISK_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    BASELINE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    loss: Loss
    prediction_advantage: float
    risk: float
    baseline_risk: float
    n: int
    baseline_source: BaselineSource
    report_id: str
    def __init__(self, loss: _Optional[_Union[Loss, str]] = ..., prediction_advantage: _Optional[float] = ..., risk: _Optional[float] = ..., baseline_risk: _Optional[float] = ..., n: _Optional[int] = ..., baseline_source: _Optional[_Union[BaselineSource, str]] = ..., report_id: _Optional[str] = ...) -> None: ...

class ComputePredictionAdvantageResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: PredictionAdvantageReport
    def __init__(self, report: _Optional[_Union[PredictionAdvantageReport, _Mapping]] = ...) -> None: ...

class ComputeRiskCoverageRequest(_message.Message):
    __slots__ = ("labels", "predictions", "confidence", "loss", "coverage", "risk", "max_curve_points")
    LABELS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    MAX_CURVE_POINTS_FIELD_NUMBER: _ClassVar[int]
    labels: _array_pb2.Array
    predictions: _array_pb2.Array
    confidence: _array_pb2.Array
    loss: Loss
    coverage: float
    risk: float
    max_curve_points: int
    def __init__(self, labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., loss: _Optional[_Union[Loss, str]] = ..., coverage: _Optional[float] = ..., risk: _Optional[float] = ..., max_curve_points: _Optional[int] = ...) -> None: ...

class RiskCoverageReport(_message.Message):
    __slots__ = ("loss", "n", "aurc", "e_aurc", "optimal_aurc", "error_rate", "curve_coverage", "curve_risk", "curve_threshold", "risk_at_coverage", "coverage_at_risk", "report_id")
    LOSS_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    AURC_FIELD_NUMBER: _ClassVar[int]
    E_AURC_FIELD_NUMBER: _ClassVar[int]
    OPTIMAL_AURC_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    CURVE_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    CURVE_RISK_FIELD_NUMBER: _ClassVar[int]
    CURVE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    RISK_AT_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_AT_RISK_FIELD_NUMBER: _ClassVar[int]
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    loss: Loss
    n: int
    aurc: float
    e_aurc: float
    optimal_aurc: float
    error_rate: float
    curve_coverage: _containers.RepeatedScalarFieldContainer[float]
    curve_risk: _containers.RepeatedScalarFieldContainer[float]
    curve_threshold: _containers.RepeatedScalarFieldContainer[float]
    risk_at_coverage: float
    coverage_at_risk: float
    report_id: str
    def __init__(self, loss: _Optional[_Union[Loss, str]] = ..., n: _Optional[int] = ..., aurc: _Optional[float] = ..., e_aurc: _Optional[float] = ..., optimal_aurc: _Optional[float] = ..., error_rate: _Optional[float] = ..., curve_coverage: _Optional[_Iterable[float]] = ..., curve_risk: _Optional[_Iterable[float]] = ..., curve_threshold: _Optional[_Iterable[float]] = ..., risk_at_coverage: _Optional[float] = ..., coverage_at_risk: _Optional[float] = ..., report_id: _Optional[str] = ...) -> None: ...

class ComputeRiskCoverageResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: RiskCoverageReport
    def __init__(self, report: _Optional[_Union[RiskCoverageReport, _Mapping]] = ...) -> None: ...
