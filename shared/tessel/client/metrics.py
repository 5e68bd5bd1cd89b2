"""Client of the metrics service: numpy arrays in, report messages out."""

from __future__ import annotations

import numpy as np

from tessel.client.base import ServiceClient, encode_array
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc

LOSSES = {
    "zero_one": metrics_pb2.LOSS_ZERO_ONE,
    "cross_entropy": metrics_pb2.LOSS_CROSS_ENTROPY,
    "absolute": metrics_pb2.LOSS_ABSOLUTE,
    "squared": metrics_pb2.LOSS_SQUARED,
}


class MetricsClient(ServiceClient):
    service_name = "metrics"
    stub_type = metrics_pb2_grpc.MetricsServiceStub

    async def prediction_advantage(
        self,
        loss: str,
        labels: np.ndarray,
        *,
        predictions: np.ndarray | None = None,
        probabilities: np.ndarray | None = None,
        train_labels: np.ndarray | None = None,
        num_classes: int = 0,
    ) -> metrics_pb2.PredictionAdvantageReport:
        request = metrics_pb2.ComputePredictionAdvantageRequest(
            loss=LOSSES[loss], labels=encode_array(labels), num_classes=num_classes
        )
        for field, values in (("predictions", predictions), ("probabilities", probabilities), ("train_labels", train_labels)):
            if values is not None:
                getattr(request, field).CopyFrom(encode_array(values))
        return (await self.stub.ComputePredictionAdvantage(request)).report

    async def risk_coverage(
        self,
        labels: np.ndarray,
        predictions: np.ndarray,
        confidence: np.ndarray,
        *,
        loss: str = "zero_one",
        coverage: float | None = None,
        risk: float | None = None,
        max_curve_points: int = 0,
    ) -> metrics_pb2.RiskCoverageReport:
        request = metrics_pb2.ComputeRiskCoverageRequest(
            labels=encode_array(labels), predictions=encode_array(predictions),
            confidence=encode_array(confidence), loss=LOSSES[loss], coverage=coverage, risk=risk,
            max_curve_points=max_curve_points,
        )
        return (await self.stub.ComputeRiskCoverage(request)).report
