"""The cost-model check (`CreateMeasurementJob`): run an assembled architecture end to end on a scenario and
compare it with the additive prediction (overhead + Σ subblock costs) the arch-solver budgets with.

One generation = a prefill of batch × prompt tokens, then `decode_steps(scenario)` greedy decode steps of the
whole batch, growing a DynamicCache, last-position logits only (as `generate()` does). Weights are random:
the time and memory of a forward do not depend on their values.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from transformers import DynamicCache, LlamaConfig

from tessel.llm.block_config import BlockConfig, ParentShape, validate_block_configs
from tessel.llm.model import build_model
from tessel.llm.scored_library import Cost, Scenario
from tessel.runtime.errors import InvalidArgument
from tessel_block_scorer.core.cost import CostOptions, CostTable, cost_table, decode_steps, llama_config
from tessel_block_scorer.core.cost_timing import (
    DTYPES,
    PeakMemory,
    device_identity,
    median,
    resolve_device,
    spread,
    time_call,
    validate_clock,
    validate_scenario,
)


@dataclass(frozen=True)
class MeasureOptions:
    warmup: int = 1  # whole generations run and discarded first
    repeats: int = 3
    clock: str = "wall"  # or "process" (CPU time, CPU only): see cost_timing.validate_clock

    def validate(self, *, field: str = "spec.options") -> None:
        if not 0 <= self.warmup <= 10:
            raise InvalidArgument("warmup must be in 0..10", field=f"{field}.warmup")
        if not 1 <= self.repeats <= 50:
            raise InvalidArgument("repeats must be in 1..50", field=f"{field}.repeats")


@dataclass(frozen=True)
class Measurement:
    """Measured end to end (medians over repeats; spreads are interquartile ranges) next to the prediction.
    Errors are 100 × (predicted − measured) / measured: positive means the cost model overestimates."""

    scenario: Scenario
    device: str  # device_identity
    repeats: int
    decode_steps: int
    params: int  # counted on the built model (the prediction's params must equal it)
    prefill_seconds: float
    prefill_spread: float
    decode_seconds_per_token: float  # mean decode step of the whole batch
    decode_spread: float
    decode_tokens_per_second: float  # batch / decode step
    total_seconds: float  # prefill + the decode phase, median over repeats
    peak_memory_bytes: int  # what the model and its run added (see cost_timing.PeakMemory)
    predicted: Cost  # overhead + Σ subblock costs
    predicted_total_seconds: float  # predicted prefill + decode_steps × predicted decode step
    predicted_memory_bytes: int  # weights + KV cache (activations are not modelled)
    prefill_error_pct: float
    decode_error_pct: float
    error_pct: float  # of the total generation time
    memory_error_pct: float
    clock: str = "wall"


def measure_architecture(
    parent: LlamaConfig | Mapping[str, Any],
    blocks: Sequence[BlockConfig],
    scenario: Scenario,
    *,
    table: CostTable | None = None,
    cache_dir: Path | str | None = None,
    cost_options: CostOptions = CostOptions(),
    options: MeasureOptions = MeasureOptions(),
    field: str = "spec.scenario",
    blocks_field: str = "spec.block_configs",
    options_field: str = "spec.options",
) -> Measurement:
    """Measure the architecture `blocks` (one BlockConfig per parent layer) of `parent` (LlamaConfig or its
    dict) on `scenario`, and predict it from `table`, or from `cost_table(...)` over its shapes (measured or
    read under `cache_dir`) when no table is given. Bad input raises InvalidArgument naming
    `<field>.<scenario field>`, `<blocks_field>[i]...` or `<options_field>.<option>`."""
    validate_scenario(scenario, field=field)
    options.validate(field=options_field)
    device = resolve_device(scenario.device, field=f"{field}.device")
    validate_clock(options.clock, device, field=f"{options_field}.clock")
    config = llama_config(parent)
    validate_block_configs(list(blocks), ParentShape.of(config), field=blocks_field)
    if table is None:
        if cache_dir is None:
            raise InvalidArgument("a cost table or a cache folder is needed for the prediction", field=field)
        shapes = [pair for b in blocks for pair in (("attention", b.attention), ("ffn", b.ffn))]
        table = cost_table(config, shapes, scenario, cache_dir=cache_dir, options=cost_options, field=field,
                           variants_field=blocks_field)
    elif _scenario_key(table.scenario) != _scenario_key(scenario):
        raise InvalidArgument("the cost table was measured for another scenario", field=field)
    for index, block in enumerate(blocks):
        for subblock, variant in (("attention", block.attention), ("ffn", block.ffn)):
            if variant not in (table.attention if subblock == "attention" else table.ffn):
                raise InvalidArgument(f"{variant.name} is not in the cost table", field=f"{blocks_field}[{index}].{subblock}")
    predicted = table.predict(blocks)
    steps = decode_steps(scenario)

    memory = PeakMemory(device)
    memory.begin()
    torch.manual_seed(0)
    model = build_model(config, list(blocks), dtype=DTYPES[scenario.dtype]).to(device).eval()
    gc.collect()
    memory.reset_peak()
    prompt = torch.randint(config.vocab_size, (scenario.batch_size, scenario.prompt_length),
                           generator=torch.Generator().manual_seed(0)).to(device)
    prefills, decodes = [], []
    with torch.inference_mode():
        for _ in range(options.warmup):
            _generate(model, prompt, steps, device, options.clock)
        for _ in range(options.repeats):
            prefill, decode = _generate(model, prompt, steps, device, options.clock)
            prefills.append(prefill)
            decodes.append(decode / steps)
    peak = memory.peak_bytes()
    params = sum(p.numel() for p in model.parameters())
    del model

    totals = [p + steps * d for p, d in zip(prefills, decodes, strict=True)]
    prefill_s, decode_s, total_s = median(prefills), median(decodes), median(totals)
    predicted_total = predicted.prefill_seconds + steps * predicted.decode_seconds_per_token
    predicted_memory = predicted.weight_bytes + predicted.kv_cache_bytes
    return Measurement(
        scenario=scenario, device=device_identity(device), repeats=options.repeats, decode_steps=steps,
        params=params, prefill_seconds=prefill_s, prefill_spread=spread(prefills),
        decode_seconds_per_token=decode_s, decode_spread=spread(decodes),
        decode_tokens_per_second=scenario.batch_size / decode_s, total_seconds=total_s, peak_memory_bytes=peak,
        predicted=predicted, predicted_total_seconds=predicted_total, predicted_memory_bytes=predicted_memory,
        prefill_error_pct=error_pct(predicted.prefill_seconds, prefill_s),
        decode_error_pct=error_pct(predicted.decode_seconds_per_token, decode_s),
        error_pct=error_pct(predicted_total, total_s), memory_error_pct=error_pct(predicted_memory, peak),
        clock=options.clock,
    )


def error_pct(predicted: float, measured: float) -> float:
    return 100.0 * (predicted - measured) / measured if measured > 0 else float("inf")


def _generate(model, prompt: torch.Tensor, steps: int, device: torch.device, clock: str) -> tuple[float, float]:
    """Seconds of the prefill and of the whole decode phase of one greedy generation."""
    cache = DynamicCache(config=model.config)
    outputs: list[Any] = []
    prefill = time_call(device, lambda: outputs.append(
        model(input_ids=prompt, cache=cache, use_cache=True, logits_to_keep=1)), clock)
    token = outputs[0].logits[:, -1:].argmax(-1)

    def decode() -> None:
        nonlocal token
        for _ in range(steps):
            logits = model(input_ids=token, cache=cache, use_cache=True, logits_to_keep=1).logits
            token = logits[:, -1:].argmax(-1)

    return prefill, time_call(device, decode, clock)


def _scenario_key(scenario: Scenario) -> tuple:
    return (scenario.device, scenario.dtype, scenario.batch_size, scenario.prompt_length, scenario.generation_length)
