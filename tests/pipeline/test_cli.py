"""`tessel compress`: a missing budget is a usage error (exit 2, nothing submitted); `get` of a pipeline
whose library stage was refused exits 2 and names the stage and the reason."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from pipeline_helpers import tiny_spec

from tessel.arch.v1 import arch_pb2
from tessel.cli.compress import compress
from tessel.client.compression import CompressionClient
from tessel.distill.v1 import distill_pb2


def test_a_budget_is_required():
    result = CliRunner().invoke(compress, ["--parent", "tiny-llama-2l"])
    assert result.exit_code == 2 and "give a budget" in result.output


@pytest.mark.nats
async def test_get_of_a_failed_pipeline_names_the_stage(services, corpus_dir):
    spec = tiny_spec(corpus_dir, arch_pb2.Budget(target_speedup=1.2),
                     search_space=distill_pb2.SearchSpace(kv_heads=[3], ffn_intermediate_sizes=[64]))
    async with CompressionClient() as client:
        record = await client.submit_and_watch(spec)
    shown = await asyncio.to_thread(CliRunner().invoke, compress, ["get", record.job.id])
    assert shown.exit_code == 2
    assert f"compression job {record.job.id} failed: stage library failed" in shown.output
