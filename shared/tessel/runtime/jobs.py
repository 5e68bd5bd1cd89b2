"""The generic job runner: every service's Create/Get/Watch/Cancel/List with the same semantics.

A typed job message (e.g. `DistillationJob`) has fields `job` (tessel.common.v1.Job), `spec` and,
usually, `result`. One `JobManager` serves one job resource of a service (block-scorer has "scoring"
and "measurement"). Records live in the NATS KV bucket `tessel_jobs` under `<service>.<resource>.<id>`,
so any replica can answer Get/Watch and a restarted service sees its jobs. Work is queued on
`tessel.work.<service>.<resource>` with one durable consumer per resource; a worker that dies mid-job
stops heartbeating, the message is redelivered and the job resumes (attempt + 1; handlers skip units
of work they already stored). After the last attempt the job is FAILED with the reason: never left
RUNNING forever.

A Create writes the record and then publishes its work; if the publish is lost (NATS went away between
the two), the record would stay QUEUED forever. `reconcile` (at start, after every reconnect and
periodically) queues again every QUEUED record of the resource that has no work message in the stream.

Interactive resources (a session that waits on people) park a job by raising `JobWaiting`: the work
message is acked, so no worker is held, and the record says WAITING until `JobManager.resume` queues it
again. Both the record and the new work message are in JetStream, so a wait survives restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
import nats.errors
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import StopIterSentinel

from tessel.common.v1 import artifact_pb2, job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, TesselError
from tessel.runtime.messaging import Messaging, WorkConsumer, WorkInterrupted, WorkQueuePolicy
from tessel.runtime.settings import get_settings
from tessel.runtime.tracing import current_trace_id

log = logging.getLogger(__name__)

TERMINAL_STATES = frozenset({job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED})
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Progress is written to the KV bucket at most this often (the last report always goes through).
PROGRESS_INTERVAL_SECONDS = 0.25
KEY_LISTING_QUIET_SECONDS = 0.25
RECONCILE_INTERVAL_SECONDS = 30.0
# How often an idle Watch checks the NATS connection (it ends UNAVAILABLE once NATS is away).
WATCH_CONNECTION_CHECK_SECONDS = 1.0
# A QUEUED record younger than this may be between its write and its publish: not yet an orphan.
RECONCILE_MIN_AGE_SECONDS = 5.0
# Resource names are one NATS subject token and part of a consumer name: no dots, no dashes (a dash
# would let `<service>-<resource>` of two different pairs collide).
RESOURCE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
MAX_LABELS = 64
MAX_LABEL_KEY_CHARS = 63
MAX_LABEL_VALUE_CHARS = 256

TypedJob = TypeVar("TypedJob", bound=Message)


class JobCancelled(Exception):
    """Raised inside a job (by `JobContext.progress`) once the user asked to cancel it."""


class JobInterrupted(Exception):
    """Raised inside a job (by `JobContext.progress`) once its service is shutting down: the job should
    have stored what it finished (it resumes from there on the next worker) and yield."""


class JobWaiting(Exception):
    """Raised by an interactive job to wait for input: the job becomes WAITING, holds no worker, and
    runs again (a new attempt sequence, `JobContext.record` showing what was stored) after `resume`."""

    def __init__(self, message: str = "waiting for input", *, result: Message | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Stored as the record's `result` while waiting (e.g. the batch a person is asked to label).
        self.result = result


@dataclass
class JobContext:
    """What a running job sees of the runtime."""

    job_id: str
    attempt: int
    artifacts: ArtifactStore
    # The job record as this attempt started (an interactive job reads the input `resume` stored).
    record: Message
    _manager: JobManager
    _loop: asyncio.AbstractEventLoop
    _cancel: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _results: list[artifact_pb2.ArtifactRef] = field(default_factory=list)
    _last_write: float = 0.0
    _pending: list = field(default_factory=list)
    _write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def resumed(self) -> bool:
        """True when an earlier attempt of this job ran (and may have stored finished work)."""
        return self.attempt > 1

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def stop_requested(self) -> bool:
        """True once the job should stop: cancelled by its user, or its service is shutting down.
        A long step between progress reports checks this (from any thread) and then calls `check`."""
        return self._cancel.is_set() or self._stop.is_set()

    def check(self) -> None:
        """Raise JobCancelled or JobInterrupted when the job should stop (what `progress` does first)."""
        if self._cancel.is_set():
            raise JobCancelled("cancelled by request")
        if self._stop.is_set():
            raise JobInterrupted("the service is shutting down")

    def progress(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        unit: str | None = None,
        message: str | None = None,
        metrics: dict[str, float] | None = None,
    ) -> None:
        """Report progress; safe from any thread. Raises JobCancelled once cancellation was requested and
        JobInterrupted once the service is shutting down (call it after storing a finished unit)."""
        self.check()
        now = time.monotonic()
        final = done is not None and total is not None and done >= total
        if not final and now - self._last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self._last_write = now
        update = self._write_progress(done, total, unit, message, metrics)
        # Keep only writes still in flight: a long job reports thousands of times.
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(asyncio.run_coroutine_threadsafe(update, self._loop))

    async def _write_progress(self, *values) -> None:
        async with self._write_lock:  # FIFO: reports land in the order they were made
            await self._manager.update_progress(self.job_id, *values)

    async def flush(self) -> None:
        """Wait until every progress report made so far is stored."""
        pending, self._pending = self._pending, []
        await asyncio.gather(*(asyncio.wrap_future(f) for f in pending), return_exceptions=True)

    def add_result(self, ref: artifact_pb2.ArtifactRef) -> None:
        """Record an artifact the job produced (listed in Job.results)."""
        self._results.append(ref)

    async def publish(self, subject: str, message: Message) -> None:
        await self._manager.messaging.publish(subject, message, msg_id=f"{self.job_id}:{subject}")


RunJob = Callable[[JobContext, Message], Awaitable[Message | None]]


class JobManager(Generic[TypedJob]):
    """Job records, the work queue and the worker loop for one job resource of a service."""

    def __init__(
        self,
        *,
        service: str,
        resource: str,
        job_type: type[TypedJob],
        messaging: Messaging,
        artifacts: ArtifactStore,
        run: RunJob,
        kind_of: Callable[[Message], str] | None = None,
        policy: WorkQueuePolicy | None = None,
        concurrency: int = 1,
        reconcile_interval_seconds: float = RECONCILE_INTERVAL_SECONDS,
        reconcile_min_age_seconds: float = RECONCILE_MIN_AGE_SECONDS,
    ) -> None:
        if not RESOURCE_PATTERN.fullmatch(resource):
            raise ValueError(f"job resource {resource!r} must match {RESOURCE_PATTERN.pattern}")
        self.service = service
        self.resource = resource
        self.job_type = job_type
        self.messaging = messaging
        self.artifacts = artifacts
        self._run = run
        # Job.kind: the resource itself unless one resource runs several kinds of work.
        self._kind_of = kind_of or (lambda spec: resource)
        if policy is None:
            settings = get_settings()
            policy = WorkQueuePolicy(settings.work_ack_wait_seconds, settings.work_max_attempts)
        self._consumer = WorkConsumer(
            messaging, service, resource, self._handle, self._dead_letter, policy=policy, concurrency=concurrency
        )
        self._reconcile_interval = reconcile_interval_seconds
        self._reconcile_min_age = reconcile_min_age_seconds
        self._reconciler: asyncio.Task | None = None
        self._reconcile_now = asyncio.Event()
        self._reconciling = False
        self._listening = False
        self._running: dict[str, JobContext] = {}  # by job id

    async def start(self) -> None:
        await self._consumer.start()
        if not self._listening:
            self.messaging.on_connection_change(self._connection_changed)
            self._listening = True
        self._reconciling = True
        self._reconciler = asyncio.create_task(self._reconcile_periodically())

    async def stop(self, grace: float = 0.0) -> None:
        """Stop taking work. Running jobs are told to yield (`JobInterrupted` at their next progress
        report) and get `grace` seconds to do so; their work is nak'ed for redelivery, to resume."""
        for context in list(self._running.values()):
            context._stop.set()
        if self._reconciler is not None:
            # The flag and the wake-up too: a cancel that lands in a NATS call's timeout can be lost (3.11 wait_for).
            self._reconciling = False
            self._reconcile_now.set()
            self._reconciler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reconciler
            self._reconciler = None
        await self._consumer.stop(grace)

    async def _connection_changed(self, connected: bool) -> None:
        if connected:
            self._reconcile_now.set()

    async def _reconcile_periodically(self) -> None:
        while self._reconciling:
            try:
                revived = await self.reconcile()
                if revived:
                    log.warning("%s.%s: queued %d job(s) again whose work message was lost", self.service,
                                self.resource, len(revived))
            except Exception as error:  # noqa: BLE001 - NATS may be away; the next round retries
                log.warning("%s.%s: reconciliation failed: %s: %s", self.service, self.resource,
                            type(error).__name__, error)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._reconcile_now.wait(), self._reconcile_interval)
            self._reconcile_now.clear()

    async def reconcile(self) -> list[str]:
        """Publish the work of every QUEUED job of this resource that has none in the stream (its
        Create or resume stored the record, then lost the publish). Returns the ids queued again."""
        self.messaging.require_connected()
        queued = await self.messaging.pending_work(self.service, self.resource)
        now = time.time()
        revived = []
        for record, revision in await self._records():
            job = record.job
            if job.state != job_pb2.JOB_STATE_QUEUED or job.id.encode() in queued:
                continue
            if now - job.update_time.ToNanoseconds() / 1e9 < self._reconcile_min_age:
                continue
            # Per revision: a second round for the same lost state is deduplicated by JetStream.
            await self.messaging.submit_work(
                self.service, self.resource, job.id.encode(), msg_id=f"{job.id}:{revision}:reconciled"
            )
            revived.append(job.id)
        return revived

    # -- the RPC surface -----------------------------------------------------------------------------

    async def create(self, spec: Message, labels: dict[str, str] | None = None, request_id: str = "") -> TypedJob:
        """Store a QUEUED job and queue its work. With a `request_id`, a repeated call returns the first
        call's job (also when the calls race, or the first one died half-way) instead of a second one."""
        labels = dict(labels or {})
        _check_labels(labels)
        self.messaging.require_connected()
        job_id = _new_job_id()
        if request_id:
            if not REQUEST_ID_PATTERN.fullmatch(request_id):
                raise InvalidArgument(f"must match {REQUEST_ID_PATTERN.pattern}", field="request_id")
            try:  # an atomic create: of racing calls, exactly one chooses the job id
                await self._kv.create(self._request_key(request_id), job_id.encode())
            except KeyWrongLastSequenceError:
                job_id = (await self._kv.get(self._request_key(request_id))).value.decode()
        record = self._new_record(job_id, spec, labels)
        try:
            await self._kv.create(self._key(job_id), record.SerializeToString())
        except KeyWrongLastSequenceError:  # only a request id leads to an existing job id
            record = await self.get(job_id)
            if record.spec != spec or dict(record.job.labels) != labels:
                raise InvalidArgument("was used before for a different spec or labels", field="request_id") from None
            if record.job.state != job_pb2.JOB_STATE_QUEUED:
                return record
        # A retry republishes: the first call may have died before publishing. The message id makes a
        # recent duplicate vanish, and a worker drops a later one (`_handle`).
        await self.messaging.submit_work(self.service, self.resource, job_id.encode(), msg_id=job_id)
        return record

    def _new_record(self, job_id: str, spec: Message, labels: dict[str, str]) -> TypedJob:
        now = _now()
        record = self.job_type()
        record.job.CopyFrom(
            job_pb2.Job(
                id=job_id, kind=self._kind_of(spec), state=job_pb2.JOB_STATE_QUEUED, create_time=now,
                update_time=now, trace_id=current_trace_id(), labels=labels,
            )
        )
        record.spec.CopyFrom(spec)
        return record

    async def get(self, job_id: str) -> TypedJob:
        self.messaging.require_connected()
        record, _ = await self._read(job_id)
        return record

    async def watch(self, job_id: str) -> AsyncIterator[TypedJob]:
        """The job now and after every change; ends after a terminal state."""
        self.messaging.require_connected()
        record, revision = await self._read(job_id)  # NotFound before any stream starts
        yield record
        if record.job.state in TERMINAL_STATES:
            return
        watcher = await _created_or_stopped(self._kv.watch(self._key(job_id)))
        try:
            while True:
                try:
                    entry = await watcher.updates(timeout=WATCH_CONNECTION_CHECK_SECONDS)
                except nats.errors.TimeoutError:
                    # A watch must not wait out an outage in silence: end UNAVAILABLE, the client re-watches.
                    self.messaging.require_connected()
                    continue
                if isinstance(entry, StopIterSentinel):  # the watcher was stopped
                    return
                # None marks "caught up"; older revisions are what we already yielded.
                if entry is None or not entry.value or entry.revision <= revision:
                    continue
                revision = entry.revision
                record = self.job_type.FromString(entry.value)
                yield record
                if record.job.state in TERMINAL_STATES:
                    return
        finally:
            with contextlib.suppress(Exception):
                await watcher.stop()

    async def cancel(self, job_id: str, reason: str = "") -> TypedJob:
        reason = reason or "cancelled by request"
        self.messaging.require_connected()

        def mutate(record: TypedJob) -> None:
            state = record.job.state
            if state in TERMINAL_STATES:
                raise FailedPrecondition(f"job {job_id} is already {_state_name(state)}", field="id")
            record.job.cancel_requested = True
            # Kept in the record: the worker may be down now, and progress reports overwrite the message.
            record.job.cancel_reason = reason
            if state in (job_pb2.JOB_STATE_QUEUED, job_pb2.JOB_STATE_WAITING):  # no worker to tell
                _finish(record, job_pb2.JOB_STATE_CANCELLED, job_pb2.JobError(reason=reason))
            else:
                record.job.progress.message = f"cancelling: {reason}"

        return await self._update(job_id, mutate)

    async def resume(self, job_id: str, accept: Callable[[TypedJob], None] | None = None) -> TypedJob:
        """Queue a WAITING job again; `accept` stores the input it waited for in the same write."""
        self.messaging.require_connected()

        def mutate(record: TypedJob) -> None:
            if record.job.state != job_pb2.JOB_STATE_WAITING:
                raise FailedPrecondition(f"job {job_id} is {_state_name(record.job.state)}, not WAITING", field="id")
            if accept is not None:
                accept(record)
            record.job.state = job_pb2.JOB_STATE_QUEUED
            record.job.progress.message = "input received; queued"

        record, revision = await self._update_with_revision(job_id, mutate)
        # The revision makes each resume's message distinct, and a retried publish of the same one deduplicated.
        await self.messaging.submit_work(self.service, self.resource, job_id.encode(), msg_id=f"{job_id}:{revision}")
        return record

    async def list(
        self, *, page_size: int = 0, page_token: str = "", state: int = 0, labels: dict[str, str] | None = None
    ) -> tuple[list[TypedJob], str]:
        """Newest first; only jobs in `state` (any when 0) carrying all of `labels`."""
        self.messaging.require_connected()
        if page_size < 0:
            raise InvalidArgument("must not be negative", field="page.page_size")
        if page_token and not _is_job_id(page_token):
            raise InvalidArgument("is not a token from a previous response", field="page.page_token")
        if state not in job_pb2.JobState.values():
            raise InvalidArgument(f"{state} is not a JobState", field="state")
        wanted = dict(labels or {})
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        # Ids start with a millisecond timestamp: newest first, stable across pages.
        ids = sorted((k.removeprefix(self._key("")) for k in await self._record_keys()), reverse=True)
        if page_token:
            ids = [i for i in ids if i < page_token]
        jobs: list[TypedJob] = []
        for job_id in ids:
            with contextlib.suppress(NotFound):
                record = await self.get(job_id)
                if state and record.job.state != state:
                    continue
                if any(record.job.labels.get(key) != value for key, value in wanted.items()):
                    continue
                jobs.append(record)
                if len(jobs) == size:
                    break
        next_token = jobs[-1].job.id if len(jobs) == size else ""
        return jobs, next_token

    # -- the worker ----------------------------------------------------------------------------------

    async def _handle(self, msg, attempt: int) -> None:
        job_id = msg.data.decode()

        def start(record: TypedJob) -> None:
            state = record.job.state
            # Finished; parked (a redelivery of the message that ran up to the wait); or a first delivery
            # for a job another message already runs (a retried Create republished it).
            if state in TERMINAL_STATES or state == job_pb2.JOB_STATE_WAITING or (
                state == job_pb2.JOB_STATE_RUNNING and attempt == 1
            ):
                raise _NothingToRun
            if record.job.cancel_requested:  # asked while no worker ran it (its service was down): end it now
                _finish(record, job_pb2.JOB_STATE_CANCELLED, job_pb2.JobError(reason=_cancel_reason(record)))
                return
            record.job.state = job_pb2.JOB_STATE_RUNNING
            record.job.attempt = attempt
            if not record.job.HasField("start_time"):
                record.job.start_time.CopyFrom(_now())
            if attempt > 1:
                record.job.progress.message = f"resumed (attempt {attempt})"

        try:
            record = await self._update(job_id, start)
        except NotFound:
            log.warning("work for unknown job %s dropped", job_id)
            return
        except _NothingToRun:
            return
        if record.job.state in TERMINAL_STATES:  # cancelled before this attempt could start
            return
        context = JobContext(job_id, attempt, self.artifacts, record, self, asyncio.get_running_loop())
        if record.job.cancel_requested:
            context._cancel.set()
        watch_cancel = asyncio.create_task(self._follow_cancel(job_id, context))
        self._running[job_id] = context
        try:
            result = await self._run(context, record.spec)
        except JobInterrupted:
            await self._interrupted(job_id, context)
            raise WorkInterrupted(job_id) from None
        except JobWaiting as waiting:
            await self._park(job_id, waiting, context)
        except JobCancelled:
            reason = _cancel_reason(await self.get(job_id))
            await self._settle(job_id, job_pb2.JOB_STATE_CANCELLED, job_pb2.JobError(reason=reason), context)
        except TesselError as error:
            await self._settle(
                job_id, job_pb2.JOB_STATE_FAILED,
                job_pb2.JobError(code=error.job_code, reason=error.message, field=error.field), context,
            )
        except Exception as error:  # noqa: BLE001 - an unexpected failure must still end the job visibly
            log.exception("job %s failed", job_id)
            await self._settle(
                job_id, job_pb2.JOB_STATE_FAILED,
                job_pb2.JobError(code=job_pb2.ERROR_CODE_INTERNAL, reason=f"{type(error).__name__}: {error}"), context,
            )
        else:
            await self._settle(job_id, job_pb2.JOB_STATE_SUCCEEDED, None, context, result)
        finally:
            self._running.pop(job_id, None)
            watch_cancel.cancel()

    async def _interrupted(self, job_id: str, context: JobContext) -> None:
        """Stopped for a shutdown: stays RUNNING (its message is redelivered at once) and says so."""
        await context.flush()

        def mutate(record: TypedJob) -> None:
            if record.job.state == job_pb2.JOB_STATE_RUNNING:
                record.job.progress.message = "interrupted by a service shutdown; resumes from its stored work"

        with contextlib.suppress(Exception):
            await self._update(job_id, mutate)

    async def _dead_letter(self, msg, reason: str) -> None:
        job_id = msg.data.decode()

        def fail(record: TypedJob) -> None:
            if record.job.state not in TERMINAL_STATES:
                _finish(record, job_pb2.JOB_STATE_FAILED, job_pb2.JobError(code=job_pb2.ERROR_CODE_ABORTED, reason=reason))

        with contextlib.suppress(NotFound):
            await self._update(job_id, fail)

    async def _follow_cancel(self, job_id: str, context: JobContext) -> None:
        # aclosing: a cancelled follower stops its KV watcher now (a leaked one holds up the NATS drain).
        while True:
            with contextlib.suppress(Exception):
                async with contextlib.aclosing(self.watch(job_id)) as records:
                    async for record in records:
                        if record.job.cancel_requested:
                            context._cancel.set()
                            return
                        if record.job.state in TERMINAL_STATES:
                            return
            # The watch ended with NATS away: follow again once it is back (a cancel must still reach the job).
            await asyncio.sleep(WATCH_CONNECTION_CHECK_SECONDS)

    async def _settle(self, job_id: str, state: int, error, context: JobContext, result: Message | None = None) -> None:
        await context.flush()

        def mutate(record: TypedJob) -> None:
            if result is not None:
                record.result.CopyFrom(result)
            record.job.results.extend(context._results)
            _finish(record, state, error)

        await self._update(job_id, mutate)

    async def _park(self, job_id: str, waiting: JobWaiting, context: JobContext) -> None:
        await context.flush()

        def mutate(record: TypedJob) -> None:
            if record.job.state in TERMINAL_STATES:
                return
            if waiting.result is not None:
                record.result.CopyFrom(waiting.result)
            record.job.results.extend(context._results)
            if record.job.cancel_requested:  # asked while it ran: there is nothing left to stop
                _finish(record, job_pb2.JOB_STATE_CANCELLED, job_pb2.JobError(reason=_cancel_reason(record)))
                return
            record.job.state = job_pb2.JOB_STATE_WAITING
            record.job.progress.message = waiting.message

        await self._update(job_id, mutate)

    async def update_progress(self, job_id, done, total, unit, message, metrics) -> None:
        def mutate(record: TypedJob) -> None:
            if record.job.state in TERMINAL_STATES:
                return
            progress = record.job.progress
            if done is not None:
                progress.done = done
            if total is not None:
                progress.total = total
            if unit is not None:
                progress.unit = unit
            if message is not None:
                progress.message = message
            if metrics:
                progress.metrics.update({k: float(v) for k, v in metrics.items()})

        with contextlib.suppress(Exception):
            await self._update(job_id, mutate)

    # -- storage -------------------------------------------------------------------------------------

    async def _record_keys(self) -> list[str]:
        """This resource's job records only (filtered by the server, not by scanning every service's jobs)."""
        watcher = await _created_or_stopped(self._kv.watch(self._key("*"), meta_only=True, ignore_deletes=True))
        keys: list[str] = []
        try:
            while True:
                try:
                    # The "caught up" marker can overtake entries already in flight, so an empty
                    # answer is only trusted after a short quiet period.
                    entry = await watcher.updates(timeout=KEY_LISTING_QUIET_SECONDS)
                except nats.errors.TimeoutError:
                    break
                if entry is None:
                    continue
                keys.append(entry.key)
                if entry.delta == 0:
                    break
        finally:
            await watcher.stop()
        return keys

    async def _records(self) -> list[tuple[TypedJob, int]]:
        """Every job record of this resource with its revision, in one pass over the bucket."""
        watcher = await _created_or_stopped(self._kv.watch(self._key("*"), ignore_deletes=True))
        records: list[tuple[TypedJob, int]] = []
        try:
            while True:
                try:
                    entry = await watcher.updates(timeout=KEY_LISTING_QUIET_SECONDS)
                except nats.errors.TimeoutError:
                    break
                if entry is None:
                    continue
                if entry.value:
                    records.append((self.job_type.FromString(entry.value), entry.revision))
                if entry.delta == 0:
                    break
        finally:
            await watcher.stop()
        return records

    @property
    def _kv(self):
        return self.messaging.jobs_kv

    def _key(self, job_id: str) -> str:
        return f"{self.service}.{self.resource}.{job_id}"

    def _request_key(self, request_id: str) -> str:
        # One token more than a record key: listing records (`<service>.<resource>.*`) never sees it.
        return f"{self.service}.{self.resource}.request.{request_id}"

    @staticmethod
    def _check_id(job_id: str) -> None:
        if not job_id:
            raise InvalidArgument("is required", field="id")
        if not _is_job_id(job_id):
            raise InvalidArgument(f"{job_id!r} is not a job id", field="id")

    async def _read(self, job_id: str) -> tuple[TypedJob, int]:
        self._check_id(job_id)
        try:
            entry = await self._kv.get(self._key(job_id))
        except KeyNotFoundError as exc:
            raise NotFound(f"job {job_id} does not exist", field="id") from exc
        return self.job_type.FromString(entry.value), entry.revision

    async def _update(self, job_id: str, mutate: Callable[[TypedJob], None]) -> TypedJob:
        record, _ = await self._update_with_revision(job_id, mutate)
        return record

    async def _update_with_revision(self, job_id: str, mutate: Callable[[TypedJob], None]) -> tuple[TypedJob, int]:
        """Read-modify-write with compare-and-set, retried when another writer got there first."""
        while True:
            record, revision = await self._read(job_id)
            mutate(record)
            record.job.update_time.CopyFrom(_now())
            try:
                return record, await self._kv.update(self._key(job_id), record.SerializeToString(), last=revision)
            except KeyWrongLastSequenceError:
                continue


