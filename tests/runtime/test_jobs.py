"""The generic job runner and work queue against a real nats-server."""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

from tessel.common.v1 import artifact_pb2, job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from tessel.runtime.jobs import JobManager, JobWaiting
from tessel.runtime.messaging import DLQ_REASON_HEADER, Messaging, WorkQueuePolicy
from tessel.scoring.v1 import scoring_pb2

pytestmark = pytest.mark.nats

FAST = WorkQueuePolicy(ack_wait_seconds=1.0, max_attempts=2)


@pytest.fixture
async def connect(nats_url):
    connections = []

    async def _connect() -> Messaging:
        messaging = await Messaging.connect(nats_url, name="test")
        connections.append(messaging)
        return messaging

    yield _connect
    for messaging in connections:
        if not messaging.client.is_closed:
            await messaging.close()


def manager(messaging, tmp_path, run, service, resource="scoring", concurrency=1) -> JobManager:
    return JobManager(
        service=service, resource=resource, job_type=scoring_pb2.ScoringJob, messaging=messaging,
        artifacts=ArtifactStore(tmp_path.as_uri()), run=run, policy=FAST, concurrency=concurrency,
    )


def spec() -> scoring_pb2.ScoringJobSpec:
    return scoring_pb2.ScoringJobSpec(parent_model="tiny-llama", corpus="corpus")


async def state_reached(jobs: JobManager, job_id: str, state: int, timeout: float = 20.0):
    async def follow():
        async for record in jobs.watch(job_id):
            if record.job.state == state:
                return record

    return await asyncio.wait_for(follow(), timeout)


async def final_state(jobs: JobManager, job_id: str, timeout: float = 20.0):
    async def follow():
        async for record in jobs.watch(job_id):
            last = record
        return last

    return await asyncio.wait_for(follow(), timeout)


def service_name() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


async def test_job_runs_to_success_with_progress_and_result(connect, tmp_path):
    async def run(ctx, job_spec):
        for step in range(3):
            ctx.progress(done=step + 1, total=3, unit="steps", metrics={"loss": 1.0 / (step + 1)})
        ref = ctx.artifacts.put_bytes(job_spec.parent_model.encode(), media_type="text/plain")
        ctx.add_result(ref)
        return scoring_pb2.ScoringJobResult(scores=ref)

    jobs = manager(await connect(), tmp_path, run, service_name())
    await jobs.start()
    created = await jobs.create(spec(), {"team": "a"})
    assert created.job.state == job_pb2.JOB_STATE_QUEUED
    record = await final_state(jobs, created.job.id)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED
    assert (record.job.progress.done, record.job.progress.total) == (3, 3)
    assert record.job.progress.metrics["loss"] == pytest.approx(1 / 3)
    assert record.result.scores.sha256 == record.job.results[0].sha256
    assert jobs.artifacts.get_bytes(record.result.scores) == b"tiny-llama"
    assert record.job.labels["team"] == "a" and record.job.attempt == 1


async def test_domain_error_fails_the_job_with_code_reason_and_field(connect, tmp_path):
    async def run(ctx, job_spec):
        raise InvalidArgument("unknown corpus 'nope'", field="spec.corpus")

    jobs = manager(await connect(), tmp_path, run, service_name())
    await jobs.start()
    record = await final_state(jobs, (await jobs.create(spec())).job.id)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_FAILED
    assert record.job.error.code == job_pb2.ERROR_CODE_INVALID_ARGUMENT
    assert (record.job.error.reason, record.job.error.field) == ("unknown corpus 'nope'", "spec.corpus")


async def test_unexpected_exception_fails_the_job_with_its_text(connect, tmp_path):
    async def run(ctx, job_spec):
        raise ZeroDivisionError("division by zero")

    jobs = manager(await connect(), tmp_path, run, service_name())
    await jobs.start()
    record = await final_state(jobs, (await jobs.create(spec())).job.id)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_FAILED
    assert record.job.error.reason == "ZeroDivisionError: division by zero"


