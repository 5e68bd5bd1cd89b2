"""The scoring job in-process on a tiny library: scored libraries per scenario in the shared schema,
the report, resumption that keeps finished variants, and bad input naming its field."""

from __future__ import annotations

import pytest

from tessel.common.v1 import artifact_pb2
from tessel.llm.scored_library import ScoredLibrary, Scenario
from tessel.runtime.errors import InvalidArgument
from tessel_block_scorer.core.cost import CostOptions
from tessel_block_scorer.core.job import score_library
from tessel_block_scorer.core.quality import run_shard
from tessel_block_scorer.core.spec import ScoringRequest, validate_request

QUICK_COSTS = CostOptions(warmup=0, repeats=1, stack_depth=1, decode_sample_seconds=0.005)
CPU = Scenario(device="cpu", dtype="float32", batch_size=1, prompt_length=16, generation_length=4, name="tiny")


class InProcessExecutor:
    """Runs each shard in this process (the executors themselves are tested in tests/distill); records the
    work orders and can stop after a number of finished variants, like a worker dying."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.stop_after = stop_after
        self.work_orders = []

    def run(self, store, work_order_ref, shard_count, on_event):
        work_order = store.get_json(work_order_ref)
        self.work_orders.append(work_order)
        finished = [0]

        def emit(event):
            on_event(event)
            if event["event"] == "finished":
                finished[0] += 1
                if self.stop_after is not None and finished[0] >= self.stop_after:
                    raise RuntimeError("worker died")

        for index in range(shard_count):
            run_shard(store, work_order, index, shard_count, emit)


def request(library_ref, **changes) -> ScoringRequest:
    values = dict(library=library_ref, scenarios=(CPU,), held_out_tokens=512, batch_sequences=2, vocab_chunk=8192,
                  cost_options=QUICK_COSTS)
    values.update(changes)
    return ScoringRequest(**values)


@pytest.fixture(autouse=True)
def _cost_cache(tmp_path):
    run.cost_cache = tmp_path / "costs"


def run(store, library_ref, executor, job_id="job", **changes):
    def progress(**values):
        run.reports.append(values)

    run.reports = []
    return score_library(request(library_ref, **changes), job_id=job_id, store=store, executor=executor,
                         progress=progress, max_shards=2, group_variants=2, cost_cache=run.cost_cache)


def test_scores_every_variant_and_writes_a_scored_library_per_scenario(store, library_ref):
    decode_heavy = Scenario(device="cpu", dtype="float32", batch_size=2, prompt_length=8, generation_length=16)
    outcome = run(store, library_ref, InProcessExecutor(), scenarios=(CPU, decode_heavy))
    assert outcome.scored_now == 8 and outcome.reused == 0  # 2 layers × (kv1, attention no_op, ffn64, ffn no_op)
    libraries = [ScoredLibrary.from_dict(store.get_json(ref)) for ref in outcome.scored_libraries]
    assert [lib.scenario for lib in libraries] == [CPU, decode_heavy]
    first = libraries[0]
    assert first.num_layers == 2 and len(first.variants) == 12 and first.metrics() == {"kl", "lm_loss_delta", "top1_disagreement"}
    for v in first.variants:
        if v.is_parent:
            assert all(s.mean == 0.0 and s.stderr == 0.0 for s in v.scores.values())
        else:
            assert v.scores["kl"].mean > 0 and v.scores["kl"].stderr > 0, v.variant_id
    kl = {v.variant_id: v.scores["kl"].mean for v in first.variants}
    assert kl["L000-ffn-no_op"] > kl["L000-ffn-ffn64"] > 0  # half the FFN keeps more than none of it
    assert first.extra["data"]["split"] == "evaluation" and first.extra["data"]["tokens"] == 512
    assert first.extra["data"]["batches"] == 4
    # quality is shared across scenarios; costs are the scenario's
    assert [v.scores for v in libraries[1].variants] == [v.scores for v in first.variants]
    cost = {v.variant_id: v.cost for v in libraries[1].variants}
    assert cost["L000-attention-kv1"].kv_cache_bytes < cost["L000-attention-kv2"].kv_cache_bytes
    assert cost["L000-ffn-ffn64"].params < cost["L000-ffn-ffn128"].params
    report = store.get_bytes(outcome.report_ref).decode()
    assert "| attention kv1 | 2 |" in report and "ffn no_op" in report and outcome.heatmap_ref.uri in report
    assert store.get_bytes(outcome.heatmap_ref)[:8] == b"\x89PNG\r\n\x1a\n"
    last = run.reports[-1]
    assert last["done"] == last["total"] == 8 and last["unit"] == "variants"


def test_a_restarted_job_keeps_the_variants_it_finished(store, library_ref):
    with pytest.raises(RuntimeError, match="worker died"):
        run(store, library_ref, InProcessExecutor(stop_after=3))
    # groups of 2: the first group (2 variants) is stored, the second died mid-group after storing one more
    executor = InProcessExecutor()
    outcome = run(store, library_ref, executor)
    assert outcome.reused == 3 and outcome.scored_now == 5
    assert len(executor.work_orders[0]["variants"]) == 5
    fresh_store_outcome = run(store, library_ref, InProcessExecutor(), job_id="again")
    assert fresh_store_outcome.reused == 8 and fresh_store_outcome.scored_now == 0  # same inputs: all reused
    first = ScoredLibrary.from_dict(store.get_json(outcome.scored_libraries[0]))
    again = ScoredLibrary.from_dict(store.get_json(fresh_store_outcome.scored_libraries[0]))
    assert [v.scores for v in first.variants] == [v.scores for v in again.variants]


def test_layers_a_library_leaves_out_keep_the_parent(store, corpus_dir):
    from scoring_helpers import write_library

    outcome = run(store, write_library(store, corpus_dir, layers=(1,)), InProcessExecutor())
    library = ScoredLibrary.from_dict(store.get_json(outcome.scored_libraries[0]))  # validates full coverage
    layer0 = [v for v in library.variants if v.layer == 0]
    assert outcome.scored_now == 4 and len(layer0) == 2 and all(v.is_parent and v.variant_id == "" for v in layer0)
    parent_ffn = next(v for v in library.variants if v.layer == 1 and v.subblock == "ffn" and v.is_parent)
    assert next(v for v in layer0 if v.subblock == "ffn").cost == parent_ffn.cost


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"scenarios": (Scenario("cpu", "float32", 0, 16, 4),)}, "spec.scenarios[0].batch_size", "1.."),
    ({"scenarios": (Scenario("tpu", "float32", 1, 16, 4),)}, "spec.scenarios[0].device", "unknown device"),
    ({"batch_sequences": 0}, "spec.batch_sequences", "must be in"),
    ({"vocab_chunk": 0}, "spec.vocab_chunk", "must be in"),
    ({"parent_model": "smollm2-135m"}, "spec.parent_model", "distilled from"),
])
def test_bad_requests_name_the_field(store, library_ref, changes, field, message):
    with pytest.raises(InvalidArgument) as raised:
        validate_request(request(library_ref, **changes), store)
    assert raised.value.field == field and message in raised.value.message


def test_a_corpus_or_parent_folder_outside_the_data_roots_is_refused(store, library_ref, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "doc.txt").write_text("private text " * 50)
    with pytest.raises(InvalidArgument) as raised:  # refused at Create already
        validate_request(request(library_ref, corpus=str(outside)), store)
    assert raised.value.field == "spec.corpus" and "outside the folders" in raised.value.message
    manifest = store.get_json(library_ref)
    manifest["parent"]["model"] = str(outside)
    with pytest.raises(InvalidArgument) as raised:
        validate_request(request(store.put_json(manifest)), store)
    assert raised.value.field == "spec.parent_model" and "outside the folders" in raised.value.message


def test_a_manifest_that_is_not_one_and_an_artifact_outside_the_store_are_refused(store):
    not_a_library = store.put_json({"schema": "something.else", "variants": []})
    with pytest.raises(InvalidArgument) as raised:
        validate_request(request(not_a_library), store)
    assert raised.value.field == "spec.library" and "not a block library manifest" in raised.value.message
    outside = artifact_pb2.ArtifactRef(uri="s3://elsewhere/sha256/ab/" + "ab" * 32, sha256="ab" * 32)
    with pytest.raises(InvalidArgument) as raised:
        validate_request(request(outside), store)
    assert raised.value.field == "spec.library.uri" and "s3://elsewhere" in raised.value.message


def _scored_library_ref(store, library_ref):
    from tessel.llm.scored_library import Cost, Score, ScoredVariant

    cost = Cost(params=1, weight_bytes=4, kv_cache_bytes=0, prefill_seconds=1e-3, decode_seconds_per_token=1e-4)
    zero = {"kl": Score(0.0, 0.0), "lm_loss_delta": Score(0.0, 0.0), "top1_disagreement": Score(0.0, 0.0)}
    variants = [ScoredVariant(layer, "attention", {"kind": "gqa", "num_key_value_heads": 2}, True, zero, cost)
                for layer in range(2)]
    variants += [ScoredVariant(layer, "ffn", {"kind": "mlp", "intermediate_size": 128}, True, zero, cost)
                 for layer in range(2)]
    library = ScoredLibrary(num_layers=2, scenario=CPU, overhead=cost, variants=variants,
                            library={"uri": library_ref.uri, "sha256": library_ref.sha256})
    return store.put_json(library.to_dict())


def test_a_measurement_reads_the_architecture_artifact_and_refuses_another_scenario(store, library_ref):
    import dataclasses

    from tessel_block_scorer.core.measurement_job import MeasurementRequest, resolve

    scored = _scored_library_ref(store, library_ref)
    parent = {"attention": {"kind": "gqa", "num_key_value_heads": 2}, "ffn": {"kind": "mlp", "intermediate_size": 128}}
    solution = store.put_json({"block_configs": [parent, parent], "objective": 0.0})  # an arch-solver solution
    resolved = resolve(MeasurementRequest(scored_library=scored, architecture=solution), store)
    assert len(resolved.blocks) == 2 and resolved.scenarios == [CPU]
    assert resolved.table.predict(resolved.blocks).prefill_seconds == pytest.approx(5e-3)  # overhead + 4 subblocks
    other = dataclasses.replace(CPU, batch_size=2)
    with pytest.raises(InvalidArgument) as raised:
        resolve(MeasurementRequest(scored_library=scored, architecture=solution, scenarios=(other,)), store)
    assert raised.value.field == "spec.scenarios[0]"
    with pytest.raises(InvalidArgument) as raised:
        resolve(MeasurementRequest(scored_library=scored, architecture=store.put_json({"objective": 1})), store)
    assert raised.value.field == "spec.architecture"
    with pytest.raises(InvalidArgument) as raised:
        resolve(MeasurementRequest(scored_library=library_ref, architecture=solution), store)
    assert raised.value.field == "spec.scored_library"  # a block library is not a scored library
