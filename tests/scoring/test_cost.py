"""Block-scorer cost side on a tiny random Llama: exact parameter / weight / KV-cache counts, measured
timings (positive, no-op cheapest), the JSON cost cache (a hit times nothing), the end-to-end check and bad
input refused with the proto field it is about."""

from __future__ import annotations

import json
import time

import pytest
import torch
from transformers import DynamicCache, LlamaConfig

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
from tessel.llm.model import build_model
from tessel.llm.scored_library import Cost, Scenario
from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_block_scorer.core import cost as cost_module
from tessel_block_scorer.core.cost import (
    CostOptions,
    CostTable,
    cost_table,
    decode_context,
    decode_steps,
    library_costs,
    overhead_static_cost,
    static_cost,
)
from tessel_block_scorer.core.cost_timing import resolve_device, spread, time_call
from tessel_block_scorer.core.measure import MeasureOptions, measure_architecture

KV4, KV2, KV1 = (AttentionConfig("gqa", n) for n in (4, 2, 1))
ATT_NOOP, ATT_LINEAR = AttentionConfig("no_op"), AttentionConfig("linear")
FFN_WIDE, FFN_NARROW = FFNConfig("mlp", 1024), FFNConfig("mlp", 256)
FFN_NOOP, FFN_LINEAR = FFNConfig("no_op"), FFNConfig("linear")
ALL = [("attention", v) for v in (KV4, KV2, KV1, ATT_NOOP, ATT_LINEAR)] + \
      [("ffn", v) for v in (FFN_WIDE, FFN_NARROW, FFN_NOOP, FFN_LINEAR)]
SCENARIO = Scenario(device="cpu", dtype="float32", batch_size=2, prompt_length=32, generation_length=8)
FAST = CostOptions(warmup=1, repeats=3, stack_depth=2, decode_sample_seconds=0.005)


def tiny_config(**overrides) -> LlamaConfig:
    values = dict(hidden_size=128, intermediate_size=1024, num_hidden_layers=3, num_attention_heads=4,
                  num_key_value_heads=4, vocab_size=512, max_position_embeddings=128)
    return LlamaConfig(**{**values, **overrides})


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # The suite shares two cores: one torch thread keeps the timings from oversubscribing them.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def measured(tmp_path_factory) -> tuple[CostTable, object]:
    cache = tmp_path_factory.mktemp("costs")
    return cost_table(tiny_config(), ALL, SCENARIO, cache_dir=cache, options=FAST), cache


def test_parameters_and_kv_bytes_are_ordered_and_exact():
    config = tiny_config()
    cost = {(s, v): static_cost(config, s, v, SCENARIO) for s, v in ALL}
    attention = [cost[("attention", v)] for v in (KV4, KV2, KV1, ATT_NOOP)]
    assert [c.kv_cache_bytes for c in attention] == sorted((c.kv_cache_bytes for c in attention), reverse=True)
    assert len({c.kv_cache_bytes for c in attention}) == 4  # fewer KV heads -> strictly less KV memory
    assert [c.params for c in attention] == sorted((c.params for c in attention), reverse=True)
    ffn = [cost[("ffn", v)] for v in (FFN_WIDE, FFN_NARROW, FFN_LINEAR, FFN_NOOP)]
    assert [c.params for c in ffn] == sorted((c.params for c in ffn), reverse=True)
    assert ffn[0].params > ffn[1].params > 0 and ffn[-1].params == 0
    assert all(c.kv_cache_bytes == 0 for c in ffn)
    tokens = SCENARIO.batch_size * (SCENARIO.prompt_length + SCENARIO.generation_length)
    head_dim = config.hidden_size // config.num_attention_heads
    assert cost[("attention", KV2)].kv_cache_bytes == 2 * tokens * 2 * head_dim * 4  # K and V, float32
    assert all(c.weight_bytes == 4 * c.params for c in cost.values())


def test_static_costs_add_up_to_the_built_model():
    """Σ subblock params + overhead = the real model's parameters; Σ KV bytes = its cache after P+G tokens."""
    config = tiny_config()
    blocks = [BlockConfig(KV2, FFN_NARROW), BlockConfig(ATT_NOOP, FFN_WIDE), BlockConfig(ATT_LINEAR, FFN_NOOP)]
    model = build_model(config, blocks).eval()
    subblocks = [static_cost(config, s, v, SCENARIO) for b in blocks for s, v in (("attention", b.attention), ("ffn", b.ffn))]
    overhead = overhead_static_cost(config, SCENARIO)
    assert overhead.params + sum(c.params for c in subblocks) == sum(p.numel() for p in model.parameters())
    cache = DynamicCache(config=model.config)
    tokens = torch.randint(config.vocab_size, (SCENARIO.batch_size, SCENARIO.prompt_length + SCENARIO.generation_length))
    with torch.inference_mode():
        model(input_ids=tokens, cache=cache, use_cache=True)
    cached_bytes = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    assert cached_bytes == sum(c.kv_cache_bytes for c in subblocks)


def test_measured_costs_are_positive_and_no_op_is_cheapest(measured):
    table, _ = measured
    assert table.measured == 8 and table.cached == 0  # overhead + 7 shapes; the two no-ops are not timed
    assert table.overhead.prefill_seconds > 0 and table.overhead.decode_seconds_per_token > 0
    assert table.overhead.params == 2 * 512 * 128 + 128  # embedding, untied LM head, final norm
    costs = {**{("attention", v): c for v, c in table.attention.items()}, **{("ffn", v): c for v, c in table.ffn.items()}}
    for (subblock, variant), cost in costs.items():
        assert cost.prefill_seconds >= 0 and cost.decode_seconds_per_token >= 0
        assert cost.prefill_spread >= 0 and cost.decode_spread >= 0
        noop = table.of(subblock, ATT_NOOP if subblock == "attention" else FFN_NOOP)
        assert noop.prefill_seconds <= cost.prefill_seconds and noop.decode_seconds_per_token <= cost.decode_seconds_per_token
        assert noop.params <= cost.params and noop.kv_cache_bytes <= cost.kv_cache_bytes
    # 128 tokens through a 128→1024→128 SwiGLU per layer: clearly measurable above the empty layer.
    assert table.of("ffn", FFN_WIDE).prefill_seconds > 0
    assert table.of("ffn", FFN_NOOP).prefill_seconds == 0 and table.of("attention", ATT_NOOP).decode_seconds_per_token == 0


def test_a_cache_hit_measures_nothing(measured, monkeypatch):
    table, cache = measured
    files = sorted(cache.glob("cost-*.json"))
    assert len(files) == 8
    document = json.loads(files[0].read_text())
    assert document["schema"] == "tessel.scoring.cost_cache" and "torch" in document["key"]["software"]

    def no_timing(*args, **kwargs):
        raise AssertionError("a cached shape was timed again")

    monkeypatch.setattr(cost_module, "time_call", no_timing)
    again = cost_table(tiny_config(), ALL, SCENARIO, cache_dir=cache, options=FAST)
    assert again.measured == 0 and again.cached == 8
    assert again.overhead == table.overhead and dict(again.ffn) == dict(table.ffn)
    # Another library's parent (a wider FFN, same hidden size, heads and vocabulary) reuses the equal shapes.
    shared = cost_table(tiny_config(intermediate_size=2048), [("attention", KV2), ("ffn", FFN_WIDE)], SCENARIO,
                        cache_dir=cache, options=FAST)
    assert shared.measured == 0 and shared.of("ffn", FFN_WIDE).prefill_seconds == table.of("ffn", FFN_WIDE).prefill_seconds


def test_a_corrupt_or_foreign_cache_file_is_measured_again(measured, tmp_path):
    table, cache = measured
    for path in cache.glob("cost-*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    victim = sorted(tmp_path.glob("cost-*.json"))[0]
    victim.write_text("{not json")
    again = cost_table(tiny_config(), ALL, SCENARIO, cache_dir=tmp_path, options=FAST)
    assert again.measured == 1 and again.cached == 7
    longer = Scenario(**{**SCENARIO.__dict__, "prompt_length": 48})
    other = cost_table(tiny_config(), [("ffn", FFN_NARROW)], longer, cache_dir=tmp_path, options=FAST)
    assert other.measured == 2  # another scenario is another key (overhead and the FFN)


def test_library_costs_key_every_manifest_variant_and_share_equal_shapes(measured, monkeypatch):
    _, cache = measured
    monkeypatch.setattr(cost_module, "time_call", lambda *a: pytest.fail("should come from the cache"))
    manifest = {"parent": {"config": tiny_config().to_dict()}, "variants": [
        {"id": f"L{layer:03d}-{s}-{v.name}", "layer": layer, "subblock": s, "config": vars(v).copy()}
        for layer in range(3) for s, v in ALL]}
    overhead, by_id, table = library_costs(manifest, SCENARIO, cache_dir=cache, options=FAST)
    assert len(by_id) == 3 * len(ALL) and table.cached == 8
    assert by_id["L000-ffn-ffn256"] == by_id["L002-ffn-ffn256"] == table.of("ffn", FFN_NARROW)
    assert overhead == table.overhead
    with pytest.raises(InvalidArgument) as error:
        library_costs({"variants": []}, SCENARIO, cache_dir=cache)
    assert error.value.field == "spec.library"


def test_measure_architecture_reports_the_additive_prediction_and_its_error(tmp_path):
    config = tiny_config()
    blocks = [BlockConfig(KV4, FFN_WIDE), BlockConfig(KV1, FFN_NARROW), BlockConfig(ATT_NOOP, FFN_LINEAR)]
    shapes = {("attention", b.attention) for b in blocks} | {("ffn", b.ffn) for b in blocks}
    statics = {key: static_cost(config, *key, SCENARIO) for key in shapes}
    # A table with known timings: the prediction must be exactly overhead + Σ subblocks.
    timed = {key: Cost(**{**c.__dict__, "prefill_seconds": 0.001 * (i + 1), "decode_seconds_per_token": 0.0001 * (i + 1)})
             for i, (key, c) in enumerate(sorted(statics.items(), key=str))}
    overhead = Cost(**{**overhead_static_cost(config, SCENARIO).__dict__, "prefill_seconds": 0.01,
                       "decode_seconds_per_token": 0.002})
    table = CostTable(scenario=SCENARIO, device="test", overhead=overhead,
                      attention={v: c for (s, v), c in timed.items() if s == "attention"},
                      ffn={v: c for (s, v), c in timed.items() if s == "ffn"})
    result = measure_architecture(config, blocks, SCENARIO, table=table, options=MeasureOptions(warmup=0, repeats=2))
    parts = [overhead, *(timed[("attention", b.attention)] for b in blocks), *(timed[("ffn", b.ffn)] for b in blocks)]
    predicted_prefill = sum(p.prefill_seconds for p in parts)
    predicted_decode = sum(p.decode_seconds_per_token for p in parts)
    assert result.predicted.prefill_seconds == pytest.approx(predicted_prefill)
    assert result.predicted_total_seconds == pytest.approx(predicted_prefill + decode_steps(SCENARIO) * predicted_decode)
    assert result.params == result.predicted.params
    assert result.predicted_memory_bytes == result.predicted.weight_bytes + result.predicted.kv_cache_bytes
    assert result.prefill_seconds > 0 and result.decode_seconds_per_token > 0 and result.total_seconds > result.prefill_seconds
    assert result.decode_tokens_per_second == pytest.approx(SCENARIO.batch_size / result.decode_seconds_per_token)
    assert result.error_pct == pytest.approx(100 * (result.predicted_total_seconds - result.total_seconds) / result.total_seconds)
    assert result.peak_memory_bytes >= 0


def test_measure_architecture_measures_its_own_table_through_the_cache(measured, monkeypatch):
    _, cache = measured
    blocks = [BlockConfig(KV2, FFN_NARROW), BlockConfig(ATT_LINEAR, FFN_NOOP), BlockConfig(KV1, FFN_WIDE)]
    result = measure_architecture(tiny_config(), blocks, SCENARIO, cache_dir=cache, cost_options=FAST,
                                  options=MeasureOptions(warmup=0, repeats=1))
    assert result.predicted.prefill_seconds > 0 and result.total_seconds > 0
    assert abs(result.error_pct) < 1000  # finite and sane; the bench reports the real accuracy


@pytest.mark.parametrize(("change", "field"), [
    ({"batch_size": 0}, "spec.scenario.batch_size"),
    ({"prompt_length": -1}, "spec.scenario.prompt_length"),
    ({"generation_length": 0}, "spec.scenario.generation_length"),
    ({"device": "tpu"}, "spec.scenario.device"),
    ({"device": ""}, "spec.scenario.device"),
    ({"dtype": "int8"}, "spec.scenario.precision"),
    ({"prompt_length": 120, "generation_length": 16}, "spec.scenario.generation_length"),  # over 128 positions
    ({"batch_size": 4096, "prompt_length": 100_000, "generation_length": 100}, "spec.scenario.batch_size"),
])
def test_bad_scenarios_are_refused_with_their_field(tmp_path, change, field):
    scenario = Scenario(**{**SCENARIO.__dict__, **change})
    with pytest.raises(InvalidArgument) as error:
        cost_table(tiny_config(), ALL, scenario, cache_dir=tmp_path, options=FAST)
    assert error.value.field == field
    assert not list(tmp_path.iterdir())


def test_bad_variants_and_architectures_are_refused_with_their_field(tmp_path):
    with pytest.raises(InvalidArgument) as error:
        cost_table(tiny_config(), [("attention", AttentionConfig("gqa", 3))], SCENARIO, cache_dir=tmp_path)
    assert error.value.field == "variants[0]"
    with pytest.raises(InvalidArgument) as error:
        measure_architecture(tiny_config(), [BlockConfig(KV4, FFN_WIDE)] * 2, SCENARIO, cache_dir=tmp_path)
    assert error.value.field == "spec.block_configs"
    with pytest.raises(InvalidArgument) as error:
        measure_architecture(tiny_config(), [BlockConfig(KV4, FFNConfig("mlp", 4096))] * 3, SCENARIO, cache_dir=tmp_path)
    assert error.value.field == "spec.block_configs[0].ffn"


def test_the_process_clock_times_cpu_work_and_an_unknown_clock_is_refused(tmp_path):
    table = cost_table(tiny_config(), [("ffn", FFN_WIDE)], SCENARIO, cache_dir=tmp_path,
                       options=CostOptions(warmup=0, repeats=2, stack_depth=1, decode_sample_seconds=0.005, clock="process"))
    assert table.overhead.prefill_seconds > 0 and table.of("ffn", FFN_WIDE).params > 0
    assert time_call(torch.device("cpu"), lambda: time.sleep(0.05), "process") < 0.04  # sleeping is not CPU work
    with pytest.raises(InvalidArgument) as error:
        cost_table(tiny_config(), [("ffn", FFN_WIDE)], SCENARIO, cache_dir=tmp_path, options=CostOptions(clock="cycles"))
    assert error.value.field == "spec.cost_options.clock"


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a node without CUDA")
def test_cuda_on_a_node_without_it_is_a_failed_precondition():
    with pytest.raises(FailedPrecondition) as error:
        resolve_device("cuda:0")
    assert error.value.field == "spec.scenario.device"


def test_timing_and_summary_helpers():
    assert time_call(torch.device("cpu"), lambda: time.sleep(0.02)) >= 0.02
    assert spread([1.0, 2.0, 3.0, 4.0, 5.0]) == 2.0 and spread([3.0]) == 0.0
    assert decode_context(SCENARIO) == 32 + 3 and decode_steps(SCENARIO) == 7
    assert decode_steps(Scenario(**{**SCENARIO.__dict__, "generation_length": 1})) == 1