async def test_cancelling_a_running_job_stops_it_at_its_next_progress_report(connect, tmp_path):
    started = threading.Event()

    def work(ctx):
        for step in range(10_000):
            started.set()
            ctx.progress(done=step, total=10_000)
            threading.Event().wait(0.01)

    async def run(ctx, job_spec):
        await asyncio.to_thread(work, ctx)

    jobs = manager(await connect(), tmp_path, run, service_name())
    await jobs.start()
    job_id = (await jobs.create(spec())).job.id
    await asyncio.to_thread(started.wait, 10)
    await jobs.cancel(job_id, "wrong parent")
    record = await final_state(jobs, job_id)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_CANCELLED
    assert record.job.error.reason == "wrong parent"
    assert record.job.progress.done < 10_000
    with pytest.raises(FailedPrecondition, match="already CANCELLED"):
        await jobs.cancel(job_id)


async def test_queued_job_is_cancelled_without_running(connect, tmp_path):
    ran = []

    async def run(ctx, job_spec):
        ran.append(ctx.job_id)

    jobs = manager(await connect(), tmp_path, run, service_name())
    job_id = (await jobs.create(spec())).job.id  # no worker started yet
    record = await jobs.cancel(job_id)
    assert record.job.state == job_pb2.JOB_STATE_CANCELLED
    await jobs.start()
    await asyncio.sleep(1.5)
    await jobs.stop()
    assert ran == [] and (await jobs.get(job_id)).job.state == job_pb2.JOB_STATE_CANCELLED


async def test_crashed_worker_job_resumes_on_another_process_and_keeps_finished_work(connect, tmp_path):
    """A worker dies mid-job (connection gone, no ack); a second one resumes it from stored units."""
    service = service_name()
    first_unit_stored = asyncio.Event()
    attempts = []

    async def run(ctx, job_spec):
        attempts.append(ctx.attempt)
        for unit in range(3):
            name = f"{service}/{ctx.job_id}/unit-{unit}"
            if ctx.artifacts.lookup(name) is not None:
                continue  # finished by an earlier attempt
            ctx.artifacts.put_bytes(f"unit {unit} of attempt {ctx.attempt}".encode(), media_type="text/plain", name=name)
            if ctx.attempt == 1 and unit == 0:
                first_unit_stored.set()
                await asyncio.Event().wait()  # hangs until the "crash"
        return scoring_pb2.ScoringJobResult()

    crashed = await connect()
    first = manager(crashed, tmp_path, run, service)
    await first.start()
    job_id = (await first.create(spec())).job.id
    await asyncio.wait_for(first_unit_stored.wait(), 10)
    await crashed.client.close()  # the process "dies": no ack, no more heartbeats
    await first.stop()

    second = manager(await connect(), tmp_path, run, service)
    assert (await second.get(job_id)).job.state == job_pb2.JOB_STATE_RUNNING  # the record survived
    await second.start()
    record = await final_state(second, job_id)
    await second.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED and record.job.attempt == 2
    assert attempts == [1, 2]
    stored = second.artifacts.get_bytes(second.artifacts.lookup(f"{service}/{job_id}/unit-0"))
    assert stored == b"unit 0 of attempt 1"  # not redone


