"""Global KD of a child assembled from a library: cosine + KL lowers the held-out KL; checkpoints resume."""

from __future__ import annotations

import pytest

from tessel.llm import AttentionConfig, BlockConfig, FFNConfig
from tessel.llm.nemotron_nas import load_heterogeneous
from tessel.runtime.errors import InvalidArgument
from tessel_block_distiller.core.capture import ref_from_dict
from tessel.runtime.executors.local import LocalExecutor
from tessel_block_distiller.core.global_kd import run_global_distillation
from tessel_block_distiller.core.library import build_library
from tessel_block_distiller.core.spec import GlobalDistillationRequest, LibraryRequest, SearchSpace
from tessel_block_distiller.core.settings import WORKER

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128
CHILD = (BlockConfig(AttentionConfig("gqa", 1), FFNConfig("mlp", 64)), BlockConfig(AttentionConfig("no_op"), FFNConfig("mlp", 64)))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from tessel.runtime.artifacts import ArtifactStore

    return ArtifactStore((tmp_path_factory.mktemp("gkd") / "artifacts").as_uri())


@pytest.fixture(scope="module")
def library_ref(corpus_dir, store):
    space = SearchSpace(kv_heads=(1,), ffn_sizes=(64,))
    request = LibraryRequest(parent_model=PARENT, corpus=corpus_dir, search_space=space, token_budget=4096,
                             held_out_tokens=1024, sequence_length=64)
    return build_library(request, job_id="lib", store=store, executor=LocalExecutor(WORKER),
                         progress=lambda **values: None, max_shards=1).manifest_ref


def gkd_request(corpus_dir, library_ref, **changes) -> GlobalDistillationRequest:
    values = dict(parent_model=PARENT, library_manifest=library_ref, block_configs=CHILD, corpus=corpus_dir,
                  token_budget=4096, held_out_tokens=1024, sequence_length=64, checkpoint_interval_tokens=1024,
                  learning_rate=2e-3)
    values.update(changes)
    return GlobalDistillationRequest(**values)


def test_global_kd_lowers_held_out_kl_and_exports_the_child(corpus_dir, store, library_ref, progress_log, tmp_path):
    outcome = run_global_distillation(gkd_request(corpus_dir, library_ref), job_id="gkd", store=store,
                                      progress=progress_log)
    assert outcome.final_kl < 0.9 * outcome.initial_kl
    manifest = outcome.manifest
    assert manifest["block_configs"][1]["attention"] == {"kind": "no_op", "num_key_value_heads": None}
    assert set(manifest["files"]) == {"config.json", "model.safetensors"}
    folder = tmp_path / "child"
    folder.mkdir()
    for name, ref in manifest["files"].items():
        (folder / name).write_bytes(store.get_bytes(ref_from_dict(ref)))
    child = load_heterogeneous(folder)
    assert child.model.layers[0].self_attn.k_proj.out_features == 16
    assert child.model.layers[1].mlp.gate_proj.out_features == 64
    last = progress_log.reports[-1]
    assert last["unit"] == "tokens" and last["done"] == last["total"] == 4096 and "kl" in last["metrics"]


def test_global_kd_resumes_from_its_last_checkpoint(corpus_dir, store, library_ref, progress_log):
    class Crash(Exception):
        pass

    def crash_after_checkpoint(**values):
        if values.get("done") == 2048:  # checkpoints at 1024 and (not yet) 2048 tokens
            raise Crash

    with pytest.raises(Crash):
        run_global_distillation(gkd_request(corpus_dir, library_ref), job_id="resume", store=store,
                                progress=crash_after_checkpoint)
    assert store.lookup("distill/resume/global_kd/checkpoint") is not None
    reports = []
    run_global_distillation(gkd_request(corpus_dir, library_ref), job_id="resume", store=store,
                            progress=lambda **values: reports.append(values))
    # the crash came before the 2048-token checkpoint was written: resume from the 1024-token one
    assert reports[0]["done"] == 1024 + 256
    assert reports[-1]["done"] == 4096


def test_child_blocks_missing_from_the_library_are_invalid(corpus_dir, store, library_ref, progress_log):
    child = (BlockConfig(AttentionConfig("linear"), FFNConfig("mlp", 128)), CHILD[1])
    with pytest.raises(InvalidArgument) as raised:
        run_global_distillation(gkd_request(corpus_dir, library_ref, block_configs=child), job_id="bad",
                                store=store, progress=progress_log)
    assert raised.value.field == "spec.global_kd.block_configs[0].attention"
