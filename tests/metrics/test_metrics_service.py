"""The metrics service in-process on port 0 against a real nats-server: numbers, status codes, events."""

from __future__ import annotations

import asyncio

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tessel.client.metrics import MetricsClient
from tessel.common.v1 import array_pb2
from tessel.metrics.v1 import events_pb2, metrics_pb2, metrics_pb2_grpc
from tessel.runtime.arrays import array_to_proto
from tessel_metrics.service import DEFINITION

pytestmark = pytest.mark.nats


@pytest.fixture
async def metrics_service(start):
    return await start(DEFINITION)


async def test_health_is_serving_for_the_service_and_overall(metrics_service):
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in ["", "tessel.metrics.v1.MetricsService"]:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(metrics_service):
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = [s.name async for reply in replies for s in reply.list_services_response.service]
    assert "tessel.metrics.v1.MetricsService" in names
    assert "grpc.health.v1.Health" in names


async def test_prediction_advantage_zero_one_matches_hand_computation(metrics_service):
    labels = np.array([0, 0, 0, 1, 1, 2])  # majority 0: baseline error 3/6
    predictions = np.array([0, 0, 1, 1, 1, 2])  # one mistake: risk 1/6
    async with MetricsClient(metrics_service.address) as client:
        report = await client.prediction_advantage("zero_one", labels, predictions=predictions)
    assert report.risk == pytest.approx(1 / 6)
    assert report.baseline_risk == pytest.approx(0.5)
    assert report.prediction_advantage == pytest.approx(1 - (1 / 6) / 0.5)
    assert report.n == 6


async def test_risk_coverage_returns_curve_and_requested_points(metrics_service):
    labels = np.array([1, 1, 0, 0])
    predictions = np.array([1, 0, 0, 1])  # errors at index 1 and 3
    confidence = np.array([0.9, 0.8, 0.7, 0.1])
    async with MetricsClient(metrics_service.address) as client:
        report = await client.risk_coverage(labels, predictions, confidence, coverage=0.5, risk=0.0)
    assert list(report.curve_risk) == pytest.approx([0.0, 0.5, 1 / 3, 0.5])
    assert report.aurc == pytest.approx(np.mean([0.0, 0.5, 1 / 3, 0.5]))
    assert report.risk_at_coverage == pytest.approx(0.5)
    assert report.coverage_at_risk == pytest.approx(0.25)


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda r: r.labels.CopyFrom(array_to_proto(np.array([0, 1, 1]))), "predictions"),
        (lambda r: r.predictions.CopyFrom(array_to_proto(np.array([0.5, 1.0, np.nan, 0.0]))), "predictions"),
        (lambda r: r.labels.CopyFrom(array_to_proto(np.array([], dtype=np.int64))), "labels"),
        (lambda r: r.labels.CopyFrom(array_to_proto(np.array([0.0, 1.0, 1.0, 0.0]))), "labels"),
        (lambda r: r.labels.CopyFrom(array_to_proto(np.array([0, 1, 7, 0]))), "labels"),
        (lambda r: r.ClearField("labels"), "labels"),
        (lambda r: r.labels.CopyFrom(array_pb2.Array(dtype=array_pb2.D_TYPE_INT64, shape=[4], data=b"xx")), "labels.data"),
    ],
    ids=["length-mismatch", "nan", "empty", "float-labels", "label-out-of-range", "missing", "bad-bytes"],
)
async def test_bad_input_is_invalid_argument_naming_the_field(metrics_service, mutate, field):
    request = metrics_pb2.ComputePredictionAdvantageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE, labels=array_to_proto(np.array([0, 1, 1, 0])),
        predictions=array_to_proto(np.array([0, 1, 0, 0])), num_classes=3,
    )
    mutate(request)
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await metrics_pb2_grpc.MetricsServiceStub(channel).ComputePredictionAdvantage(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith(f"{field}:")


async def test_probabilities_that_do_not_sum_to_one_are_rejected(metrics_service):
    async with MetricsClient(metrics_service.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await client.prediction_advantage(
                "cross_entropy", np.array([0, 1]), probabilities=np.array([[0.5, 0.6], [0.2, 0.8]])
            )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "probabilities: row 0 sums to 1.1" in caught.value.details()


async def test_unspecified_loss_is_rejected(metrics_service):
    request = metrics_pb2.ComputePredictionAdvantageRequest(labels=array_to_proto(np.array([0, 1])))
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await metrics_pb2_grpc.MetricsServiceStub(channel).ComputePredictionAdvantage(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("loss:")


async def test_each_report_publishes_an_event(metrics_service):
    received: asyncio.Queue = asyncio.Queue()

    async def collect(msg):
        await received.put(msg)

    messaging = metrics_service.runtime.messaging
    await messaging.subscribe("tessel.metrics.v1.>", collect)
    async with MetricsClient(metrics_service.address) as client:
        report = await client.prediction_advantage("squared", np.array([1.0, 2.0, 4.0]), predictions=np.array([1.0, 2.5, 3.0]))
    msg = await asyncio.wait_for(received.get(), timeout=5)
    assert msg.subject == "tessel.metrics.v1.prediction_advantage_computed"
    assert msg.headers["Tessel-Msg-Type"] == "tessel.metrics.v1.PredictionAdvantageComputed"
    event = events_pb2.PredictionAdvantageComputed.FromString(msg.data)
    assert event.report.report_id == report.report_id
    assert event.report.prediction_advantage == pytest.approx(report.prediction_advantage)


async def test_large_arrays_travel_inline_up_to_a_million_points(metrics_service):
    rng = np.random.default_rng(0)
    n = 1_000_000
    labels = rng.integers(0, 10, n)
    predictions = np.where(rng.random(n) < 0.8, labels, (labels + 1) % 10)
    confidence = rng.random(n).astype(np.float32)
    async with MetricsClient(metrics_service.address) as client:
        report = await client.risk_coverage(labels, predictions, confidence, max_curve_points=10)
    assert report.n == n
    assert report.error_rate == pytest.approx(np.mean(labels != predictions))
    assert len(report.curve_risk) == 10