async def test_job_that_keeps_killing_its_worker_is_failed_and_dead_lettered(connect, tmp_path):
    service = service_name()
    listener = await connect()
    dead = asyncio.Queue()

    async def collect(msg):
        await dead.put(msg)

    await listener.js.subscribe(f"tessel.dlq.{service}.scoring", cb=collect)
    job_id = None
    for attempt in range(1, FAST.max_attempts + 2):
        started = asyncio.Event()

        async def run(ctx, job_spec, started=started):
            started.set()
            await asyncio.Event().wait()

        messaging = await connect()
        jobs = manager(messaging, tmp_path, run, service)
        if job_id is None:
            job_id = (await jobs.create(spec())).job.id
        await jobs.start()
        if attempt <= FAST.max_attempts:
            await asyncio.wait_for(started.wait(), 15)
            await messaging.client.close()  # dies mid-job, every time
            await jobs.stop()
    record = await final_state(jobs, job_id)
    await jobs.stop()
    assert record.job.state == job_pb2.JOB_STATE_FAILED
    assert record.job.error.code == job_pb2.ERROR_CODE_ABORTED
    assert f"gave up after {FAST.max_attempts} attempts" in record.job.error.reason
    msg = await asyncio.wait_for(dead.get(), 10)
    assert msg.data.decode() == job_id and "gave up" in msg.headers[DLQ_REASON_HEADER]


async def test_list_pages_newest_first_and_filters_by_state_and_labels(connect, tmp_path):
    async def run(ctx, job_spec):
        return None

    jobs = manager(await connect(), tmp_path, run, service_name())
    teams = ["a", "b", "a", "b", "a"]
    ids = [(await jobs.create(spec(), {"team": team, "n": str(i)})).job.id for i, team in enumerate(teams)]
    await jobs.create(spec(), request_id="req-1")  # its request index key is not a job
    ids.append((await jobs.list(page_size=1))[0][0].job.id)
    await jobs.cancel(ids[0])
    page, token = await jobs.list(page_size=2)
    assert [r.job.id for r in page] == ids[::-1][:2] and token
    rest, last = await jobs.list(page_size=10, page_token=token)
    assert [r.job.id for r in rest] == ids[::-1][2:] and last == ""
    cancelled, _ = await jobs.list(state=job_pb2.JOB_STATE_CANCELLED)
    assert [r.job.id for r in cancelled] == [ids[0]]
    team_a, token = await jobs.list(labels={"team": "a"}, page_size=2)
    assert [r.job.id for r in team_a] == [ids[4], ids[2]]
    team_a_rest, _ = await jobs.list(labels={"team": "a"}, page_size=2, page_token=token)
    assert [r.job.id for r in team_a_rest] == [ids[0]]
    both, _ = await jobs.list(labels={"team": "a", "n": "2"}, state=job_pb2.JOB_STATE_QUEUED)
    assert [r.job.id for r in both] == [ids[2]]
    assert (await jobs.list(labels={"team": "a", "n": "0"}, state=job_pb2.JOB_STATE_QUEUED))[0] == []
    for bad, field in [({"page_token": "x.y"}, "page.page_token"), ({"state": 99}, "state")]:
        with pytest.raises(InvalidArgument) as caught:
            await jobs.list(**bad)
        assert caught.value.field == field


