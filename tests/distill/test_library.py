"""The block-library job end to end on a tiny random Llama: capture → init → BLD → manifest, resume."""

from __future__ import annotations


from safetensors.torch import load

from tessel.llm.library_manifest import LIBRARY_SCHEMA, LIBRARY_SCHEMA_VERSION, loss_summary
from tessel_block_distiller.core.capture import ref_from_dict
from tessel.runtime.executors.local import LocalExecutor
from tessel_block_distiller.core.library import build_library
from tessel_block_distiller.core.spec import LibraryRequest, SearchSpace
from tessel_block_distiller.core.settings import WORKER

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128


def request(corpus_dir, **changes) -> LibraryRequest:
    values = dict(parent_model=PARENT, corpus=corpus_dir, token_budget=12_288, held_out_tokens=2_048,
                  sequence_length=64, chunk_tokens=4_096)
    values.update(changes)
    return LibraryRequest(**values)


def test_library_end_to_end_bld_beats_training_free_init(corpus_dir, store, progress_log):
    space = SearchSpace(kv_heads=(2, 1), ffn_sizes=(128, 64), attention_linear=True, ffn_linear=True)
    outcome = build_library(request(corpus_dir, search_space=space), job_id="e2e", store=store,
                            executor=LocalExecutor(WORKER), progress=progress_log, max_shards=2)
    manifest = outcome.manifest
    assert manifest["schema"] == LIBRARY_SCHEMA and manifest["schema_version"] == LIBRARY_SCHEMA_VERSION
    assert store.get_json(outcome.manifest_ref) == manifest
    assert store.lookup("distill/e2e/manifest") == outcome.manifest_ref
    # 2 layers × (kv2 parent, kv1, linear, no-op | ffn128 parent, ffn64, linear, no-op)
    assert len(manifest["variants"]) == 16 and outcome.trained_now == 8 and outcome.reused == 0
    assert manifest["data"]["train_tokens"] == 12_288 and manifest["data"]["held_out_tokens"] == 2_048
    assert manifest["data"]["split"] == "distillation" and manifest["data"]["corpus"] == corpus_dir
    for entry in manifest["variants"]:
        if entry["trained"]:
            state = load(store.get_bytes(ref_from_dict(entry["weights"])))  # verifies the sha256
            assert sum(t.numel() for t in state.values()) == entry["parameters"]
            assert entry["tokens"] == 12_288
        elif entry["config"]["kind"] == "no_op":
            assert entry["weights"] is None and entry["final_loss"] == 1.0 and entry["parameters"] == 0
        else:
            assert entry["final_loss"] == 0.0 and entry["weights"] is not None
    # BLD lowers the held-out normalised MSE below the training-free init, for every variant type and layer;
    # linear variants start from a least-squares fit that short BLD may not improve (it never worsens one)
    rows = {row["variant"]: row for row in loss_summary(manifest)}
    assert set(rows) == {"attention kv=1", "attention linear", "ffn 64", "ffn linear"}
    for name, row in rows.items():
        assert row["final_loss"] <= row["init_loss"], row
        if not name.endswith("linear"):
            assert row["improved_layers"] == row["layers"] == 2, row
            assert row["final_loss"] < row["init_loss"]
    assert {e["init"] for e in manifest["variants"] if e["config"]["kind"] == "linear"} <= {"weights", "least_squares"}
    last = progress_log.reports[-1]
    assert last["done"] == last["total"] == 8 and last["unit"] == "variants"
    assert any("tokens_per_s" in (r.get("metrics") or {}) for r in progress_log.reports)


def test_killed_worker_loses_no_finished_variant_and_a_rerun_reuses_everything(corpus_dir, store, progress_log):
    space = SearchSpace(kv_heads=(1,), ffn_sizes=(96, 64, 32), attention_no_op=False, ffn_no_op=False)
    executor = LocalExecutor(WORKER, restarts=1)
    finished_before_kill = {}

    def progress(**values):
        progress_log(**values)
        message = values.get("message") or ""
        if " done: " in message and not finished_before_kill and executor.processes:
            finished_before_kill["id"] = message.split(" done: ")[0]
            finished_before_kill["ref"] = store.lookup(f"distill/resume/variants/{finished_before_kill['id']}")
            executor.processes[0].kill()  # mid-job: the shard has more variants to go

    outcome = build_library(request(corpus_dir, search_space=space), job_id="resume", store=store,
                            executor=executor, progress=progress, max_shards=1)
    messages = [r.get("message") or "" for r in progress_log.reports]
    assert any("restarted" in m for m in messages)
    assert outcome.trained_now == 8
    # the parent's own subblocks are listed even when the space does not name them (kv2, ffn128 per layer)
    assert len(outcome.manifest["variants"]) == 2 * (2 + 4)
    # the variant finished before the kill kept its stored result (not retrained by the restarted worker)
    assert store.lookup(f"distill/resume/variants/{finished_before_kill['id']}") == finished_before_kill["ref"]
    started_after = [m for m in messages[messages.index(next(m for m in messages if "restarted" in m)):]
                     if m.startswith(finished_before_kill["id"] + ":")]
    assert started_after == []

    again = build_library(request(corpus_dir, search_space=space), job_id="resume", store=store,
                          executor=LocalExecutor(WORKER), progress=progress_log, max_shards=1)
    assert again.trained_now == 0 and again.reused == 8
    assert [v["weights"] for v in again.manifest["variants"]] == [v["weights"] for v in outcome.manifest["variants"]]


def test_capture_is_reused_and_memory_is_bounded_by_chunks(corpus_dir, store, progress_log):
    from tessel_block_distiller.core.library import _capture
    from tessel_block_distiller.core import inputs

    folder = inputs.resolve_parent(PARENT, field="p")
    req = request(corpus_dir, token_budget=8_192, chunk_tokens=2_048)
    capture = _capture(req, folder, job_id="cap", store=store, progress=progress_log)
    layer = capture["layers"][0]["ffn"]
    assert len(layer["train"]) == 4 and len(layer["held_out"]) == 1  # 8192 / 2048-token chunks
    # bf16: 2 tensors × 2048 tokens × 64 hidden × 2 bytes (+ a small header)
    assert 2 * 2048 * 64 * 2 < layer["train"][0]["size_bytes"] < 2 * 2048 * 64 * 2 + 1024
    calls = len(progress_log.reports)
    assert _capture(req, folder, job_id="cap", store=store, progress=progress_log) == capture
    assert len(progress_log.reports) == calls  # found by name, not recomputed