async def _created_or_stopped(creating: Awaitable):
    """Await a KV watcher's creation; when cancelled half-way, stop the watcher once it exists (a leaked
    one would hold up the connection's drain at shutdown)."""
    task = asyncio.ensure_future(creating)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        def stop_it(done: asyncio.Future) -> None:
            if not done.cancelled() and done.exception() is None:
                asyncio.ensure_future(done.result().stop())

        task.add_done_callback(stop_it)
        raise


class _NothingToRun(Exception):
    """A work message whose job needs no worker (see `JobManager._handle`)."""


def _is_job_id(text: str) -> bool:
    # ASCII only: a NATS KV key admits [-/_=.A-Za-z0-9], and "." and "/" would reach other records.
    return JOB_ID_PATTERN.fullmatch(text) is not None


def _check_labels(labels: dict[str, str]) -> None:
    if len(labels) > MAX_LABELS:
        raise InvalidArgument(f"{len(labels)} labels; at most {MAX_LABELS}", field="labels")
    for key, value in labels.items():
        if not key or len(key) > MAX_LABEL_KEY_CHARS:
            raise InvalidArgument(f"label key {key[:80]!r} must have 1-{MAX_LABEL_KEY_CHARS} characters", field="labels")
        if len(value) > MAX_LABEL_VALUE_CHARS:
            raise InvalidArgument(f"label {key!r} has over {MAX_LABEL_VALUE_CHARS} characters", field="labels")


_last_stamp = 0


def _new_job_id() -> str:
    """Millisecond timestamp (strictly increasing within a process, so ids sort by creation) plus a
    random suffix (unique across replicas)."""
    global _last_stamp
    _last_stamp = max(_last_stamp + 1, time.time_ns() // 1_000_000)
    return f"{_last_stamp:013d}-{uuid.uuid4().hex[:8]}"


def _finish(record: Message, state: int, error: job_pb2.JobError | None) -> None:
    record.job.state = state
    record.job.end_time.CopyFrom(_now())
    if error is not None:
        record.job.error.CopyFrom(error)


def _state_name(state: int) -> str:
    return job_pb2.JobState.Name(state).removeprefix("JOB_STATE_")


def _cancel_reason(record: Message) -> str:
    if record.job.cancel_reason:
        return record.job.cancel_reason
    message = record.job.progress.message  # records written before cancel_reason existed
    return message.removeprefix("cancelling: ") if message.startswith("cancelling: ") else "cancelled by request"


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp
