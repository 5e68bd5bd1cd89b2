"""The block-scorer in-process on port 0 against a real nats-server: a scoring job end to end through
gRPC (real local worker processes, Watch progress, LibraryScored event), a measurement job on its result,
the CLI's get and measure (with a --child file), and bad specs refused with INVALID_ARGUMENT naming the field (the short, unmarked test; the job logic
itself is covered in-process by test_job.py)."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from click.testing import CliRunner
from scoring_helpers import write_library

from tessel.cli.score import score
from tessel.client.block_scorer import BlockScorerClient
from tessel.common.v1 import artifact_pb2, job_pb2, scenario_pb2
from tessel.llm.scored_library import ScoredLibrary
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.messaging import Messaging
from tessel.scoring.v1 import events_pb2
from tessel.scoring.v1 import scoring_pb2 as pb
from tessel_block_scorer.service import DEFINITION

pytestmark = pytest.mark.nats
QUICK_COSTS = pb.CostOptions(repeats=1, stack_depth=1)


@pytest.fixture
async def service(start, monkeypatch, tmp_path):
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_WORKERS", "2")
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_GROUP_VARIANTS", "2")
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_COST_CACHE_DIR", str(tmp_path / "costs"))
    from tessel_block_scorer.core.settings import get_scorer_settings

    get_scorer_settings.cache_clear()
    yield await start(DEFINITION)
    get_scorer_settings.cache_clear()


def scenario(**changes) -> scenario_pb2.Scenario:
    values = dict(name="tiny", device="cpu", batch_size=1, prompt_length=16, generation_length=4,
                  precision=scenario_pb2.PRECISION_FLOAT32)
    values.update(changes)
    return scenario_pb2.Scenario(**values)


def scoring_spec(library_ref, **changes) -> pb.ScoringJobSpec:
    values = dict(library=library_ref, scenarios=[scenario()], held_out_tokens=512, batch_sequences=2,
                  cost_options=QUICK_COSTS)
    values.update(changes)
    return pb.ScoringJobSpec(**values)


@pytest.mark.slow  # ~60 s on 2 shared cores: worker processes start torch, costs and a measurement are timed
async def test_scoring_then_measurement_end_to_end(service, settings, corpus_dir, monkeypatch, tmp_path):
    store = ArtifactStore(settings.artifacts_root)
    library_ref = write_library(store, corpus_dir)
    messaging = await Messaging.connect(settings.nats_url, name="test")
    received: asyncio.Queue = asyncio.Queue()
    subscription = await messaging.client.subscribe("tessel.scoring.v1.library_scored", cb=received.put)
    try:
        updates = []
        async with BlockScorerClient(service.address) as client:
            record = await client.scoring.submit_and_watch(scoring_spec(library_ref), on_update=updates.append)
            event = events_pb2.LibraryScored.FromString((await asyncio.wait_for(received.get(), 30)).data)
            job = record.job
            assert job.state == job_pb2.JOB_STATE_SUCCEEDED, job.error.reason
            assert job.kind == "scoring" and job.progress.unit == "variants"
            assert job.progress.done == job.progress.total == 8
            assert record.result.variants_scored == 8 and record.result.variants_reused == 0
            assert any(u.job.progress.metrics.get("tokens_per_s", 0) > 0 for u in updates)
            (scored,) = record.result.scored_libraries
            assert scored.scored_library == record.result.scores and scored.scenario.batch_size == 1
            assert event.job_id == job.id and list(event.scored_libraries) == [scored]
            assert event.report == record.result.report
            library = ScoredLibrary.from_dict(store.get_json(record.result.scores))
            assert len(library.variants) == 12 and library.extra["data"]["split"] == "evaluation"

        monkeypatch.setenv("TESSEL_BLOCK_SCORER_ADDRESS", service.address)
        shown = await asyncio.to_thread(CliRunner().invoke, score, ["get", job.id, "--json"])
        assert shown.exit_code == 0, shown.output
        rows = {r["variant"]: r for r in json.loads(shown.stdout)["scored_libraries"][0]["rows"]}
        assert rows["attention kv2"]["kl"] == 0.0 and rows["ffn no_op"]["kl"] > rows["ffn 64"]["kl"] > 0
        child = tmp_path / "child.json"
        child.write_text(json.dumps([{"attention": {"kind": "gqa", "num_key_value_heads": 1},
                                      "ffn": {"kind": "mlp", "intermediate_size": 64}}] * 2))
        measured = await asyncio.to_thread(CliRunner().invoke, score, [
            "measure", job.id, "--child", str(child), "--repeats", "2", "--json"])
        assert measured.exit_code == 0, measured.output
        (m,) = json.loads(measured.stdout)["measurements"]
        assert m["prefill_s"] > 0 and m["decode_s_per_step"] > 0 and m["total_s"] > 0 and m["predicted_total_s"] > 0
        assert m["decode_tokens_per_s"] == pytest.approx(1 / m["decode_s_per_step"])
        assert m["error_pct"] == pytest.approx(100 * (m["predicted_total_s"] - m["total_s"]) / m["total_s"])
        report = store.get_json(artifact_pb2.ArtifactRef(**json.loads(measured.stdout)["report"]))
        assert report["measurements"][0]["decode_steps"] == 3 and report["block_configs"][0]["ffn"]["intermediate_size"] == 64
    finally:
        await subscription.unsubscribe()
        await messaging.close()


async def test_bad_specs_are_invalid_argument_naming_the_field(service, settings, corpus_dir):
    store = ArtifactStore(settings.artifacts_root)
    library_ref = write_library(store, corpus_dir)
    not_a_library = store.put_json({"schema": "tessel.scoring.scored_library", "variants": []})
    outside = artifact_pb2.ArtifactRef(uri="s3://elsewhere/sha256/ab/" + "ab" * 32, sha256="ab" * 32)
    cases = [
        (scoring_spec(library_ref, scenarios=[scenario(batch_size=0)]), "spec.scenarios[0].batch_size"),
        (scoring_spec(library_ref, scenarios=[scenario(device="tpu")]), "spec.scenarios[0].device"),
        (scoring_spec(not_a_library), "spec.library"),
        (scoring_spec(outside), "spec.library.uri"),
        (scoring_spec(library_ref, batch_sequences=-1), "spec.batch_sequences"),
    ]
    async with BlockScorerClient(service.address) as client:
        for spec, field in cases:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.scoring.create(spec)
            assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, field
            assert field in raised.value.details(), (field, raised.value.details())
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.measurement.create(pb.MeasurementJobSpec(scored_library=library_ref, block_configs=[]))
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "spec.block_configs" in raised.value.details()
