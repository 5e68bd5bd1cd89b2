"""NATS goes away under a running service and comes back on the same port: while it is away the job
calls answer UNAVAILABLE at once and health says NOT_SERVING; afterwards both recover, and a job whose
work message was lost in the outage runs after the reconnect."""

from __future__ import annotations

import asyncio
import time

import grpc
import nats.errors
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import WorkQueuePolicy
from tessel.runtime.settings import get_settings
from tessel.scoring.v1 import scoring_pb2
from tessel.training.v1 import training_pb2, training_pb2_grpc

pytestmark = pytest.mark.nats
TRAINER = "tessel.training.v1.SelectiveTrainerService"


@pytest.fixture
def own_settings(own_nats, tmp_path, monkeypatch):
    monkeypatch.setenv("TESSEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSEL_NATS_URL", own_nats.url)
    monkeypatch.setenv("TESSEL_GRPC_HOST", "127.0.0.1")
    monkeypatch.setenv("TESSEL_GRPC_PORT", "0")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


async def health_of(channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return (await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)).status


async def eventually(predicate, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = await predicate()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)


async def test_outage_answers_unavailable_fast_and_health_follows_nats(own_nats, own_settings):
    from tessel.runtime.server import start_service
    from tessel_selective_trainer.service import DEFINITION

    service = await start_service(DEFINITION, own_settings)
    unknown = training_pb2.GetTrainingJobRequest(id="0000000000001-deadbeef")
    create = training_pb2.CreateTrainingJobRequest(spec=training_pb2.TrainingJobSpec(
        dataset="mnist1d", max_epochs=1, backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP),
    ))
    try:
        async with grpc.aio.insecure_channel(service.address) as channel:
            stub = training_pb2_grpc.SelectiveTrainerServiceStub(channel)
            assert await health_of(channel) == health_pb2.HealthCheckResponse.SERVING
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.GetTrainingJob(unknown, timeout=10)
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND

            own_nats.stop()

            async def not_serving():
                return all(await asyncio.gather(*(
                    _is(health_of(channel, name), health_pb2.HealthCheckResponse.NOT_SERVING) for name in ("", TRAINER)
                )))

            assert await eventually(not_serving, 10)
            for call, request in [(stub.GetTrainingJob, unknown), (stub.CreateTrainingJob, create),
                                  (stub.ListTrainingJobs, training_pb2.ListTrainingJobsRequest()),
                                  (stub.CancelTrainingJob, training_pb2.CancelTrainingJobRequest(id=unknown.id))]:
                started = time.monotonic()
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await call(request, timeout=10)
                elapsed = time.monotonic() - started
                assert caught.value.code() == grpc.StatusCode.UNAVAILABLE, caught.value.details()
                assert elapsed < 1.0, f"{call} took {elapsed:.2f} s to say UNAVAILABLE"

            own_nats.start()

            async def serving():
                return await _is(health_of(channel), health_pb2.HealthCheckResponse.SERVING)

            assert await eventually(serving, 15)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await stub.GetTrainingJob(unknown, timeout=10)
            assert caught.value.code() == grpc.StatusCode.NOT_FOUND
            created = (await stub.CreateTrainingJob(create, timeout=10)).job
            assert created.job.state == job_pb2.JOB_STATE_QUEUED
            await stub.CancelTrainingJob(training_pb2.CancelTrainingJobRequest(id=created.job.id), timeout=10)
    finally:
        await service.stop()


async def _is(status, wanted) -> bool:
    try:
        return await status == wanted
    except grpc.aio.AioRpcError:
        return False


async def test_a_job_whose_work_was_lost_in_an_outage_runs_after_the_reconnect(own_nats, connect, service, tmp_path,
                                                                               monkeypatch):
    runs = []

    async def run(ctx, job_spec):
        runs.append(ctx.job_id)

    messaging = await connect(own_nats.url)
    jobs = JobManager(
        service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=messaging,
        artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=WorkQueuePolicy(1.0, 2),
        reconcile_interval_seconds=3600, reconcile_min_age_seconds=0.0,  # only the reconnect can revive it
    )
    await jobs.start()
    real = messaging.submit_work

    async def lost(*args, **kwargs):  # the record is written, then NATS drops before the publish
        monkeypatch.setattr(messaging, "submit_work", real)
        own_nats.stop()
        raise nats.errors.TimeoutError

    monkeypatch.setattr(messaging, "submit_work", lost)
    with pytest.raises(nats.errors.TimeoutError):
        await jobs.create(scoring_pb2.ScoringJobSpec(parent_model="tiny-llama", corpus="corpus"))
    own_nats.start()
    await eventually(lambda: _true(messaging.connected), 15)

    async def ran():
        return bool(runs)

    assert await eventually(ran, 15)
    record = (await jobs.list())[0][0]
    assert record.job.id == runs[0]
    await jobs.stop()
    assert runs == [record.job.id]


async def _true(value: bool) -> bool:
    return value


async def test_a_job_running_through_an_outage_still_ends_visibly(own_nats, connect, service, tmp_path):
    """NATS dies mid-job and comes back: the job ends SUCCEEDED (its progress writes during the outage
    are dropped, the final write waits for the reconnect or the job is redelivered), never stuck RUNNING."""
    halfway = asyncio.Event()

    def work(ctx):
        for step in range(30):
            ctx.progress(done=step + 1, total=30, unit="steps")
            if step == 5:
                halfway.set()
            time.sleep(0.1)

    async def run(ctx, job_spec):
        await asyncio.to_thread(work, ctx)

    jobs = JobManager(
        service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=await connect(own_nats.url),
        artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=WorkQueuePolicy(2.0, 3),
    )
    await jobs.start()
    job_id = (await jobs.create(scoring_pb2.ScoringJobSpec(parent_model="m", corpus="c"))).job.id
    await asyncio.wait_for(halfway.wait(), 15)
    own_nats.stop()
    await asyncio.sleep(1.5)
    own_nats.start()

    async def ended():
        try:
            return (await jobs.get(job_id)).job.state in (job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED)
        except Exception:  # noqa: BLE001 - still reconnecting
            return False

    assert await eventually(ended, 40)
    await jobs.stop()
    record = await jobs.get(job_id)
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED, record.job.error.reason
    assert record.job.progress.done == 30
