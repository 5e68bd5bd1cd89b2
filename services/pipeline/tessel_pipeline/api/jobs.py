"""The compression job: library -> scoring -> solve -> assembly -> global KD -> evaluation, each stage the
owning service's job (or call) through its gRPC client (see `stages` for re-attaching and reuse); then
child vs parent on held-out data, measured on the scenario, as a report and a `child_evaluated` event."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import tempfile
import time
from pathlib import Path

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp

from tessel.arch.v1 import arch_pb2
from tessel.client.arch_solver import ArchSolverClient
from tessel.client.block_distiller import BlockDistillerClient
from tessel.client.block_scorer import BlockScorerClient
from tessel.common.v1 import artifact_pb2
from tessel.compress.v1 import compress_pb2, events_pb2
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, TesselError
from tessel_pipeline.api import convert
from tessel_pipeline.api.stages import StageFailed, Stages, spec_digest, stage_name
from tessel_pipeline.core.evaluation import Comparison, compare
from tessel_pipeline.core.report import markdown, plot_png

CHILD_EVALUATED_SUBJECT = "tessel.compress.v1.child_evaluated"
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
MAX_CHILD_FILES = 64
S = compress_pb2


def validate_compression_spec(spec: compress_pb2.CompressionJobSpec) -> None:
    convert.validate_spec(spec)


async def run_compression_job(ctx, spec: compress_pb2.CompressionJobSpec) -> compress_pb2.CompressionJobResult:
    sizes = convert.sizes(spec)
    stages = Stages(ctx, ctx.job_id)
    result = compress_pb2.CompressionJobResult()
    async with BlockDistillerClient() as distiller, BlockScorerClient() as scorer, ArchSolverClient() as solver:
        library = await stages.job(S.STAGE_LIBRARY, distiller, convert.library_spec(spec, sizes))
        result.library.CopyFrom(library.result.manifest)

        scoring = await stages.job(S.STAGE_SCORING, scorer.scoring, convert.scoring_spec(spec, sizes, result.library))
        result.scored_library.CopyFrom(scoring.result.scores)

        started = time.monotonic()
        request = convert.solve_request(spec, sizes, result.scored_library)
        stages.report(S.STAGE_SOLVE, "solving the MIP")
        response = await stages.call(S.STAGE_SOLVE, lambda: _solve(solver, request))
        result.solution.CopyFrom(response.solutions[0])
        stages.done(S.STAGE_SOLVE, digest=spec_digest(request), started=started)
        document = ctx.artifacts.get_json(result.solution.artifact)
        child_blocks = convert.block_messages(document["block_configs"])

        assembly = await stages.job(S.STAGE_ASSEMBLY, solver, arch_pb2.AssemblyJobSpec(solution=result.solution.artifact))
        result.assembled_model.CopyFrom(assembly.result.model)

        if sizes.kd_tokens == 0:
            stages.records.append(compress_pb2.StageRecord(stage=S.STAGE_GLOBAL_KD))  # skipped: state unspecified
            result.child_model.CopyFrom(result.assembled_model)
        else:
            kd = await stages.job(S.STAGE_GLOBAL_KD, distiller,
                                  convert.global_kd_spec(spec, sizes, result.library, child_blocks))
            result.child_model.CopyFrom(kd.result.manifest)

        started = time.monotonic()
        manifest = ctx.artifacts.get_json(result.library)
        parent_blocks = convert.block_messages(convert.parent_blocks(manifest["parent"]["shape"]))
        measured = {}
        for part, blocks in (("parent", parent_blocks), ("child", child_blocks)):
            measured[part] = await stages.job(S.STAGE_EVALUATION, scorer.measurement,
                                              convert.measurement_spec(sizes, result.scored_library, blocks),
                                              reusable=False, part=f"measure-{part}")
    stages.report(S.STAGE_EVALUATION, "child vs parent on the held-out split")
    try:
        comparison = await asyncio.to_thread(_compare, ctx, spec, sizes, result.child_model)
    except TesselError as error:
        raise StageFailed(stage_name(S.STAGE_EVALUATION), error.message, code=error.job_code, field=error.field) from None
    result.evaluation.CopyFrom(_evaluation(comparison, measured))
    stages.done(S.STAGE_EVALUATION, started=started)
    result.stages.extend(stages.records)
    _store_report(ctx, spec, sizes, result, document)
    await ctx.publish(CHILD_EVALUATED_SUBJECT, events_pb2.ChildEvaluated(
        job_id=ctx.job_id, child_model=result.child_model, evaluation=result.evaluation, report=result.report,
        time=_now()))
    return result


async def _solve(solver: ArchSolverClient, request):
    try:
        return await solver.solve(request)
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.FAILED_PRECONDITION:  # an infeasible budget: no retry helps
            raise StageFailed(stage_name(S.STAGE_SOLVE), error.details(),
                              code=FailedPrecondition.job_code, field="spec.budget") from None
        raise


def _compare(ctx, spec, sizes, child_ref: artifact_pb2.ArtifactRef) -> Comparison:
    with tempfile.TemporaryDirectory(prefix="tessel-pipeline-child-") as scratch:
        folder = materialize_child(ctx.artifacts, child_ref, Path(scratch) / "child")
        return compare(spec.parent_model, spec.corpus or convert.DEFAULT_CORPUS, folder, seed=spec.seed,
                       tokens=sizes.evaluation_tokens, sequence_length=sizes.sequence_length or 256,
                       cloze_items=sizes.cloze_items, progress=lambda **values: ctx.progress(**_scaled(values)))


def _scaled(values: dict) -> dict:
    """Evaluation sub-progress reported as the pipeline's last stage (done = 5 of 6 stages)."""
    return {"done": 5, "total": 6, "unit": "stages",
            "message": f"evaluation: {values.get('message', '')} {values.get('done', 0)}/{values.get('total', 0)}"}


