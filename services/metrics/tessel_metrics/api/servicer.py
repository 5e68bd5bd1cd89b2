"""MetricsService: decode arrays, call the core, encode the report, publish an event."""

from __future__ import annotations

from tessel.runtime.cpu import run_cpu

import uuid

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.metrics.v1 import events_pb2, metrics_pb2, metrics_pb2_grpc
from tessel.runtime.arrays import array_from_proto
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.messaging import Messaging
from tessel_metrics.core.advantage import Loss, prediction_advantage
from tessel_metrics.core.risk_coverage import downsample, per_example_loss, risk_coverage

PREDICTION_ADVANTAGE_SUBJECT = "tessel.metrics.v1.prediction_advantage_computed"
RISK_COVERAGE_SUBJECT = "tessel.metrics.v1.risk_coverage_computed"

_LOSSES = {
    metrics_pb2.LOSS_ZERO_ONE: Loss.ZERO_ONE,
    metrics_pb2.LOSS_CROSS_ENTROPY: Loss.CROSS_ENTROPY,
    metrics_pb2.LOSS_ABSOLUTE: Loss.ABSOLUTE,
    metrics_pb2.LOSS_SQUARED: Loss.SQUARED,
}
_LOSS_CODES = {loss: code for code, loss in _LOSSES.items()}


class MetricsServicer(metrics_pb2_grpc.MetricsServiceServicer):
    def __init__(self, messaging: Messaging, artifacts: ArtifactStore) -> None:
        self._messaging = messaging
        self._artifacts = artifacts

    # Decoding (possibly an artifact read) and the metric itself are CPU/IO work: they run in a worker
    # thread so one large request never stalls the event loop (health checks, other callers).
    async def ComputePredictionAdvantage(self, request, context):
        message = await run_cpu(self._prediction_advantage, request)
        await self._messaging.publish(
            PREDICTION_ADVANTAGE_SUBJECT,
            events_pb2.PredictionAdvantageComputed(report=message, time=_now()),
            msg_id=message.report_id,
        )
        return metrics_pb2.ComputePredictionAdvantageResponse(report=message)

    def _prediction_advantage(self, request) -> metrics_pb2.PredictionAdvantageReport:
        if request.loss not in _LOSSES:
            raise InvalidArgument("must be one of zero_one, cross_entropy, absolute, squared", field="loss")
        loss = _LOSSES[request.loss]
        report = prediction_advantage(
            loss,
            self._array(request, "labels"),
            predictions=self._array(request, "predictions", optional=True),
            probabilities=self._array(request, "probabilities", optional=True),
            train_labels=self._array(request, "train_labels", optional=True),
            num_classes=request.num_classes,
        )
        message = metrics_pb2.PredictionAdvantageReport(
            loss=request.loss, prediction_advantage=report.prediction_advantage, risk=report.risk,
            baseline_risk=report.baseline_risk, n=report.n, report_id=uuid.uuid4().hex,
            baseline_source=metrics_pb2.BASELINE_SOURCE_TRAIN_LABELS if report.baseline_from_train_labels
            else metrics_pb2.BASELINE_SOURCE_EVALUATION_LABELS,
        )
        return message

    async def ComputeRiskCoverage(self, request, context):
        scalars, report = await run_cpu(self._risk_coverage, request)
        await self._messaging.publish(
            RISK_COVERAGE_SUBJECT, events_pb2.RiskCoverageComputed(report=scalars, time=_now()),
            msg_id=scalars.report_id,
        )
        return metrics_pb2.ComputeRiskCoverageResponse(report=report)

    def _risk_coverage(self, request) -> tuple[metrics_pb2.RiskCoverageReport, metrics_pb2.RiskCoverageReport]:
        if request.loss and request.loss not in _LOSSES:
            raise InvalidArgument("must be one of zero_one, absolute, squared", field="loss")
        loss = _LOSSES.get(request.loss, Loss.ZERO_ONE)
        losses = per_example_loss(loss, self._array(request, "labels"), self._array(request, "predictions"))
        curve = risk_coverage(
            losses,
            self._array(request, "confidence"),
            loss=loss,
            coverage=request.coverage if request.HasField("coverage") else None,
            risk=request.risk if request.HasField("risk") else None,
        )
        coverage, risk, threshold = downsample(curve, request.max_curve_points)
        scalars = metrics_pb2.RiskCoverageReport(
            loss=_LOSS_CODES[loss], n=curve.n, aurc=curve.aurc, e_aurc=curve.e_aurc,
            optimal_aurc=curve.optimal_aurc, error_rate=curve.error_rate, report_id=uuid.uuid4().hex,
        )
        if curve.risk_at_coverage is not None:
            scalars.risk_at_coverage = curve.risk_at_coverage
        if curve.coverage_at_risk is not None:
            scalars.coverage_at_risk = curve.coverage_at_risk
        report = metrics_pb2.RiskCoverageReport()
        report.CopyFrom(scalars)
        report.curve_coverage.extend(coverage.tolist())
        report.curve_risk.extend(risk.tolist())
        report.curve_threshold.extend(threshold.tolist())
        return scalars, report

    def _array(self, request, field: str, *, optional: bool = False):
        if optional and not request.HasField(field):
            return None
        return array_from_proto(getattr(request, field), field=field, artifacts=self._artifacts)


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp
