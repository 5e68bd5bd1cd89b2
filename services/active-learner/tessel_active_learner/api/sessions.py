"""The session job handler, and the label input it waits for.

A session is a job of the interactive resource "sessions". Its state (labelled items, the batch awaiting
labels, the per-round log) is the job's `result`: with an external oracle the job parks (`JobWaiting`) after
each query holding no worker, `SubmitLabels` stores labels into the record and re-queues it (`resume`), and
the next attempt continues from that state, on whichever replica, after any restart. Labels for a part of
the batch are stored too; the session then parks again at once without loading anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp
from opentelemetry import context as otel_context
from opentelemetry import trace

from tessel.active.v1 import active_pb2 as pb
from tessel.active.v1 import events_pb2
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, fields_renamed
from tessel.runtime.jobs import JobManager, JobWaiting
from tessel.runtime.messaging import Messaging
from tessel.runtime.settings import requested_torch_device
from tessel.runtime.tracing import current_trace_id
from tessel_active_learner.api.conversions import (
    check_budgets,
    check_classification,
    result_from_state,
    round_to_proto,
    settings_from_spec,
    state_from_result,
    validate_spec,
)
from tessel_active_learner.core.session import RoundLog, SessionSettings, advance, pool_indices

DATASET_FIELDS = {"dataset": "spec.dataset", "root": "spec.dataset_root"}
ROUND_SUBJECT = "tessel.active.v1.session_round_completed"
PUBLISH_TIMEOUT_SECONDS = 30
_tracer = trace.get_tracer("tessel.active_learner")
MAX_LABELS_PER_REQUEST = 10_000



def load_splits(spec: pb.SessionSpec):
    from tessel.assets.datasets import load_dataset

    with fields_renamed(DATASET_FIELDS):
        return load_dataset(spec.dataset, seed=spec.seed, root=spec.dataset_root or None)


def prepare(spec: pb.SessionSpec, data, device: str) -> tuple[SessionSettings, np.ndarray]:
    """The core settings and the pool, checked against the dataset."""
    settings = settings_from_spec(spec, input_shape=tuple(data.input_shape), device=device)
    check_classification(data)
    with fields_renamed({"pool_size": "spec.pool_size"}):
        pool = pool_indices(len(data.train), settings.pool_size, spec.seed)
    check_budgets(settings, len(pool))
    return settings, pool


def validate_session(spec: pb.SessionSpec) -> None:
    """Create-time check, the dataset included (a budget larger than the pool is refused here)."""
    validate_spec(spec)
    prepare(spec, load_splits(spec), "cpu")


def _waiting_message(result: pb.SessionResult) -> str:
    return f"waiting for labels of {len(result.pending_indices)} items (round {len(result.rounds)})"


async def run_session(ctx, spec: pb.SessionSpec, *, messaging: Messaging) -> pb.SessionResult:
    validate_spec(spec)
    stored = ctx.record.result
    if stored.pending_indices:  # a part of the batch was labelled: keep waiting, nothing to compute
        raise JobWaiting(_waiting_message(stored), result=stored)
    device = requested_torch_device(spec.device, field="spec.device")
    ctx.progress(message=f"loading {spec.dataset}")
    data = await asyncio.to_thread(load_splits, spec)
    settings, pool = prepare(spec, data, device)
    state = state_from_result(stored, tuple(data.input_shape))

    def on_epoch(message: str) -> None:  # worker thread; raises JobCancelled once cancelling
        ctx.progress(done=len(state.labelled), total=settings.label_budget, unit="labels", message=message)

    loop = asyncio.get_running_loop()
    job_span = trace.get_current_span().get_span_context()

    def on_round(log: RoundLog, batch: list[int]) -> None:  # worker thread, inside the round's span
        ctx.progress(done=log.labelled_count, total=settings.label_budget, unit="labels",
                     message=f"round {log.round}: test accuracy {log.test_accuracy:.4f}",
                     metrics={"test_accuracy": log.test_accuracy, "validation_accuracy": log.validation_accuracy,
                              "parameters": log.parameters, "labelled": log.labelled_count})
        stamp = Timestamp()
        stamp.GetCurrentTime()
        event = events_pb2.SessionRoundCompleted(session_id=ctx.job_id, spec=spec, round=round_to_proto(log),
                                                 queried_indices=batch, time=stamp)
        publish = _in_context(otel_context.get_current(),
                              messaging.publish(ROUND_SUBJECT, event, msg_id=f"{ctx.job_id}:round-{log.round}"))
        asyncio.run_coroutine_threadsafe(publish, loop).result(timeout=PUBLISH_TIMEOUT_SECONDS)

    @contextmanager
    def round_scope(number: int) -> Iterator[str]:
        """Each round is its own trace, linked to the job's (a session's rounds may span days)."""
        links = [trace.Link(job_span)] if job_span.is_valid else []
        with _tracer.start_as_current_span(f"active-learner round {number}", context=otel_context.Context(),
                                           links=links, attributes={"tessel.session_id": ctx.job_id,
                                                                    "tessel.round": number}):
            yield current_trace_id()

    with fields_renamed({"strategy": "spec.strategy", "count": "spec.batch_size", "backbone": "spec.backbone"}):
        done = await asyncio.to_thread(advance, settings, data, pool, state, simulated=spec.oracle == pb.ORACLE_SIMULATED,
                                       on_epoch=on_epoch, on_round=on_round, round_scope=round_scope)
    result = result_from_state(state, num_classes=data.num_classes, pool_size=len(pool))
    if not done:
        raise JobWaiting(_waiting_message(result), result=result)
    return result


async def _in_context(context: otel_context.Context, work):
    """Run `work` on the event loop inside the calling thread's trace context (the round's span)."""
    token = otel_context.attach(context)
    try:
        return await work
    finally:
        otel_context.detach(token)


def check_labels(record: pb.Session, indices: list[int], labels: list[int]) -> None:
    """Refuse, naming the field, a label that was not asked for, repeated, or outside the label set."""
    if record.spec.oracle != pb.ORACLE_EXTERNAL:
        raise FailedPrecondition("this session's labels come from the dataset (simulated oracle)", field="session_id")
    if not indices:
        raise InvalidArgument("is required: at least one queried index", field="indices")
    if len(indices) > MAX_LABELS_PER_REQUEST:
        raise InvalidArgument(f"{len(indices)} items; at most {MAX_LABELS_PER_REQUEST} per request", field="indices")
    if len(labels) != len(indices):
        raise InvalidArgument(f"{len(labels)} labels for {len(indices)} indices", field="labels")
    result = record.result
    pending = set(result.pending_indices)
    labelled = set(result.labelled_indices)
    seen: set[int] = set()
    for position, (index, label) in enumerate(zip(indices, labels, strict=True)):
        if index in seen:
            raise InvalidArgument(f"{index} appears twice in this request", field=f"indices[{position}]")
        if index in labelled:
            raise InvalidArgument(f"{index} is already labelled", field=f"indices[{position}]")
        if index not in pending:
            raise InvalidArgument(f"{index} was never queried (it is not in the awaited batch)",
                                  field=f"indices[{position}]")
        if not 0 <= label < result.num_classes:
            raise InvalidArgument(f"class {label} is outside the label set [0, {result.num_classes})",
                                  field=f"labels[{position}]")
        seen.add(index)


async def submit_labels(jobs: JobManager, session_id: str, indices: list[int], labels: list[int]) -> pb.Session:
    if not session_id:
        raise InvalidArgument("is required", field="session_id")

    def accept(record: pb.Session) -> None:
        check_labels(record, indices, labels)  # again, on the record the write replaces
        given = dict(zip(indices, labels, strict=True))
        result = record.result
        result.labelled_indices.extend(indices)
        result.labels.extend(labels)
        still = [i for i in result.pending_indices if i not in given]
        del result.pending_indices[:]
        result.pending_indices.extend(still)

    with fields_renamed({"id": "session_id"}):
        check_labels(await jobs.get(session_id), indices, labels)  # a clear reason before `resume`'s state check
        return await jobs.resume(session_id, accept)