def materialize_child(store, ref: artifact_pb2.ArtifactRef, folder: Path) -> Path:
    """A child manifest's files (`files`: name -> ArtifactRef) copied into `folder` (names checked)."""
    manifest = store.get_json(ref)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not 0 < len(files) <= MAX_CHILD_FILES:
        raise InvalidArgument("is not a child model manifest (files)", field="child_model")
    folder.mkdir(parents=True, exist_ok=True)
    for name, entry in files.items():
        if not SAFE_FILE_NAME.fullmatch(name):
            raise InvalidArgument(f"unsafe file name {name[:80]!r} in the child manifest", field="child_model")
        source = store.fetch(artifact_pb2.ArtifactRef(uri=entry["uri"], sha256=entry["sha256"]))
        (folder / name).write_bytes(Path(source).read_bytes())
    return folder


def _evaluation(c: Comparison, measured: dict) -> compress_pb2.Evaluation:
    models = {}
    for part, quality in (("parent", c.parent), ("child", c.child)):
        m = measured[part].result.measurements[0]
        generated = m.scenario.batch_size * m.scenario.generation_length
        models[part] = compress_pb2.ModelEvaluation(
            params=quality.params, perplexity=quality.perplexity, cloze_accuracy=quality.cloze_accuracy,
            prefill_seconds=m.prefill_seconds, decode_seconds_per_token=m.decode_seconds_per_token,
            decode_tokens_per_second=m.decode_tokens_per_second, latency_seconds=m.total_seconds,
            throughput_tokens_per_second=generated / m.total_seconds if m.total_seconds else 0.0,
            measurement_job_id=measured[part].job.id)
    p, ch = models["parent"], models["child"]
    return compress_pb2.Evaluation(
        parent=p, child=ch, kl=c.kl, top1_agreement=c.top1_agreement,
        prefill_speedup=p.prefill_seconds / ch.prefill_seconds,
        decode_speedup=p.decode_seconds_per_token / ch.decode_seconds_per_token,
        latency_speedup=p.latency_seconds / ch.latency_seconds, evaluation_tokens=c.evaluation_tokens,
        cloze_items=c.cloze_items, split=c.split)


def _store_report(ctx, spec, sizes, result: compress_pb2.CompressionJobResult, solution: dict) -> None:
    e = result.evaluation
    evaluation = {"parent": _fields(e.parent), "child": _fields(e.child), "kl": e.kl, "top1_agreement": e.top1_agreement,
                  "prefill_speedup": e.prefill_speedup, "decode_speedup": e.decode_speedup,
                  "latency_speedup": e.latency_speedup, "evaluation_tokens": e.evaluation_tokens,
                  "cloze_items": e.cloze_items, "split": e.split}
    document = {
        "schema": "tessel.compress.evaluation", "schema_version": 1, "job_id": ctx.job_id,
        "parent_model": spec.parent_model, "corpus": spec.corpus or convert.DEFAULT_CORPUS,
        "profile": convert.PROFILE_NAMES[spec.profile], "sizes": dataclasses.asdict(sizes),
        "scenario": solution.get("scenario"), "budget": MessageToDict(spec.budget, preserving_proto_field_name=True),
        "predicted_speedup": result.solution.costs.speedup, "block_configs": solution["block_configs"],
        "child_model": MessageToDict(result.child_model, preserving_proto_field_name=True),
        "trace_id": ctx.record.job.trace_id,
        "stages": [{"stage": stage_name(r.stage), "job_id": r.job_id, "reused": r.reused,
                    "skipped": r.state == 0, "seconds": r.seconds, "input_sha256": r.input_digest}
                   for r in result.stages],
        **evaluation,
    }
    name = f"compress/{ctx.job_id}"
    result.evaluation_json.CopyFrom(ctx.artifacts.put_bytes(json.dumps(document, indent=2).encode(),
                                                            media_type="application/json", name=f"{name}/evaluation"))
    result.report.CopyFrom(ctx.artifacts.put_bytes(markdown(document).encode(), media_type="text/markdown",
                                                   name=f"{name}/report"))
    result.plot.CopyFrom(ctx.artifacts.put_bytes(plot_png(document), media_type="image/png", name=f"{name}/plot"))
    for ref in (result.evaluation_json, result.report, result.plot):
        ctx.add_result(ref)


def _fields(model: compress_pb2.ModelEvaluation) -> dict:
    return {f.name: getattr(model, f.name) for f in model.DESCRIPTOR.fields}


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp
