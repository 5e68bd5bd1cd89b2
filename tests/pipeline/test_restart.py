"""A block-scorer restarted while the pipeline's scoring stage runs: the scoring job resumes on the new
instance (same port, same NATS work queue), the pipeline waits for the service to come back, re-attaches
to the same stage job (no second scoring job) and completes."""

from __future__ import annotations

import pytest
from pipeline_helpers import parent_params, tiny_spec

from tessel.arch.v1 import arch_pb2
from tessel.client.block_scorer import BlockScorerClient
from tessel.client.compression import CompressionClient
from tessel.common.v1 import job_pb2
from tessel.runtime.server import start_service

pytestmark = pytest.mark.nats


async def _noop() -> None:
    return None


@pytest.mark.slow  # ~2 min on 2 shared cores: a whole pipeline plus a service restart
async def test_a_scorer_restarted_mid_pipeline_is_waited_for_and_the_pipeline_completes(services, corpus_dir, settings):
    from tessel_block_scorer.service import DEFINITION as SCORER

    spec = tiny_spec(corpus_dir, arch_pb2.Budget(max_params=parent_params() - 20_000), kd_tokens=0)
    async with CompressionClient() as client:
        created = await client.create(spec)
        async for record in client.watch(created.job.id):
            if record.job.progress.message.startswith("scoring:"):
                break
        scorer = services["block-scorer"]
        await scorer.stop()
        scorer.stop = _noop  # stopped here; the fixture's teardown must not stop it twice
        restarted = await start_service(SCORER, settings.model_copy(update={"grpc_port": scorer.port}))
        try:
            async for record in client.watch(created.job.id):
                pass
            async with BlockScorerClient() as scorer_client:
                scorings, _ = await scorer_client.scoring.list()
        finally:
            await restarted.stop()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED, record.job.error.reason
    (scoring,) = scorings  # re-attached: one scoring job, resumed by the restarted scorer
    assert scoring.job.state == job_pb2.JOB_STATE_SUCCEEDED and scoring.job.attempt >= 2
    assert record.result.stages[1].job_id == scoring.job.id
