"""Export of an assembled child as a Hugging Face folder: nemotron-nas config, our loader, and plain
`transformers` with the bundled remote code in an interpreter that cannot import tessel."""

from __future__ import annotations

import copy
import json
import re
import site
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from test_assemble import MIXED, PARENT, asset_cache, build_library, load_parent, logits  # noqa: F401  (asset_cache: fixture)
from transformers import AutoTokenizer

from tessel.assets.models import resolve_model
from tessel.llm.block_config import ParentShape, parent_block_configs
from tessel.llm.hf_export import EXPORT_REPORT, export_hf_folder
from tessel.llm.nemotron_nas import load_heterogeneous
from tessel.llm.nemotron_nas_schema import nemotron_nas_problems
from tessel.runtime.artifacts import ArtifactStore
from tessel_arch_solver.core.assemble import assemble_and_export, assemble_child

REPO = Path(__file__).resolve().parents[2]
IDS_SHAPE = (2, 13)

# Runs under `python -I -S`: no site processing, so no editable-install finders; only the interpreter's
# site-packages directories are put back (torch, transformers, numpy), never the repository's sources.
ISOLATED_LOADER = r"""
import json, sys
site_dirs, sources, folders, ids_path, out = json.loads(sys.argv[1])
sys.path = [p for p in sys.path + site_dirs if p and not p.startswith(tuple(sources))]
report = {}
try:
    import tessel  # noqa
    report["tessel_importable"] = True
except ImportError:
    report["tessel_importable"] = False
import numpy, torch
from transformers import AutoModelForCausalLM, AutoTokenizer
ids = torch.from_numpy(numpy.load(ids_path))
for name, folder in folders.items():
    model, info = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True, dtype=torch.float32,
                                                       output_loading_info=True)
    with torch.no_grad():
        numpy.save(f"{out}/{name}.npy", model.eval()(ids).logits.numpy())
    generated = model.generate(ids[:1, :5], attention_mask=torch.ones_like(ids[:1, :5]), max_new_tokens=4,
                               do_sample=False)
    report[name] = {"class": type(model).__module__ + "." + type(model).__name__,
                    "missing": sorted(info["missing_keys"]), "unexpected": sorted(info["unexpected_keys"]),
                    "generated": generated.tolist(),
                    "tokens": AutoTokenizer.from_pretrained(folder, trust_remote_code=True)("hello world")["input_ids"]}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ArtifactStore((tmp_path_factory.mktemp("artifacts")).as_uri())


@pytest.fixture(scope="module")
def library(store):
    return build_library(store)


@pytest.fixture(scope="module")
def exported(library, store, tmp_path_factory):
    """The mixed child and the all-parent child, each exported, with their in-memory logits."""
    manifest, _ = library
    root = tmp_path_factory.mktemp("export")
    parent = load_parent()
    folders = {}
    for name, blocks in (("mixed", MIXED), ("parent", parent_block_configs(ParentShape.of(parent.config)))):
        child = assemble_child(manifest, blocks, store=store)
        result = export_hf_folder(child.model, root / name, blocks=child.blocks, source_folder=child.parent_folder)
        folders[name] = (result, logits(child.model))
    return folders, logits(parent)


def test_export_reloads_with_our_loader_and_is_complete(exported):
    folders, _ = exported
    result, expected = folders["mixed"]
    assert torch.equal(logits(load_heterogeneous(result.folder)), expected)
    names = {p.name for p in result.folder.iterdir()}
    assert {"config.json", "model.safetensors", "generation_config.json", "configuration_decilm.py",
            "modeling_decilm.py", "tokenizer.json", "tokenizer_config.json", EXPORT_REPORT} <= names
    # As with published nemotron-nas folders, AutoTokenizer reads config.json and so asks for remote code.
    assert AutoTokenizer.from_pretrained(result.folder, trust_remote_code=True)("hello world")["input_ids"]
    config = json.loads((result.folder / "config.json").read_text())
    assert config["auto_map"] == {"AutoConfig": "configuration_decilm.DeciLMConfig",
                                  "AutoModelForCausalLM": "modeling_decilm.DeciLMForCausalLM"}
    # The FFN of 96 channels is not expressible as ffn_mult (servers rebuild 256); the linear FFN is flagged too.
    codes = {(f["layer"], f["subblock"], f["code"]) for f in result.flags}
    assert codes == {(0, "ffn", "ffn_mult_inexact"), (1, "ffn", "replace_with_linear")}
    assert next(f for f in result.flags if f["code"] == "ffn_mult_inexact")["schema_builds"] == 256
    assert result.nemotron_nas_exact is False and config["tessel_nemotron_nas_exact"] is False
    report = json.loads((result.folder / EXPORT_REPORT).read_text())
    assert report["flags"] == result.flags and report["files"] == result.files
    for text in ("configuration_decilm.py", "modeling_decilm.py"):
        assert not re.search(r"^\s*(from|import)\s+tessel", (result.folder / text).read_text(), re.MULTILINE)


def test_transformers_alone_loads_the_folder_with_the_same_logits(exported, tmp_path):
    folders, parent_logits = exported
    ids = torch.randint(0, 49152, IDS_SHAPE, generator=torch.Generator().manual_seed(0))
    np.save(tmp_path / "ids.npy", ids.numpy())
    argument = json.dumps([site.getsitepackages(), [str(REPO / "shared"), str(REPO / "services")], {name: str(r.folder) for name, (r, _) in folders.items()},
                           str(tmp_path / "ids.npy"), str(tmp_path)])
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, "-I", "-S", "-c", ISOLATED_LOADER, argument], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["tessel_importable"] is False
    for name, (result, expected) in folders.items():
        remote = report[name]
        assert remote["class"].endswith("modeling_decilm.DeciLMForCausalLM")
        assert remote["missing"] == [] and remote["unexpected"] == []
        assert remote["tokens"] == AutoTokenizer.from_pretrained(resolve_model(PARENT))("hello world")["input_ids"]
        assert np.array_equal(np.load(tmp_path / f"{name}.npy"), expected.numpy()), name
    # The all-parent choice is the parent itself, through remote code too.
    assert np.array_equal(np.load(tmp_path / "parent.npy"), parent_logits.numpy())
    # Greedy generation with the KV cache (no-op attention in layer 0 keeps positions) matches our model.
    ours = load_heterogeneous(folders["mixed"][0].folder)
    prompt = ids[:1, :5]
    assert ours.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=4,
                         do_sample=False).tolist() == report["mixed"]["generated"]


def test_config_validates_against_the_nemotron_nas_schema(exported):
    folders, _ = exported
    config = json.loads((folders["mixed"][0].folder / "config.json").read_text())
    assert nemotron_nas_problems(config) == []
    assert len(config["block_configs"]) == config["num_hidden_layers"] == 2
    first, second = config["block_configs"]
    assert first["attention"] | {"sparsify": None} == {
        "no_op": True, "replace_with_linear": False, "n_heads_in_group": None, "sparsify": None,
        "window_length": None, "num_sink_tokens": None, "use_prefill_window_in_sink_attention": False,
        "unshifted_sink": False}
    assert first["ffn"] == {"no_op": False, "replace_with_linear": False, "ffn_mult": 2.25, "sparsify": None}
    assert second["attention"]["n_heads_in_group"] == 4 and second["ffn"]["replace_with_linear"] is True
    assert config["intermediate_size"] is None and config["num_key_value_heads"] is None

    def broken(change) -> list[str]:
        bad = copy.deepcopy(config)
        change(bad)
        return nemotron_nas_problems(bad)

    assert any("mutually exclusive" in p for p in broken(lambda c: c["block_configs"][0]["attention"].update(
        replace_with_linear=True)))
    assert any("one entry per layer" in p for p in broken(lambda c: c["block_configs"].pop()))
    assert any("must be null" in p for p in broken(lambda c: c["block_configs"][0]["attention"].update(
        n_heads_in_group=2)))
    assert any("ffn_mult must be a positive" in p for p in broken(lambda c: c["block_configs"][0]["ffn"].update(
        ffn_mult=None)))
    assert any("not in the schema" in p for p in broken(lambda c: c["block_configs"][1]["ffn"].update(width=3)))
    assert any("does not divide" in p for p in broken(lambda c: c["block_configs"][1]["attention"].update(
        n_heads_in_group=3)))
    assert any("model_type" in p for p in broken(lambda c: c.update(model_type="llama")))


def test_assemble_and_export_reports_sources_flags_and_files(library, store, tmp_path):
    manifest, scored = library
    result = assemble_and_export(manifest, MIXED, tmp_path / "child", store=store, scored_library=scored,
                                 dtype=torch.bfloat16, report={"solution": {"objective": 1.5}})
    assert [s["source"] for s in result.sources] == ["none", "library", "library", "library"]
    report = json.loads((result.folder / EXPORT_REPORT).read_text())
    assert report["sources"] == result.sources and report["solution"] == {"objective": 1.5}
    assert report["parent_model"] == "tiny-llama-2l" and report["block_configs"] == [b.to_dict() for b in MIXED]
    config = json.loads((result.folder / "config.json").read_text())
    assert config["dtype"] == "bfloat16"
    reloaded = load_heterogeneous(result.folder, dtype=torch.bfloat16)
    assert reloaded.model.layers[1].mlp.linear_mlp.weight.dtype == torch.bfloat16


def test_bundled_config_reads_plain_decilm_block_configs(exported):
    from tessel.llm.hf_modeling.configuration_decilm import DeciLMConfig

    config = json.loads((exported[0]["mixed"][0].folder / "config.json").read_text())
    plain = {k: v for k, v in config.items() if not k.startswith("tessel_") and k != "auto_map"}
    # Without Tessel's exact sizes, the width comes from ffn_mult as servers derive it (96 → 256).
    assert DeciLMConfig(**plain).layer_shape(0) == ("no_op", None, "mlp", 256)
    assert DeciLMConfig(**plain).layer_shape(1) == ("gqa", 1, "linear", None)
    assert DeciLMConfig(**config).layer_shape(0) == ("no_op", None, "mlp", 96)
    assert DeciLMConfig(**plain).to_dict()["block_configs"] == config["block_configs"]
    with pytest.raises(ValueError, match="1 block_configs for 2 layers"):
        DeciLMConfig(**{**plain, "block_configs": config["block_configs"][:1]})
    both = copy.deepcopy(plain)
    both["block_configs"][1]["ffn"]["no_op"] = True  # already replace_with_linear
    with pytest.raises(ValueError, match="mutually exclusive"):
        DeciLMConfig(**both)


def test_a_folder_saved_again_by_transformers_still_loads_with_our_loader(exported, tmp_path):
    from transformers import AutoModelForCausalLM

    result, expected = exported[0]["mixed"]
    remote = AutoModelForCausalLM.from_pretrained(result.folder, trust_remote_code=True, dtype=torch.float32)
    remote.save_pretrained(tmp_path / "resaved")
    assert (tmp_path / "resaved" / "modeling_decilm.py").is_file()
    assert torch.equal(logits(load_heterogeneous(tmp_path / "resaved")), expected)


def test_export_refuses_a_folder_that_already_has_files(library, store, tmp_path):
    manifest, _ = library
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "stale.bin").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        assemble_and_export(manifest, MIXED, tmp_path / "child", store=store)