async def test_create_with_a_request_id_is_idempotent_even_when_calls_race(connect, tmp_path):
    runs = []

    async def run(ctx, job_spec):
        runs.append(ctx.job_id)

    jobs = manager(await connect(), tmp_path, run, service_name())
    first = await jobs.create(spec(), {"team": "a"}, request_id="retry-me")
    again = await jobs.create(spec(), {"team": "a"}, request_id="retry-me")
    raced = await asyncio.gather(*(jobs.create(spec(), request_id="race") for _ in range(8)))
    assert again.job.id == first.job.id
    assert len({r.job.id for r in raced}) == 1 and raced[0].job.id != first.job.id
    await jobs.start()
    for job_id in (first.job.id, raced[0].job.id):
        assert (await final_state(jobs, job_id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    await asyncio.sleep(1.0)  # time for a duplicate message, if there were one, to run
    await jobs.stop()
    assert sorted(runs) == sorted([first.job.id, raced[0].job.id])
    assert len((await jobs.list())[0]) == 2
    with pytest.raises(InvalidArgument) as caught:
        await jobs.create(scoring_pb2.ScoringJobSpec(parent_model="other"), request_id="retry-me")
    assert caught.value.field == "request_id"
    with pytest.raises(InvalidArgument) as caught:
        await jobs.create(spec(), request_id="no spaces please")
    assert caught.value.field == "request_id"


async def test_retried_create_finishes_a_create_that_died_after_choosing_the_job_id(connect, tmp_path):
    service = service_name()
    messaging = await connect()
    jobs = manager(messaging, tmp_path, lambda ctx, s: asyncio.sleep(0), service)
    # The first call stored its request index and died before storing the job.
    await messaging.jobs_kv.create(f"{service}.scoring.request.half-done", b"0000000000001-deadbeef")
    record = await jobs.create(spec(), request_id="half-done")
    assert record.job.id == "0000000000001-deadbeef"
    await jobs.start()
    assert (await final_state(jobs, record.job.id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    await jobs.stop()


async def test_a_second_work_message_for_a_running_job_does_not_run_it_twice(connect, tmp_path):
    service = service_name()
    started, release = asyncio.Event(), asyncio.Event()
    runs = []

    async def run(ctx, job_spec):
        runs.append(ctx.attempt)
        started.set()
        await release.wait()

    messaging = await connect()
    jobs = manager(messaging, tmp_path, run, service, concurrency=2)
    await jobs.start()
    job_id = (await jobs.create(spec())).job.id
    await asyncio.wait_for(started.wait(), 10)
    await messaging.submit_work(service, "scoring", job_id.encode(), msg_id=f"{job_id}:duplicate")
    for _ in range(100):  # until the free slot took the duplicate
        info = await messaging.js.consumer_info("TESSEL_WORK", f"{service}-scoring-work")
        if info.num_pending == 0 and info.num_ack_pending == 1:
            break
        await asyncio.sleep(0.05)
    assert info.num_pending == 0 and info.num_ack_pending == 1
    release.set()
    assert (await final_state(jobs, job_id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    await jobs.stop()
    assert runs == [1]


async def test_labels_are_bounded(connect, tmp_path):
    jobs = manager(await connect(), tmp_path, lambda ctx, s: None, service_name())
    for labels in [{f"k{i}": "v" for i in range(65)}, {"": "v"}, {"k": "v" * 257}]:
        with pytest.raises(InvalidArgument) as caught:
            await jobs.create(spec(), labels)
        assert caught.value.field == "labels"


async def test_unknown_and_malformed_ids(connect, tmp_path):
    jobs = manager(await connect(), tmp_path, lambda ctx, s: None, service_name())
    with pytest.raises(NotFound):
        await jobs.get("0000000000000-deadbeef")
    with pytest.raises(InvalidArgument) as caught:
        await jobs.get("../etc")
    assert caught.value.field == "id"
    with pytest.raises(NotFound):
        async for _ in jobs.watch("0000000000000-deadbeef"):
            pass


async def test_two_resources_of_one_service_keep_their_own_records_and_consumers(connect, tmp_path):
    service = service_name()
    ran = {"scoring": [], "measurement": []}

    def runner(resource):
        async def run(ctx, job_spec):
            ran[resource].append(ctx.job_id)

        return run

    messaging = await connect()
    scoring = manager(messaging, tmp_path, runner("scoring"), service, "scoring")
    measurement = manager(messaging, tmp_path, runner("measurement"), service, "measurement")
    await scoring.start()
    await measurement.start()
    scored = (await scoring.create(spec())).job
    measured = (await measurement.create(spec())).job
    assert scored.kind == "scoring" and measured.kind == "measurement"
    assert (await final_state(scoring, scored.id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    assert (await final_state(measurement, measured.id)).job.state == job_pb2.JOB_STATE_SUCCEEDED
    await scoring.stop()
    await measurement.stop()
    assert ran == {"scoring": [scored.id], "measurement": [measured.id]}  # each ran by its own worker
    assert [r.job.id for r in (await scoring.list())[0]] == [scored.id]
    assert [r.job.id for r in (await measurement.list())[0]] == [measured.id]
    with pytest.raises(NotFound):
        await scoring.get(measured.id)
    consumers = {c.name: c.config.filter_subject for c in await messaging.js.consumers_info("TESSEL_WORK")}
    assert consumers[f"{service}-scoring-work"] == f"tessel.work.{service}.scoring"
    assert consumers[f"{service}-measurement-work"] == f"tessel.work.{service}.measurement"


def test_resource_names_are_one_subject_token(tmp_path):
    with pytest.raises(ValueError, match="job resource"):
        manager(None, tmp_path, lambda ctx, s: None, service_name(), "scoring.jobs")


async def test_waiting_session_holds_no_worker_and_continues_after_a_restart_and_resume(connect, tmp_path):
    """An interactive job waits for labels; the service restarts; input arrives; it runs to the end."""
    service = service_name()
    rounds = []

    async def run(ctx, job_spec):
        labelled = ctx.record.job.labels.get("labelled", "")
        rounds.append(labelled)
        if not labelled:
            ref = ctx.artifacts.put_bytes(b"query batch 1", media_type="text/plain")
            raise JobWaiting("waiting for labels", result=scoring_pb2.ScoringJobResult(scores=ref))
        return scoring_pb2.ScoringJobResult()

    first_messaging = await connect()
    first = manager(first_messaging, tmp_path, run, service, "session")
    await first.start()
    job_id = (await first.create(spec())).job.id
    waiting = await state_reached(first, job_id, job_pb2.JOB_STATE_WAITING)
    assert waiting.job.progress.message == "waiting for labels"
    assert first.artifacts.get_bytes(waiting.result.scores) == b"query batch 1"
    # The work message is acked right after the WAITING write: no worker held, nothing queued.
    for _ in range(100):
        info = await first_messaging.js.consumer_info("TESSEL_WORK", f"{service}-session-work")
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.05)
    assert info.num_ack_pending == 0 and info.num_pending == 0
    await first.stop()
    await first_messaging.close()  # the service goes away while the session waits

    second = manager(await connect(), tmp_path, run, service, "session")
    assert (await second.get(job_id)).job.state == job_pb2.JOB_STATE_WAITING
    await second.start()

    def accept(record):
        record.job.labels["labelled"] = "yes"

    resumed = await second.resume(job_id, accept)
    assert resumed.job.state == job_pb2.JOB_STATE_QUEUED
    record = await final_state(second, job_id)
    await second.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED
    assert rounds == ["", "yes"]
    with pytest.raises(FailedPrecondition, match="not WAITING"):
        await second.resume(job_id)


async def test_cancelling_a_waiting_session_ends_it_at_once(connect, tmp_path):
    async def run(ctx, job_spec):
        raise JobWaiting()

    jobs = manager(await connect(), tmp_path, run, service_name(), "session")
    await jobs.start()
    job_id = (await jobs.create(spec())).job.id
    await state_reached(jobs, job_id, job_pb2.JOB_STATE_WAITING)
    await jobs.stop()
    cancelled = await jobs.cancel(job_id, "nobody is labelling")
    assert cancelled.job.state == job_pb2.JOB_STATE_CANCELLED
    assert cancelled.job.error.reason == "nobody is labelling"


def test_artifact_refs_are_content_addressed(tmp_path):
    store = ArtifactStore(tmp_path.as_uri())
    first = store.put_bytes(b"same", media_type="text/plain")
    again = store.put_bytes(b"same", media_type="text/plain")
    assert first.uri == again.uri and first.size_bytes == 4
    tampered = artifact_pb2.ArtifactRef(uri=first.uri, sha256="0" * 64)
    with pytest.raises(FailedPrecondition):
        store.get_bytes(tampered)
    assert not store.verify(tampered)
