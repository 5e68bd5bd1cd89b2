"""Cancel a job whose worker died: the user's reason is stored at once, and the redelivered job ends
CANCELLED with that reason without running again."""

from __future__ import annotations

import asyncio

import pytest

from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import WorkQueuePolicy
from tessel.scoring.v1 import scoring_pb2

pytestmark = pytest.mark.nats


async def test_cancel_while_the_service_is_down_keeps_the_reason(nats_url, connect, service, tmp_path):
    attempts = []
    started = asyncio.Event()

    async def run(ctx, job_spec):
        attempts.append(ctx.attempt)
        ctx.progress(done=1, total=10, message="working on unit 1")
        started.set()
        await asyncio.Event().wait()  # until the "crash"

    def manager(messaging):
        return JobManager(service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=messaging,
                          artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=WorkQueuePolicy(1.0, 3))

    crashed = await connect(nats_url)
    first = manager(crashed)
    await first.start()
    job_id = (await first.create(scoring_pb2.ScoringJobSpec(parent_model="m", corpus="c"))).job.id
    await asyncio.wait_for(started.wait(), 10)
    await crashed.client.close()  # the service dies: nobody runs the job now
    await first.stop()

    second = manager(await connect(nats_url))
    asked = await second.cancel(job_id, "wrong parent model")
    assert asked.job.state == job_pb2.JOB_STATE_RUNNING and asked.job.cancel_requested
    assert asked.job.cancel_reason == "wrong parent model"
    await second.start()  # the service is back: the redelivered work finds the cancel
    async for record in second.watch(job_id):
        pass
    await second.stop()
    assert record.job.state == job_pb2.JOB_STATE_CANCELLED
    assert record.job.error.reason == "wrong parent model"
    assert attempts == [1]  # not run again just to notice the cancel


async def test_the_reason_survives_progress_reports_made_after_the_cancel(nats_url, connect, service, tmp_path):
    cancelled_seen = asyncio.Event()

    def work(ctx):
        while not ctx.stop_requested():
            threading_wait(0.01)
        cancelled_seen.set()
        ctx._cancel.clear()  # the job reports once more before it stops, as a slow step would
        ctx.progress(done=5, total=10, message="finished step 5")
        ctx._cancel.set()
        ctx.check()

    async def run(ctx, job_spec):
        await asyncio.to_thread(work, ctx)

    jobs = JobManager(service=service, resource="scoring", job_type=scoring_pb2.ScoringJob,
                      messaging=await connect(nats_url), artifacts=ArtifactStore(tmp_path.as_uri()), run=run,
                      policy=WorkQueuePolicy(5.0, 3))
    await jobs.start()
    job_id = (await jobs.create(scoring_pb2.ScoringJobSpec(parent_model="m", corpus="c"))).job.id
    async for record in jobs.watch(job_id):
        if record.job.state == job_pb2.JOB_STATE_RUNNING:
            break
    await jobs.cancel(job_id, "budget exhausted")
    async for record in jobs.watch(job_id):
        pass
    await jobs.stop()
    assert cancelled_seen.is_set()
    assert record.job.state == job_pb2.JOB_STATE_CANCELLED and record.job.error.reason == "budget exhausted"


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)
