"""Job handlers: `validate_*` (fast, at Create) and `run_*_job` (in the job worker) for the scoring and
measurement resources."""

from __future__ import annotations

import asyncio

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.executors import make_executor
from tessel.runtime.settings import get_settings
from tessel.scoring.v1 import events_pb2, scoring_pb2
from tessel_block_scorer.api.convert import measurement_message, measurement_request, scenario_message, scoring_request
from tessel_block_scorer.core.job import score_library
from tessel_block_scorer.core.measurement_job import resolve, run_measurement
from tessel_block_scorer.core.settings import WORKER, ScorerSettings, get_scorer_settings
from tessel_block_scorer.core.spec import validate_request

LIBRARY_SCORED_SUBJECT = "tessel.scoring.v1.library_scored"


def _store() -> ArtifactStore:
    return ArtifactStore(get_settings().artifacts_root)


def validate_scoring_spec(spec: scoring_pb2.ScoringJobSpec, settings: ScorerSettings | None = None,
                          store: ArtifactStore | None = None) -> None:
    validate_request(scoring_request(spec, settings or get_scorer_settings()), store or _store())


def validate_measurement_spec(spec: scoring_pb2.MeasurementJobSpec, store: ArtifactStore | None = None) -> None:
    resolve(measurement_request(spec), store or _store())


async def run_scoring_job(ctx, spec: scoring_pb2.ScoringJobSpec) -> scoring_pb2.ScoringJobResult:
    settings = get_scorer_settings()
    request = scoring_request(spec, settings)
    executor, max_shards = make_executor(settings, WORKER, executor=request.executor, job_id=ctx.job_id,
                                         attempt=ctx.attempt)
    outcome = await asyncio.to_thread(
        score_library, request, job_id=ctx.job_id, store=ctx.artifacts, executor=executor, progress=ctx.progress,
        max_shards=max_shards, group_variants=settings.group_variants, cost_cache=settings.cost_cache(),
    )
    scored = [scoring_pb2.ScoredLibraryRef(scenario=scenario_message(s), scored_library=ref)
              for s, ref in zip(request.scenarios, outcome.scored_libraries, strict=True)]
    for ref in (*outcome.scored_libraries, outcome.report_ref, outcome.heatmap_ref):
        ctx.add_result(ref)
    await ctx.publish(LIBRARY_SCORED_SUBJECT, events_pb2.LibraryScored(
        job_id=ctx.job_id, library=spec.library, scored_libraries=scored, report=outcome.report_ref, time=_now()))
    return scoring_pb2.ScoringJobResult(
        scores=outcome.scored_libraries[0], scored_libraries=scored, report=outcome.report_ref,
        heatmap=outcome.heatmap_ref, variants_scored=outcome.scored_now, variants_reused=outcome.reused,
    )


async def run_measurement_job(ctx, spec: scoring_pb2.MeasurementJobSpec) -> scoring_pb2.MeasurementJobResult:
    request = measurement_request(spec)
    report_ref, measurements = await asyncio.to_thread(
        run_measurement, request, store=ctx.artifacts, progress=ctx.progress, job_id=ctx.job_id)
    ctx.add_result(report_ref)
    return scoring_pb2.MeasurementJobResult(report=report_ref,
                                            measurements=[measurement_message(m) for m in measurements])


def _now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp
