"""The selective-trainer in-process on port 0 against a real nats-server: CertifyRisk, a training job, events."""

from __future__ import annotations

import asyncio
import json

import grpc
import numpy as np
import pytest
from click.testing import CliRunner

from tessel.client.selective_trainer import SelectiveTrainerClient
from tessel.common.v1 import job_pb2
from tessel.runtime.arrays import array_to_proto
from tessel.runtime.messaging import Messaging
from tessel.runtime.rpc_errors import field_violations
from tessel.training.v1 import events_pb2, training_pb2, training_pb2_grpc
from tessel.zoo import model_from_bytes
from tessel_selective_trainer.api import jobs as job_handler
from tessel_selective_trainer.service import DEFINITION

pytestmark = pytest.mark.nats


@pytest.fixture
async def service(start, digits, monkeypatch):
    # the dataset registry is exercised by its own tests; here the job reads the digits splits
    monkeypatch.setattr(job_handler, "load_splits", lambda spec: digits)
    return await start(DEFINITION)


async def _next_event(settings, subject: str, message_type, action):
    messaging = await Messaging.connect(settings.nats_url, name="test")
    received: asyncio.Queue = asyncio.Queue()
    subscription = await messaging.client.subscribe(subject, cb=received.put)
    try:
        result = await action()
        msg = await asyncio.wait_for(received.get(), 60)
        return result, message_type.FromString(msg.data)
    finally:
        await subscription.unsubscribe()
        await messaging.close()


async def test_certify_risk_answers_and_publishes(service, settings):
    rng = np.random.default_rng(0)
    kappa = rng.random(4000)
    errors = (rng.random(4000) < 0.3 * (1 - kappa)).astype(np.int64)

    async def call():
        async with SelectiveTrainerClient(service.address) as client:
            return await client.certify_risk(kappa, errors, risk_target=0.05, delta=0.001)

    certificate, event = await _next_event(settings, "tessel.training.v1.risk_certified", events_pb2.RiskCertified, call)
    assert certificate.feasible and certificate.tests == 12 and certificate.bound < 0.05
    assert certificate.covered_count == (kappa >= certificate.threshold).sum()
    assert event.certificate == certificate


async def test_infeasible_is_an_answer(service):
    async with SelectiveTrainerClient(service.address) as client:
        certificate = await client.certify_risk(np.linspace(0, 1, 100), np.zeros(100), risk_target=0.01, delta=0.001,
                                                method="fixed-sequence")
    assert not certificate.feasible and certificate.min_achievable_bound > 0.01


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (dict(risk_target=1.5), "risk_target"),
        (dict(delta=0.0), "delta"),
        (dict(errors=array_to_proto(np.array([0, 1]))), "errors"),
        (dict(errors=array_to_proto(np.array([0.0, 0.3, 1.0]))), "errors"),
        (dict(confidence=array_to_proto(np.array([0.1, np.nan, 0.2]))), "confidence"),
    ],
)
async def test_bad_certify_requests_are_invalid_argument(service, change, field):
    request = training_pb2.CertifyRiskRequest(
        confidence=array_to_proto(np.array([0.1, 0.5, 0.9])), errors=array_to_proto(np.array([1, 0, 0])),
        risk_target=0.1, delta=0.01,
    )
    for name, value in change.items():
        if isinstance(value, float):
            setattr(request, name, value)
        else:
            getattr(request, name).CopyFrom(value)
    async with grpc.aio.insecure_channel(service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await training_pb2_grpc.SelectiveTrainerServiceStub(channel).CertifyRisk(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in raised.value.details()
    assert [v.field for v in field_violations(raised.value)] == [field]


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (training_pb2.TrainingJobSpec(dataset="digits", objective=training_pb2.OBJECTIVE_SELECTIVENET,
                                      backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP)),
         "spec.selectivenet.target_coverage"),
        (training_pb2.TrainingJobSpec(dataset="no-such-dataset"), "spec.dataset"),  # known at Create, not in the job
    ],
)
async def test_create_refuses_a_bad_spec(service, spec, field):
    async with SelectiveTrainerClient(service.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.create(spec)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == [field]


async def test_selectivenet_training_job_end_to_end(service, settings):
    from tessel.runtime.artifacts import ArtifactStore

    spec = training_pb2.TrainingJobSpec(
        dataset="digits", seed=1, objective=training_pb2.OBJECTIVE_SELECTIVENET,
        backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP, hidden_sizes=[64]),
        selectivenet=training_pb2.SelectiveNetOptions(target_coverage=0.8), max_epochs=4, learning_rate=0.01,
        device="cpu",
    )

    async def run():
        async with SelectiveTrainerClient(service.address) as client:
            return await client.submit_and_watch(spec)

    record, event = await _next_event(settings, "tessel.training.v1.training_job_completed",
                                      events_pb2.TrainingJobCompleted, run)
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED, record.job.error.reason
    result = record.result
    assert event.job_id == record.job.id and event.result == result
    assert len(result.snapshots) == result.epochs_run == 4
    assert result.calibration_coverage == pytest.approx(0.8, abs=0.01) and 0.6 < result.test_coverage < 0.95
    assert [(u.step, u.split) for u in result.split_uses][1:3] == [
        ("choose epoch", "validation (epoch-selection part)"), ("calibrate selection threshold",
                                                               "validation (calibration part)")]
    store = ArtifactStore(settings.artifacts_root)
    head = np.load(store.fetch(result.test_selection_head))
    assert np.load(store.fetch(result.test_softmax_response)).shape == head.shape
    model = model_from_bytes(store.get_bytes(result.model))
    assert model.config.num_outputs == 10
    confidence = np.load(store.fetch(result.test_confidence))
    losses = np.load(store.fetch(result.test_losses))
    assert result.test_coverage == pytest.approx((confidence >= result.selection_threshold).mean())
    assert result.test_risk == pytest.approx(losses.mean())
    assert [p.coverage for p in result.test_risk_coverage][:3] == pytest.approx([1.0, 0.95, 0.9])


async def test_cli_sgr_prints_the_certificate(service, tmp_path, monkeypatch):
    from tessel.cli.selective import selective

    rng = np.random.default_rng(1)
    kappa = rng.random(2000)
    np.save(tmp_path / "c.npy", kappa)
    np.save(tmp_path / "e.npy", (rng.random(2000) < 0.3 * (1 - kappa)).astype(np.int8))
    monkeypatch.setenv("TESSEL_SELECTIVE_TRAINER_ADDRESS", service.address)
    runner = CliRunner()
    args = ["sgr", "--confidence", str(tmp_path / "c.npy"), "--errors", str(tmp_path / "e.npy")]

    def invoke(extra):
        return runner.invoke(selective, [*args, *extra])

    ok = await asyncio.to_thread(invoke, ["--risk", "0.08", "--delta", "0.001", "--json"])
    assert ok.exit_code == 0, ok.output

    document = json.loads(ok.output)
    assert {"feasible", "threshold", "coverage", "selective_risk", "bound", "risk_target", "delta", "tests",
            "min_achievable_bound"} <= document.keys()
    assert document["feasible"] and document["bound"] < 0.08 and document["tests"] == 11
    infeasible = await asyncio.to_thread(invoke, ["--risk", "0.001"])
    assert infeasible.exit_code == 0 and "infeasible" in infeasible.output
