"""The compression pipeline through the real stack: NATS plus the block-distiller, block-scorer,
arch-solver and pipeline services in-process, on a tiny random Llama. Every stage runs; a re-run with a new
budget reuses the library and the scores (asserted from the stage services' job records); a failing stage
fails the pipeline naming the stage and its reason."""

from __future__ import annotations

import grpc
import pytest
from pipeline_helpers import parent_params, tiny_spec

from tessel.arch.v1 import arch_pb2
from tessel.client.block_distiller import BlockDistillerClient
from tessel.client.block_scorer import BlockScorerClient
from tessel.client.compression import CompressionClient
from tessel.common.v1 import job_pb2
from tessel.compress.v1 import compress_pb2 as pb
from tessel.distill.v1 import distill_pb2
from tessel.runtime.artifacts import ArtifactStore

pytestmark = pytest.mark.nats
STAGES = ["library", "scoring", "solve", "assembly", "global_kd", "evaluation"]


def stage_names(record) -> list[str]:
    return [pb.Stage.Name(s.stage).removeprefix("STAGE_").lower() for s in record.result.stages]


async def test_a_failing_stage_fails_the_pipeline_with_its_reason(services, corpus_dir):
    # 3 KV heads do not divide the tiny parent's 2: the block-distiller refuses the library job.
    spec = tiny_spec(corpus_dir, arch_pb2.Budget(target_speedup=1.2),
                     search_space=distill_pb2.SearchSpace(kv_heads=[3], ffn_intermediate_sizes=[64]))
    async with CompressionClient() as client:
        record = await client.submit_and_watch(spec)
    job = record.job
    assert job.state == job_pb2.JOB_STATE_FAILED
    assert job.error.reason.startswith("stage library failed: INVALID_ARGUMENT")
    assert "kv_heads" in job.error.reason and job.error.code == job_pb2.ERROR_CODE_INVALID_ARGUMENT


async def test_bad_specs_are_refused_naming_the_field(services, corpus_dir):
    async with CompressionClient() as client:
        for spec, field in ((tiny_spec(corpus_dir, arch_pb2.Budget()), "spec.budget"),
                            (tiny_spec("/etc", arch_pb2.Budget(target_speedup=1.5)), "spec.corpus"),
                            (tiny_spec(corpus_dir, arch_pb2.Budget(target_speedup=-1.0)), "spec.budget.target_speedup")):
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.create(spec)
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in raised.value.details()


@pytest.mark.slow  # ~2-3 min on 2 shared cores: three pipelines, worker processes, timed measurements
async def test_every_stage_runs_and_a_new_budget_reuses_library_and_scores(services, corpus_dir, settings):
    store = ArtifactStore(settings.artifacts_root)
    params = parent_params()
    updates = []
    async with CompressionClient() as client:
        first = await client.submit_and_watch(tiny_spec(corpus_dir, arch_pb2.Budget(max_params=params - 20_000)),
                                              on_update=updates.append)
        assert first.job.state == job_pb2.JOB_STATE_SUCCEEDED, first.job.error.reason
        assert stage_names(first) == STAGES and not any(s.reused for s in first.result.stages)
        assert all(s.state == job_pb2.JOB_STATE_SUCCEEDED for s in first.result.stages)
        assert {u.job.progress.message.split(":")[0] for u in updates} >= {"library", "scoring", "evaluation"}
        e = first.result.evaluation
        assert e.child.params <= params - 20_000 < e.parent.params == params
        assert e.kl > 0 and 0 < e.top1_agreement < 1 and e.parent.perplexity > 1 and e.child.perplexity > 1
        assert 0 <= e.child.cloze_accuracy <= 1 and e.cloze_items == 20 and e.split == "evaluation"
        assert e.parent.prefill_seconds > 0 and e.latency_speedup == pytest.approx(
            e.parent.latency_seconds / e.child.latency_seconds)
        report = store.get_bytes(first.result.report).decode()
        assert first.job.id in report and "KL(parent ‖ child)" in report
        assert store.get_bytes(first.result.plot)[:4] == b"\x89PNG"

        second = await client.submit_and_watch(tiny_spec(corpus_dir, arch_pb2.Budget(max_params=params - 5_000)))
        assert second.job.state == job_pb2.JOB_STATE_SUCCEEDED, second.job.error.reason
        by_stage = {name: s for name, s in zip(stage_names(second), second.result.stages, strict=True)}
        first_stages = dict(zip(stage_names(first), first.result.stages, strict=True))
        for name in ("library", "scoring"):
            assert by_stage[name].reused and by_stage[name].job_id == first_stages[name].job_id
        assert not by_stage["global_kd"].reused and by_stage["global_kd"].job_id != first_stages["global_kd"].job_id
        assert second.result.library == first.result.library
        assert second.result.scored_library == first.result.scored_library

        infeasible = await client.submit_and_watch(tiny_spec(corpus_dir, arch_pb2.Budget(max_params=1000)))
        assert infeasible.job.state == job_pb2.JOB_STATE_FAILED
        assert infeasible.job.error.reason.startswith("stage solve failed") and infeasible.job.error.field == "spec.budget"

    # The stage services' own records: one library and one scoring job in all, two global KD jobs.
    async with BlockDistillerClient() as distiller, BlockScorerClient() as scorer:
        distillations, _ = await distiller.list()
        scorings, _ = await scorer.scoring.list()
    assert sorted(j.job.kind for j in distillations) == ["global_kd", "global_kd", "library"]
    assert len(scorings) == 1 and scorings[0].job.labels["tessel-pipeline"] == first.job.id
