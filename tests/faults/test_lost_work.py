"""A Create whose record was stored but whose work message was lost does not stay QUEUED forever."""

from __future__ import annotations

import asyncio

import nats.errors
import pytest

from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import WorkQueuePolicy
from tessel.scoring.v1 import scoring_pb2

pytestmark = pytest.mark.nats

FAST = WorkQueuePolicy(ack_wait_seconds=1.0, max_attempts=2)


def manager(messaging, tmp_path, run, service, **options) -> JobManager:
    return JobManager(
        service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=messaging,
        artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=FAST, **options,
    )


def spec() -> scoring_pb2.ScoringJobSpec:
    return scoring_pb2.ScoringJobSpec(parent_model="tiny-llama", corpus="corpus")


async def final_state(jobs: JobManager, job_id: str, timeout: float = 20.0):
    async def follow():
        async for record in jobs.watch(job_id):
            last = record
        return last

    return await asyncio.wait_for(follow(), timeout)


def lose_next_publish(messaging, monkeypatch) -> None:
    """The next work publish fails the way it does when NATS drops between the record write and it."""
    real = messaging.submit_work

    async def lost(*args, **kwargs):
        monkeypatch.setattr(messaging, "submit_work", real)
        raise nats.errors.TimeoutError

    monkeypatch.setattr(messaging, "submit_work", lost)


async def test_a_record_whose_publish_failed_runs_once_a_worker_starts(nats_url, connect, service, tmp_path, monkeypatch):
    runs = []

    async def run(ctx, job_spec):
        runs.append(ctx.job_id)

    messaging = await connect(nats_url)
    jobs = manager(messaging, tmp_path, run, service, reconcile_min_age_seconds=0.0)
    lose_next_publish(messaging, monkeypatch)
    with pytest.raises(nats.errors.TimeoutError):
        await jobs.create(spec())
    orphan = (await jobs.list())[0][0]
    assert orphan.job.state == job_pb2.JOB_STATE_QUEUED
    healthy = (await jobs.create(spec())).job.id  # its message is in the stream: not queued twice
    await jobs.start()
    for job_id in (orphan.job.id, healthy):
        assert (await final_state(jobs, job_id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    assert await jobs.reconcile() == []
    await asyncio.sleep(1.0)  # time for a duplicate, if one had been published, to run
    await jobs.stop()
    assert sorted(runs) == sorted([orphan.job.id, healthy])


async def test_a_running_service_requeues_a_lost_publish_on_its_next_round(nats_url, connect, service, tmp_path, monkeypatch):
    messaging = await connect(nats_url)
    jobs = manager(messaging, tmp_path, lambda ctx, s: asyncio.sleep(0), service,
                   reconcile_interval_seconds=0.5, reconcile_min_age_seconds=0.2)
    await jobs.start()
    lose_next_publish(messaging, monkeypatch)
    with pytest.raises(nats.errors.TimeoutError):
        await jobs.create(spec())
    orphan = (await jobs.list())[0][0]
    record = await final_state(jobs, orphan.job.id, timeout=10)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED and record.job.attempt == 1


async def test_young_queued_records_and_queued_jobs_with_work_are_left_alone(nats_url, connect, service, tmp_path, monkeypatch):
    messaging = await connect(nats_url)
    jobs = manager(messaging, tmp_path, lambda ctx, s: None, service)  # default 5 s minimum age
    queued = [(await jobs.create(spec())).job.id for _ in range(3)]
    lose_next_publish(messaging, monkeypatch)
    with pytest.raises(nats.errors.TimeoutError):
        await jobs.create(spec())
    assert await jobs.reconcile() == []  # the orphan may still be between its write and its publish
    assert len(await messaging.pending_work(jobs.service, "scoring")) == len(queued)
