"""A Watch open while NATS goes away ends UNAVAILABLE (with a message) instead of waiting through the
outage; watching again after the reconnect follows the job to its end. The CLI job kit re-opens a watch
that ended UNAVAILABLE."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest

from tessel.cli.jobs import JobKit
from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import Unavailable
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import WorkQueuePolicy
from tessel.scoring.v1 import scoring_pb2

pytestmark = pytest.mark.nats


async def test_a_watch_ends_unavailable_in_an_outage_and_a_new_one_follows_the_job_to_its_end(
    own_nats, connect, service, tmp_path
):
    release = asyncio.Event()

    async def run(ctx, job_spec):
        await release.wait()

    messaging = await connect(own_nats.url)
    jobs = JobManager(
        service=service, resource="scoring", job_type=scoring_pb2.ScoringJob, messaging=messaging,
        artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=WorkQueuePolicy(5.0, 3),
    )
    await jobs.start()
    job_id = (await jobs.create(scoring_pb2.ScoringJobSpec(parent_model="m", corpus="c"))).job.id
    seen = []

    async def watch_all():
        async for record in jobs.watch(job_id):
            seen.append(record.job.state)

    watching = asyncio.create_task(watch_all())
    deadline = time.monotonic() + 15
    while job_pb2.JOB_STATE_RUNNING not in seen:
        assert time.monotonic() < deadline, f"never RUNNING: {seen}"
        await asyncio.sleep(0.05)

    own_nats.stop()
    started = time.monotonic()
    with pytest.raises(Unavailable) as caught:
        await asyncio.wait_for(watching, 10)
    assert time.monotonic() - started < 3.0
    assert "retry" in caught.value.message

    own_nats.start()
    deadline = time.monotonic() + 15
    while not messaging.connected:
        assert time.monotonic() < deadline, "no reconnect"
        await asyncio.sleep(0.1)
    release.set()
    states = [record.job.state async for record in jobs.watch(job_id)]
    assert states[-1] == job_pb2.JOB_STATE_SUCCEEDED
    await jobs.stop()


class _Unavailable(grpc.aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "bus away")


async def test_the_cli_watches_again_after_an_unavailable_end():
    running = scoring_pb2.ScoringJob(job=job_pb2.Job(id="j", state=job_pb2.JOB_STATE_RUNNING))
    done = scoring_pb2.ScoringJob(job=job_pb2.Job(id="j", state=job_pb2.JOB_STATE_SUCCEEDED))

    class Client:
        watches = 0

        async def watch(self, job_id):
            Client.watches += 1
            yield running
            if Client.watches < 3:
                raise _Unavailable()
            yield done

    shown = []
    record = await JobKit._watch_through_outages(Client(), "j", shown.append)
    assert Client.watches == 3
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED
    assert [r.job.state for r in shown] == [job_pb2.JOB_STATE_RUNNING] * 3 + [job_pb2.JOB_STATE_SUCCEEDED]


async def test_the_cli_gives_up_on_other_errors_at_once():
    class Client:
        async def watch(self, job_id):
            raise grpc.aio.AioRpcError(grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), grpc.aio.Metadata(), "no")
            yield

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await JobKit._watch_through_outages(Client(), "j", lambda r: None)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
