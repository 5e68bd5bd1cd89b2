"""The block-distiller in-process on port 0 against a real nats-server: a library job end to end through
gRPC (Watch progress, LibraryReady event), a bad spec refused, the CLI's loss table."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from click.testing import CliRunner

from tessel.client.block_distiller import BlockDistillerClient
from tessel.common.v1 import job_pb2
from tessel.distill.v1 import distill_pb2 as pb
from tessel.distill.v1 import events_pb2
from tessel.runtime.messaging import Messaging
from tessel_block_distiller.service import DEFINITION

pytestmark = pytest.mark.nats
PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128


@pytest.fixture
async def service(start, monkeypatch):
    monkeypatch.setenv("TESSEL_BLOCK_DISTILLER_WORKERS", "1")
    from tessel_block_distiller.core.settings import get_distiller_settings

    get_distiller_settings.cache_clear()
    yield await start(DEFINITION)
    get_distiller_settings.cache_clear()


def library_spec(corpus_dir) -> pb.DistillationJobSpec:
    return pb.DistillationJobSpec(library=pb.LibrarySpec(
        parent_model=PARENT, corpus=corpus_dir, token_budget=4096, held_out_tokens=1024, sequence_length=64,
        search_space=pb.SearchSpace(kv_heads=[1], ffn_intermediate_sizes=[64], ffn_no_op=True),
    ))


async def test_library_job_end_to_end_with_progress_and_event(service, settings, corpus_dir):
    messaging = await Messaging.connect(settings.nats_url, name="test")
    received: asyncio.Queue = asyncio.Queue()
    subscription = await messaging.client.subscribe("tessel.distill.v1.library_ready", cb=received.put)
    try:
        updates = []
        async with BlockDistillerClient(service.address) as client:
            record = await client.submit_and_watch(library_spec(corpus_dir), on_update=updates.append)
        event = events_pb2.LibraryReady.FromString((await asyncio.wait_for(received.get(), 30)).data)
    finally:
        await subscription.unsubscribe()
        await messaging.close()
    job = record.job
    assert job.state == job_pb2.JOB_STATE_SUCCEEDED, job.error.reason
    assert job.kind == "library" and job.progress.unit == "variants"
    assert job.progress.done == job.progress.total == 4  # 2 layers × (kv1, ffn64)
    assert record.result.variants_trained == 4 and record.result.variants_reused == 0
    assert event.job_id == job.id and event.manifest == record.result.manifest
    assert list(job.results) == [record.result.manifest]
    assert any(u.job.progress.metrics.get("tokens_per_s", 0) > 0 for u in updates)

    from tessel.cli.distill import distill

    result = await asyncio.to_thread(
        CliRunner().invoke, distill, ["table", record.result.manifest.uri, record.result.manifest.sha256, "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {row["variant"]: row for row in json.loads(result.output)["rows"]}
    assert set(rows) == {"attention kv=1", "ffn 64"}
    assert all(row["final_loss"] < row["init_loss"] for row in rows.values())


async def test_create_refuses_a_bad_spec(service, corpus_dir):
    spec = library_spec(corpus_dir)
    spec.library.search_space.kv_heads[:] = [3]
    async with BlockDistillerClient(service.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.create(spec)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "spec.library.search_space.kv_heads" in raised.value.details()
    assert "not a divisor of the parent's 2 KV heads" in raised.value.details()


async def test_cli_library_follows_the_job_and_prints_the_loss_table(service, corpus_dir, monkeypatch):
    from tessel.cli.distill import distill

    monkeypatch.setenv("TESSEL_BLOCK_DISTILLER_ADDRESS", service.address)
    args = ["library", "--parent", PARENT, "--corpus", corpus_dir, "--kv-heads", "1", "--ffn-sizes", "32",
            "--layers", "1", "--token-budget", "2048", "--held-out-tokens", "512", "--sequence-length", "64"]
    result = await asyncio.to_thread(CliRunner().invoke, distill, args)
    assert result.exit_code == 0, result.output
    assert "kv=1" in result.output and "ffn 32" in result.output and "1/1" in result.output
    assert "manifest:" in result.output and "sha256" in result.output
    bad = await asyncio.to_thread(CliRunner().invoke, distill, [*args[:5], "--kv-heads", "3"])
    assert isinstance(bad.exception, grpc.aio.AioRpcError)
    assert bad.exception.code() == grpc.StatusCode.INVALID_ARGUMENT and "not a divisor" in bad.exception.details()
