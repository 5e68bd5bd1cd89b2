"""Job handlers: `validate_spec` (fast, at Create) and `run_distillation_job` (in the job worker)."""

from __future__ import annotations

import asyncio

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.distill.v1 import distill_pb2, events_pb2
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.executors import make_executor
from tessel_block_distiller.api.convert import global_request, library_request
from tessel_block_distiller.core import inputs
from tessel_block_distiller.core.global_kd import run_global_distillation
from tessel_block_distiller.core.library import build_library
from tessel_block_distiller.core.settings import WORKER, DistillerSettings, get_distiller_settings
from tessel_block_distiller.core.spec import validate_global, validate_library

LIBRARY_READY_SUBJECT = "tessel.distill.v1.library_ready"


def kind_of(spec: distill_pb2.DistillationJobSpec) -> str:
    return spec.WhichOneof("kind") or "unknown"


def validate_spec(spec: distill_pb2.DistillationJobSpec, settings: DistillerSettings | None = None) -> None:
    settings = settings or get_distiller_settings()
    kind = spec.WhichOneof("kind")
    if kind in ("library", "global_kd"):  # paths first: a hostile path is refused whatever else is wrong
        inputs.confined_corpus(getattr(spec, kind).corpus, field=f"spec.{kind}.corpus")
    if kind == "library":
        request = library_request(spec.library, settings)
        folder = inputs.resolve_parent(request.parent_model, field="spec.library.parent_model")
        validate_library(request, inputs.parent_shape(folder, field="spec.library.parent_model"))
    elif kind == "global_kd":
        request = global_request(spec.global_kd)
        folder = inputs.resolve_parent(request.parent_model, field="spec.global_kd.parent_model")
        validate_global(request, inputs.parent_shape(folder, field="spec.global_kd.parent_model"))
    else:
        raise InvalidArgument("one of library or global_kd is required", field="spec")


async def run_distillation_job(ctx, spec: distill_pb2.DistillationJobSpec,
                               settings: DistillerSettings | None = None) -> distill_pb2.DistillationJobResult:
    settings = settings or get_distiller_settings()
    await asyncio.to_thread(validate_spec, spec, settings)
    if spec.WhichOneof("kind") == "library":
        request = library_request(spec.library, settings)
        executor, max_shards = make_executor(settings, WORKER, executor=request.executor, job_id=ctx.job_id,
                                             attempt=ctx.attempt)
        outcome = await asyncio.to_thread(
            build_library, request, job_id=ctx.job_id, store=ctx.artifacts, executor=executor,
            progress=ctx.progress, max_shards=max_shards,
        )
        ctx.add_result(outcome.manifest_ref)
        await ctx.publish(
            LIBRARY_READY_SUBJECT,
            events_pb2.LibraryReady(job_id=ctx.job_id, manifest=outcome.manifest_ref, time=_now()),
        )
        return distill_pb2.DistillationJobResult(
            manifest=outcome.manifest_ref, variants_trained=outcome.trained_now, variants_reused=outcome.reused
        )
    request = global_request(spec.global_kd)
    outcome = await asyncio.to_thread(
        run_global_distillation, request, job_id=ctx.job_id, store=ctx.artifacts, progress=ctx.progress
    )
    ctx.add_result(outcome.manifest_ref)
    return distill_pb2.DistillationJobResult(
        manifest=outcome.manifest_ref, initial_kl=outcome.initial_kl, final_kl=outcome.final_kl
    )


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp
