"""Driving one stage: a job of the service that owns it, found again after a restart, reused by content.

A stage job carries three labels: the pipeline's id, the stage's name and the sha256 of its spec. Before
creating anything a (re)started pipeline lists its own stage job (it re-attaches to it, whatever state it is
in); failing that, a finished job of the same stage and inputs from an earlier pipeline is reused; only then
is a job created, with request id `<pipeline id>-<stage>` so two racing attempts still make one job. A
service that goes away mid-stage (restarted, redeployed) is waited for, up to UNAVAILABLE_PATIENCE_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass

import grpc
from google.protobuf.message import Message

from tessel.common.v1 import job_pb2
from tessel.compress.v1 import compress_pb2
from tessel.runtime.errors import TesselError
from tessel.runtime.jobs import JobCancelled, JobContext

PIPELINE_LABEL = "tessel-pipeline"
STAGE_LABEL = "tessel-stage"
INPUT_LABEL = "tessel-input-sha256"
TERMINAL = frozenset({job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED})
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
UNAVAILABLE_PATIENCE_SECONDS = 300.0
RETRY_SECONDS = 1.0
STAGES = [compress_pb2.STAGE_LIBRARY, compress_pb2.STAGE_SCORING, compress_pb2.STAGE_SOLVE,
          compress_pb2.STAGE_ASSEMBLY, compress_pb2.STAGE_GLOBAL_KD, compress_pb2.STAGE_EVALUATION]


def stage_name(stage: int) -> str:
    return compress_pb2.Stage.Name(stage).removeprefix("STAGE_").lower()


def spec_digest(spec: Message) -> str:
    return hashlib.sha256(spec.SerializeToString(deterministic=True)).hexdigest()


class StageFailed(TesselError):
    """A stage ended without success: the pipeline fails naming the stage and the stage's reason."""

    def __init__(self, stage: str, reason: str, *, code: int = job_pb2.ERROR_CODE_INTERNAL, field: str = "") -> None:
        super().__init__(f"stage {stage} failed: {reason}", field=field)
        self.job_code = code
        self.stage = stage


@dataclass
class Stages:
    """The stages of one pipeline run; `records` is what the result reports."""

    ctx: JobContext
    pipeline_id: str

    def __post_init__(self) -> None:
        self.records: list[compress_pb2.StageRecord] = []

    def report(self, stage: int, message: str, metrics: dict[str, float] | None = None) -> None:
        """Pipeline progress: done = stages finished; raises JobCancelled/JobInterrupted when asked to stop."""
        index = STAGES.index(stage)
        self.ctx.progress(done=index, total=len(STAGES), unit="stages",
                          message=f"{stage_name(stage)}: {message}" if message else stage_name(stage), metrics=metrics)

    def done(self, stage: int, *, job_id: str = "", reused: bool = False, digest: str = "", started: float) -> None:
        self.records.append(compress_pb2.StageRecord(
            stage=stage, state=job_pb2.JOB_STATE_SUCCEEDED, job_id=job_id, reused=reused, input_digest=digest,
            seconds=time.monotonic() - started))
        index = STAGES.index(stage) + 1
        self.ctx.progress(done=index, total=len(STAGES), unit="stages",
                          message=f"{stage_name(stage)} {'reused' if reused else 'done'}")

    async def job(self, stage: int, jobs, spec: Message, *, reusable: bool = True, part: str = "") -> Message:
        """Run (or re-attach to, or reuse) the stage's job on `jobs` (a tessel.client JobClient) to success."""
        name = stage_name(stage) + (f"-{part}" if part else "")
        digest = spec_digest(spec)
        started = time.monotonic()
        own = {PIPELINE_LABEL: self.pipeline_id, STAGE_LABEL: name}
        record, reused = None, False
        mine = await self.call(stage, lambda: jobs.list(page_size=1, labels=own))
        if mine[0]:
            record = mine[0][0]
        elif reusable:
            earlier = await self.call(stage, lambda: jobs.list(
                page_size=1, state=job_pb2.JOB_STATE_SUCCEEDED, labels={STAGE_LABEL: name, INPUT_LABEL: digest}))
            if earlier[0]:
                record, reused = earlier[0][0], True
        if record is None:
            record = await self.call(stage, lambda: jobs.create(
                spec, own | {INPUT_LABEL: digest}, request_id=f"{self.pipeline_id}-{name}"))
        try:
            record = await self._follow(stage, jobs, record)
        except JobCancelled:
            with contextlib.suppress(Exception):
                await jobs.cancel(record.job.id, f"pipeline {self.pipeline_id} cancelled")
            raise
        job = record.job
        if job.state != job_pb2.JOB_STATE_SUCCEEDED:
            reason = job.error.reason or job_pb2.JobState.Name(job.state)
            where = f" ({job.error.field})" if job.error.field else ""
            raise StageFailed(name, f"{jobs.service_name} job {job.id} {_state(job.state)}: {reason}{where}",
                              code=job.error.code or job_pb2.ERROR_CODE_INTERNAL)
        if not part:
            self.done(stage, job_id=job.id, reused=reused, digest=digest, started=started)
        return record

    async def _follow(self, stage: int, jobs, record: Message) -> Message:
        while record.job.state not in TERMINAL:
            async def watch(job_id=record.job.id):
                last = None
                async for update in jobs.watch(job_id):
                    last = update
                    p = update.job.progress
                    count = f" {p.done}/{p.total} {p.unit}" if p.total else ""
                    self.report(stage, f"{p.message}{count}".strip(), dict(p.metrics))
                return last

            latest = await self.call(stage, watch)
            record = latest if latest is not None else await self.call(stage, lambda: jobs.get(record.job.id))
        return record

    async def call(self, stage: int, call):
        """`await call()`, retried while the service is unavailable (restarting) up to the patience."""
        deadline = time.monotonic() + UNAVAILABLE_PATIENCE_SECONDS
        while True:
            try:
                return await call()
            except grpc.aio.AioRpcError as error:
                if error.code() not in RETRYABLE:
                    raise StageFailed(stage_name(stage), f"{error.code().name}: {error.details()}",
                                      code=_job_code(error.code())) from None
                if time.monotonic() > deadline:
                    raise StageFailed(stage_name(stage), f"the service stayed unavailable for "
                                      f"{UNAVAILABLE_PATIENCE_SECONDS:.0f} s: {error.details()}",
                                      code=job_pb2.ERROR_CODE_ABORTED) from None
                self.report(stage, "waiting for the service to come back")
                await asyncio.sleep(RETRY_SECONDS)


def _state(state: int) -> str:
    return job_pb2.JobState.Name(state).removeprefix("JOB_STATE_").lower()


def _job_code(code: grpc.StatusCode) -> int:
    return {grpc.StatusCode.INVALID_ARGUMENT: job_pb2.ERROR_CODE_INVALID_ARGUMENT,
            grpc.StatusCode.NOT_FOUND: job_pb2.ERROR_CODE_NOT_FOUND,
            grpc.StatusCode.FAILED_PRECONDITION: job_pb2.ERROR_CODE_FAILED_PRECONDITION,
            grpc.StatusCode.RESOURCE_EXHAUSTED: job_pb2.ERROR_CODE_RESOURCE_EXHAUSTED}.get(code, job_pb2.ERROR_CODE_INTERNAL)
