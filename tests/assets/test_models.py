from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from tessel.assets import models
from tessel.assets.cache import read_manifest, sha256_file
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound


def test_smollm2_converted_folder_runs_a_forward_pass(asset_cache: Path) -> None:
    folder = models.resolve_model("smollm2-135m", cache_dir=asset_cache)  # converts once, then reuses
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer("Call me Ishmael. Some years ago, never mind how", return_tensors="pt").input_ids[:, :8]
    assert ids.shape == (1, 8)
    with torch.inference_mode():
        output = model(ids, labels=ids)
    assert output.logits.shape == (1, 8, 49152)
    assert torch.isfinite(output.logits).all()
    # A trained LM predicts real text far better than uniform guessing (ln 49152 = 10.8 nats).
    assert output.loss.item() < 8.0
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576
    manifest = read_manifest(folder)
    gguf, recorded = models.smollm2_gguf()
    assert manifest["source_sha256"] == recorded
    assert manifest["weights_sha256"] == sha256_file(folder / "model.safetensors")


def test_resolving_again_reuses_the_conversion(asset_cache: Path) -> None:
    first = models.resolve_model("smollm2-135m", cache_dir=asset_cache)
    stamp = (first / "model.safetensors").stat().st_mtime_ns
    assert models.resolve_model("smollm2-135m", cache_dir=asset_cache) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == stamp


def test_reconverts_when_the_source_digest_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conversions = []

    def fake_convert(gguf: Path, dtype: str, folder: Path) -> None:
        conversions.append(dtype)
        (folder / "model.safetensors").write_bytes(b"weights")
        (folder / "config.json").write_text("{}")

    tokenizer_dir = tmp_path / "tok"
    tokenizer_dir.mkdir()
    monkeypatch.setattr(models, "_convert_gguf", fake_convert)
    monkeypatch.setattr(models, "smollm2_tokenizer_dir", lambda cache_dir=None: tokenizer_dir)
    folder = models.resolve_model("smollm2-135m", cache_dir=tmp_path)
    models.resolve_model("smollm2-135m", cache_dir=tmp_path)
    assert conversions == ["float32"]
    manifest = json.loads((folder / "tessel-asset.json").read_text())
    manifest |= {"source_sha256": "0" * 64, "source_mtime_ns": 0}  # as if the GGUF had been replaced
    (folder / "tessel-asset.json").write_text(json.dumps(manifest))
    models.resolve_model("smollm2-135m", cache_dir=tmp_path)
    assert conversions == ["float32", "float32"]
    assert read_manifest(folder)["source_sha256"] == models.smollm2_gguf()[1]


def test_tiny_llama_is_deterministic_from_its_seed(asset_cache: Path, smollm2_tokenizer) -> None:
    spec = models.parse_tiny_llama("tiny-llama-2l")
    assert (spec.layers, spec.seed) == (2, 0)
    first = models._build_tiny_llama(spec, "float32", smollm2_tokenizer).state_dict()
    again = models._build_tiny_llama(spec, "float32", smollm2_tokenizer).state_dict()
    other = models._build_tiny_llama(models.parse_tiny_llama("tiny-llama-2l-s1"), "float32", smollm2_tokenizer)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["model.embed_tokens.weight"], other.state_dict()["model.embed_tokens.weight"])


def test_tiny_llama_folder_loads_with_a_matching_tokenizer(asset_cache: Path) -> None:
    model, tokenizer = models.load_causal_lm("tiny-llama", cache_dir=asset_cache)
    assert model.config.num_hidden_layers == 4 and model.config.hidden_size == 64
    assert model.config.num_key_value_heads == 2 and model.config.intermediate_size == 128
    assert model.config.vocab_size == len(tokenizer) == 49152
    ids = tokenizer("the whale", return_tensors="pt").input_ids
    with torch.inference_mode():
        logits = model(ids).logits
    # Random weights: close to uniform over the vocabulary, far from a trained model.
    nll = torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:]).item()
    assert abs(nll - math.log(49152)) < 1.0
    assert models.verify_model("tiny-llama", cache_dir=asset_cache)["weights_sha256"]


def test_tiny_llama_bfloat16(asset_cache: Path) -> None:
    model, _ = models.load_causal_lm("tiny-llama-2l", dtype="bfloat16", cache_dir=asset_cache)
    assert model.dtype == torch.bfloat16


def test_local_folder_reference(tmp_path: Path, asset_cache: Path) -> None:
    source = models.resolve_model("tiny-llama-2l", cache_dir=asset_cache)
    model = AutoModelForCausalLM.from_pretrained(source)
    model.save_pretrained(tmp_path / "mine")
    assert models.resolve_model(str(tmp_path / "mine")) == (tmp_path / "mine").resolve()
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidArgument, match="config.json"):
        models.resolve_model(str(tmp_path / "empty"))


def test_hub_id_that_cannot_be_fetched_names_the_reference() -> None:
    ref = "tessel-does-not-exist/no-such-model-0"
    with pytest.raises((NotFound, FailedPrecondition)) as caught:
        models.resolve_model(ref)
    assert ref in str(caught.value) and caught.value.field == "model"


@pytest.mark.parametrize(
    ("ref", "dtype", "error"),
    [("smollm2-135m", "float16", InvalidArgument), ("not a model", "float32", NotFound), ("", "float32", InvalidArgument)],
)
def test_bad_references(ref: str, dtype: str, error: type) -> None:
    with pytest.raises(error):
        models.resolve_model(ref, dtype=dtype)


@pytest.mark.slow
def test_conversion_keeps_the_gguf_logits_exactly(asset_cache: Path, smollm2_tokenizer) -> None:
    reference = models.load_gguf_parent()
    converted = AutoModelForCausalLM.from_pretrained(models.resolve_model("smollm2-135m", cache_dir=asset_cache))
    ids = smollm2_tokenizer("It is a way I have of driving off the spleen", return_tensors="pt").input_ids
    with torch.inference_mode():
        assert torch.equal(reference(ids).logits, converted.eval()(ids).logits)


@pytest.mark.slow
def test_bfloat16_conversion_is_close_to_float32(asset_cache: Path, smollm2_tokenizer) -> None:
    full, _ = models.load_causal_lm("smollm2-135m", cache_dir=asset_cache)
    half, _ = models.load_causal_lm("smollm2-135m", dtype="bfloat16", cache_dir=asset_cache)
    ids = smollm2_tokenizer("Whenever I find myself growing grim about the mouth", return_tensors="pt").input_ids
    with torch.inference_mode():
        a, b = full(ids).logits, half(ids).logits.float()
    assert half.dtype == torch.bfloat16
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() >= 0.8
    assert models.verify_model("smollm2-135m", dtype="bfloat16", cache_dir=asset_cache)["source_sha256"]
