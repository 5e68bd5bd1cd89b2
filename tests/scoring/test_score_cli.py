"""`tessel score`: scenario parsing, artifact references (URI, stored name, job id), and a refused spec
through a real service (the full library → measure flow is in test_scoring_service.py)."""

from __future__ import annotations

import asyncio

import click
import grpc
import pytest
from click.testing import CliRunner

from tessel.cli.score import parse_scenario, resolve_ref, score
from tessel.common.v1 import scenario_pb2
from tessel.runtime.artifacts import ArtifactStore


def test_scenarios_from_presets_and_explicit_values():
    preset = parse_scenario("decode-heavy")
    assert (preset.batch_size, preset.prompt_length, preset.generation_length) == (16, 64, 128)
    assert preset.device == ""  # the service's device
    explicit = parse_scenario("chat=cuda,bfloat16,4,128,64")
    assert explicit.name == "chat" and explicit.device == "cuda"
    assert explicit.precision == scenario_pb2.PRECISION_BFLOAT16 and explicit.batch_size == 4
    for bad in ("x=cpu,int8,1,2,3", "x=cpu,float32,1,2", "x=cpu,float32,one,2,3"):
        with pytest.raises(click.BadParameter):
            parse_scenario(bad)


def test_references_resolve_from_a_uri_a_stored_name_or_a_job_id(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSEL_ARTIFACTS_URI", (tmp_path / "artifacts").as_uri())
    from tessel.runtime.settings import get_settings

    get_settings.cache_clear()
    try:
        store = ArtifactStore(get_settings().artifacts_root)
        ref = store.put_json({"schema": "tessel.distill.library"}, name="distill/JOB1/manifest")
        assert resolve_ref(ref.uri, "", what="M", job_name="distill/{job}/manifest").sha256 == ref.sha256
        assert resolve_ref("distill/JOB1/manifest", "", what="M", job_name="distill/{job}/manifest").uri == ref.uri
        assert resolve_ref("JOB1", "", what="M", job_name="distill/{job}/manifest").sha256 == ref.sha256
        with pytest.raises(click.BadParameter, match="--sha256"):
            resolve_ref("s3://bucket/library.json", "", what="M", job_name="distill/{job}/manifest")
        with pytest.raises(click.BadParameter, match="not a URI"):
            resolve_ref("JOB2", "", what="M", job_name="distill/{job}/manifest")
    finally:
        get_settings.cache_clear()


@pytest.mark.nats
async def test_library_command_reports_the_refused_field(start, settings, monkeypatch):
    from tessel_block_scorer.service import DEFINITION

    service = await start(DEFINITION)
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_ADDRESS", service.address)
    ArtifactStore(settings.artifacts_root).put_json({"schema": "not.a.library"}, name="distill/J/manifest")
    result = await asyncio.to_thread(CliRunner().invoke, score, ["library", "J", "--scenario", "prefill-heavy"])
    assert isinstance(result.exception, grpc.aio.AioRpcError), result.output
    assert result.exception.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "spec.library" in result.exception.details() and "not a block library" in result.exception.details()
