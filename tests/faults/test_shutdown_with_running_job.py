"""A service stopping while a job runs: the job's thread is told to stop (JobInterrupted at its next
progress report), it yields within the grace period, and its work message is nak'ed, so another worker
resumes it at once (not after the ack wait) from the units it stored."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import WorkQueuePolicy
from tessel.scoring.v1 import scoring_pb2

pytestmark = pytest.mark.nats

UNITS = 200
# Far longer than the test: a resume that came from the ack wait would time the test out.
SLOW_REDELIVERY = WorkQueuePolicy(ack_wait_seconds=60.0, max_attempts=3)


async def test_stop_interrupts_the_job_thread_and_another_worker_resumes_at_once(nats_url, connect, service, tmp_path):
    thread_done = threading.Event()
    attempts: list[tuple[int, int]] = []  # (attempt, first unit it ran)
    store = ArtifactStore(tmp_path.as_uri())

    def work(ctx):
        try:
            first = None
            for unit in range(UNITS):
                name = f"{service}/{ctx.job_id}/unit-{unit}"
                if store.lookup(name) is not None:
                    continue
                if first is None:
                    first = unit
                    attempts.append((ctx.attempt, unit))
                store.put_bytes(f"{unit}".encode(), media_type="text/plain", name=name)
                ctx.progress(done=unit + 1, total=UNITS, unit="units")
                time.sleep(0.02)
        finally:
            thread_done.set()

    async def run(ctx, job_spec):
        await asyncio.to_thread(work, ctx)

    def manager(messaging):
        return JobManager(service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=messaging,
                          artifacts=store, run=run, policy=SLOW_REDELIVERY)

    first = manager(await connect(nats_url))
    await first.start()
    job_id = (await first.create(scoring_pb2.ScoringJobSpec(parent_model="m", corpus="c"))).job.id
    async for record in first.watch(job_id):
        if record.job.progress.done >= 10:
            break
    started = time.monotonic()
    await first.stop(grace=5.0)
    stop_seconds = time.monotonic() - started
    assert thread_done.is_set(), "the job's thread was still running after stop"
    assert stop_seconds < 2.0, f"stop took {stop_seconds:.2f} s"
    interrupted = await first.get(job_id)
    assert interrupted.job.state == job_pb2.JOB_STATE_RUNNING
    assert "interrupted by a service shutdown" in interrupted.job.progress.message
    stored_before = interrupted.job.progress.done

    thread_done.clear()
    second = manager(await connect(nats_url))
    await second.start()
    resumed_at = time.monotonic()
    async for record in second.watch(job_id):
        pass
    await second.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED and record.job.attempt == 2
    assert time.monotonic() - resumed_at < 30  # redelivered by the nak, not the 60 s ack wait
    (_, first_unit), (second_attempt, resumed_unit) = attempts
    assert first_unit == 0 and second_attempt == 2
    assert resumed_unit >= stored_before  # units the first attempt stored were not redone
