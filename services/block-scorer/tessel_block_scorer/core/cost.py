"""Hardware cost of every distinct subblock shape on a deployment scenario (Puzzle's subblock stats, §1.5).

For each shape: parameters, weight bytes and KV-cache bytes (exact, from the module itself), and the
**measured** time of one prefill (batch × prompt tokens) and of one decode step (the whole batch, one token
each, with a KV cache of the generation's mean length) on the scenario's device and dtype.

How a subblock's time is isolated (stack difference, as Puzzletron's `calc_runtime_stats`): a model of `depth`
layers whose every layer holds the variant (the other subblock a no-op) is timed against the same model with
both subblocks no-ops; the difference over `depth` is the variant's time. Measurements are paired: each
repeat times the empty stack and the variant stack back to back (alternating which goes first), so load that
drifts on a shared machine cancels; the median and interquartile range of the paired differences are kept.
Timing hooks were the alternative: they miss the residual adds, norms and Python glue between modules and add
their own per-call overhead, which the stack difference accounts for by construction (the bench reports how
well the sum of stack-difference costs predicts whole models, and how per-layer costs vary with `depth`).

The non-block overhead is the model with every layer empty (embeddings, rotary tables, the final norm, the
LM head on the last position, and each layer's residual skeleton), measured once. With that convention a
no-op subblock costs 0 s by definition, and for any architecture of the parent's depth
`time ≈ overhead + Σ variant times` (the check: `measure.measure_architecture`).

Timings are cached as JSON under a cache folder, keyed by (shape, scenario, device, torch/transformers
versions, measurement options), so equal shapes are measured once across libraries.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import DynamicCache, LlamaConfig
from transformers.models.llama.modeling_llama import LlamaAttention

from tessel.llm.block_config import (
    AttentionConfig,
    BlockConfig,
    FFNConfig,
    ParentShape,
    validate_attention,
    validate_ffn,
)
from tessel.llm.model import build_attention, build_ffn, build_model
from tessel.llm.scored_library import Cost, Scenario
from tessel.runtime.errors import InvalidArgument
from tessel_block_scorer.core.cost_timing import (
    DTYPES,
    device_identity,
    median,
    resolve_device,
    root_sum_square,
    spread,
    time_call,
    validate_clock,
    validate_scenario,
)

COST_METHOD = "stack-difference/v1"
CACHE_SCHEMA = "tessel.scoring.cost_cache"
CACHE_SCHEMA_VERSION = 1
MAX_STACK_DEPTH = 64
DEFAULT_STACK_DEPTH = 8
EMPTY = BlockConfig(AttentionConfig("no_op"), FFNConfig("no_op"))
Subblock = AttentionConfig | FFNConfig
Progress = Callable[[int, int, str], None]  # (done, total, message)


@dataclass(frozen=True)
class CostOptions:
    """How hard to measure. `stack_depth` None: min(the parent's depth, DEFAULT_STACK_DEPTH). Deep enough
    that a stack's weights outgrow the CPU's last-level cache as the whole model's do (SmolLM2-135M: 8 FFN
    layers are 85 MB against a 32 MB L3); the bench reports per-layer costs at depth 4, 8 and 30."""

    warmup: int = 1
    repeats: int = 5
    stack_depth: int | None = None
    decode_sample_seconds: float = 0.05  # each decode sample runs enough steps to last about this long
    clock: str = "wall"  # or "process" (CPU time, CPU only): see cost_timing.validate_clock

    def validate(self, *, field: str = "spec.cost_options") -> None:
        if not 0 <= self.warmup <= 20:
            raise InvalidArgument("warmup must be in 0..20", field=f"{field}.warmup")
        if not 1 <= self.repeats <= 100:
            raise InvalidArgument("repeats must be in 1..100", field=f"{field}.repeats")
        if self.stack_depth is not None and not 1 <= self.stack_depth <= MAX_STACK_DEPTH:
            raise InvalidArgument(f"stack_depth must be in 1..{MAX_STACK_DEPTH}", field=f"{field}.stack_depth")
        if not 0 < self.decode_sample_seconds <= 10:
            raise InvalidArgument("decode_sample_seconds must be in (0, 10]", field=f"{field}.decode_sample_seconds")


@dataclass(frozen=True)
class CostTable:
    """The overhead and one Cost per distinct subblock shape, for one scenario on one device."""

    scenario: Scenario
    device: str  # device_identity: the GPU's name, or the CPU model and thread count
    overhead: Cost
    attention: Mapping[AttentionConfig, Cost]
    ffn: Mapping[FFNConfig, Cost]
    measured: int = 0  # shapes timed by this call (the overhead counts as one)
    cached: int = 0  # shapes whose timings came from the cache
    software: dict[str, str] = field(default_factory=dict)

    def of(self, subblock: str, config: Subblock) -> Cost:
        """The Cost of one subblock variant ("attention" or "ffn"); KeyError when it was not in the table."""
        return (self.attention if subblock == "attention" else self.ffn)[config]

    def predict(self, blocks: Sequence[BlockConfig]) -> Cost:
        """The additive cost model of a whole architecture: overhead + Σ over layers of both subblocks' costs.
        Spreads add in quadrature (independent measurements)."""
        parts = [self.overhead, *(self.attention[b.attention] for b in blocks), *(self.ffn[b.ffn] for b in blocks)]
        return sum_costs(parts)


def sum_costs(parts: Sequence[Cost]) -> Cost:
    return Cost(
        params=sum(c.params for c in parts),
        weight_bytes=sum(c.weight_bytes for c in parts),
        kv_cache_bytes=sum(c.kv_cache_bytes for c in parts),
        prefill_seconds=sum(c.prefill_seconds for c in parts),
        decode_seconds_per_token=sum(c.decode_seconds_per_token for c in parts),
        prefill_spread=root_sum_square([c.prefill_spread for c in parts]),
        decode_spread=root_sum_square([c.decode_spread for c in parts]),
    )


def decode_context(scenario: Scenario) -> int:
    """The KV-cache length a decode step is timed at: the mean over a generation's decode steps. Generating
    G tokens is one prefill (which yields the first) and G-1 steps that see P, P+1, ..., P+G-2 cached tokens;
    attention's cost is linear in that length, so (G-1) × step(mean length) is the whole decode phase."""
    return scenario.prompt_length + max(scenario.generation_length - 2, 0) // 2


def decode_steps(scenario: Scenario) -> int:
    """Decode steps in a generation of the scenario's length (at least one, so a decode cost is defined)."""
    return max(scenario.generation_length - 1, 1)


def llama_config(parent: LlamaConfig | Mapping[str, Any], *, field: str = "spec.library") -> LlamaConfig:
    """A parent LlamaConfig from a config or its dict (a library manifest's `parent.config`)."""
    if isinstance(parent, LlamaConfig):
        config = copy.deepcopy(parent)
    elif isinstance(parent, Mapping) and parent.get("model_type", "llama") == "llama":
        try:
            config = LlamaConfig.from_dict(dict(parent))
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(f"the parent config is malformed: {exc}", field=field) from exc
    else:
        raise InvalidArgument("the parent must be a Llama architecture config", field=field)
    config._attn_implementation = "sdpa"
    config.use_cache = True
    return config


def static_cost(config: LlamaConfig, subblock: str, variant: Subblock, scenario: Scenario) -> Cost:
    """Parameters, weight bytes and KV-cache bytes of one subblock variant (timings 0).

    Parameters are counted on the module built on the meta device, plus the RMSNorm in front of it, which the
    heterogeneous model drops together with a no-op subblock. KV bytes are for batch × (prompt + generation)
    tokens: K and V of every KV head for GQA; one scalar per token for linear / no-op attention (the position
    marker `tessel.llm.subblocks` stores so the cache reports the true length); 0 for an FFN."""
    itemsize = DTYPES[scenario.dtype].itemsize
    with torch.device("meta"):
        module = build_attention(config, variant, 0) if subblock == "attention" else build_ffn(config, variant)
    params = sum(p.numel() for p in module.parameters())
    if variant.kind != "no_op":
        params += config.hidden_size
    tokens = scenario.batch_size * (scenario.prompt_length + scenario.generation_length)
    kv = 0
    if subblock == "attention":
        per_token = variant.num_key_value_heads * _head_dim(config) if variant.kind == "gqa" else 1
        kv = 2 * tokens * per_token * itemsize
    return Cost(params=params, weight_bytes=params * itemsize, kv_cache_bytes=kv,
                prefill_seconds=0.0, decode_seconds_per_token=0.0)


def overhead_static_cost(config: LlamaConfig, scenario: Scenario) -> Cost:
    """Parameters and bytes outside the subblocks: embeddings, the final norm and an untied LM head."""
    with torch.device("meta"):
        model = build_model(_depth_config(config, 1), [EMPTY], dtype=DTYPES[scenario.dtype])
    params = sum(p.numel() for p in model.parameters())  # a tied head shares the embedding's parameter
    return Cost(params=params, weight_bytes=params * DTYPES[scenario.dtype].itemsize, kv_cache_bytes=0,
                prefill_seconds=0.0, decode_seconds_per_token=0.0)


def cost_table(
    parent: LlamaConfig | Mapping[str, Any],
    variants: Iterable[tuple[str, Subblock]],
    scenario: Scenario,
    *,
    cache_dir: Path | str,
    options: CostOptions = CostOptions(),
    progress: Progress | None = None,
    field: str = "spec.scenario",
    variants_field: str = "variants",
    options_field: str = "spec.cost_options",
) -> CostTable:
    """Measure (or read from the cache) the Cost of every distinct (subblock, config) in `variants` and the
    overhead, for `scenario` on its device.

    `parent` is the parent's LlamaConfig or its dict; `variants` are ("attention", AttentionConfig) /
    ("ffn", FFNConfig) pairs, duplicates welcome (each shape is measured once). `cache_dir` is a server-side
    folder (never a client's path) holding the JSON cache. `progress(done, total, message)` is called after
    each shape. Bad input raises tessel.runtime.errors.InvalidArgument naming `<field>.<scenario field>` (the
    proto path, e.g. spec.scenario.batch_size), `<variants_field>[i]` or `<options_field>.<option>`; a CUDA device on a node without one
    raises FailedPrecondition."""
    validate_scenario(scenario, field=field)
    options.validate(field=options_field)
    device = resolve_device(scenario.device, field=f"{field}.device")
    validate_clock(options.clock, device, field=f"{options_field}.clock")
    config = llama_config(parent)
    limit = config.max_position_embeddings
    if scenario.prompt_length + scenario.generation_length > limit:
        name = "prompt_length" if scenario.prompt_length > limit else "generation_length"
        raise InvalidArgument(f"prompt + generation is over the parent's {limit} positions", field=f"{field}.{name}")
    shape = ParentShape.of(config)
    shapes = _distinct(variants, shape, field=variants_field)
    measurer = _StackMeasurer(config, scenario, device, options)
    software = {"torch": torch.__version__, "transformers": transformers.__version__, "method": COST_METHOD}
    costs: dict[tuple[str, Subblock], Cost] = {}
    total = len(shapes) + 1
    for done, (subblock, variant) in enumerate([("overhead", None), *shapes], start=1):
        if subblock == "overhead":
            static = overhead_static_cost(config, scenario)
        else:
            static = static_cost(config, subblock, variant, scenario)
        if variant is not None and variant.kind == "no_op":
            costs[(subblock, variant)] = static  # the empty layer is the baseline: 0 s by definition
            message = f"{subblock} no_op: 0 s by definition"
        else:
            key = _cache_key(config, subblock, variant, scenario, device, options, measurer.depth, software)
            timing = read_cached(cache_dir, key)
            if timing is None:
                timing = measurer.overhead() if variant is None else measurer.variant(subblock, variant)
                write_cached(cache_dir, key, timing)
                message = f"{_label(subblock, variant)}: measured"
            else:
                measurer.cached += 1
                message = f"{_label(subblock, variant)}: from the cache"
            cost = Cost(**{**asdict(static), **{k: timing[k] for k in _TIMING_FIELDS}})
            if variant is None:
                costs[("overhead", None)] = cost
            else:
                costs[(subblock, variant)] = cost
        if progress is not None:
            progress(done, total, message)
    return CostTable(
        scenario=scenario, device=device_identity(device), overhead=costs.pop(("overhead", None)),
        attention={v: c for (s, v), c in costs.items() if s == "attention"},
        ffn={v: c for (s, v), c in costs.items() if s == "ffn"},
        measured=measurer.measured, cached=measurer.cached, software=software,
    )


def library_costs(manifest: Mapping[str, Any], scenario: Scenario, *, cache_dir: Path | str,
                  options: CostOptions = CostOptions(), progress: Progress | None = None,
                  field: str = "spec.scenario", library_field: str = "spec.library") -> tuple[Cost, dict[str, Cost], CostTable]:
    """The overhead and the Cost of every variant of a block-library manifest (`tessel.distill.library`),
    keyed by the manifest's variant id ("L003-ffn-ffn768"); equal shapes in different layers share one
    measurement. Also returns the CostTable (device identity, measured/cached counts)."""
    try:
        parent_config = manifest["parent"]["config"]
        entries = [(str(e["id"]), e["subblock"], e["config"]) for e in manifest["variants"]]
    except (KeyError, TypeError) as exc:
        raise InvalidArgument(f"not a block library manifest: {exc!r}", field=library_field) from exc
    parsed = [(variant_id, subblock, _subblock_config(subblock, config, field=f"{library_field}.variants"))
              for variant_id, subblock, config in entries]
    table = cost_table(parent_config, [(s, c) for _, s, c in parsed], scenario, cache_dir=cache_dir,
                       options=options, progress=progress, field=field, variants_field=f"{library_field}.variants")
    return table.overhead, {variant_id: table.of(s, c) for variant_id, s, c in parsed}, table


def _label(subblock: str, variant: Subblock | None) -> str:
    return subblock if variant is None else f"{subblock} {variant.name}"


def _subblock_config(subblock: str, config: Any, *, field: str) -> Subblock:
    try:
        if subblock == "attention":
            return AttentionConfig(**config)
        if subblock == "ffn":
            return FFNConfig(**config)
    except TypeError as exc:
        raise InvalidArgument(f"malformed {subblock} config {config!r}", field=field) from exc
    raise InvalidArgument(f"unknown subblock {subblock!r} (attention, ffn)", field=field)


def _distinct(variants: Iterable[tuple[str, Subblock]], shape: ParentShape, *, field: str) -> list[tuple[str, Subblock]]:
    seen: dict[tuple[str, Subblock], None] = {}
    for index, (subblock, variant) in enumerate(variants):
        if subblock == "attention" and isinstance(variant, AttentionConfig):
            validate_attention(variant, shape, field=f"{field}[{index}]")
        elif subblock == "ffn" and isinstance(variant, FFNConfig):
            validate_ffn(variant, shape, field=f"{field}[{index}]")
        else:
            raise InvalidArgument(f"{subblock!r} with {variant!r} is not an attention or FFN variant",
                                  field=f"{field}[{index}]")
        seen.setdefault((subblock, variant), None)
    return sorted(seen, key=lambda item: (item[0], item[1].kind, -(_size(item[1]))))


def _size(variant: Subblock) -> int:
    return (variant.num_key_value_heads if isinstance(variant, AttentionConfig) else variant.intermediate_size) or 0


def _head_dim(config: LlamaConfig) -> int:
    return getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads


def _depth_config(config: LlamaConfig, depth: int) -> LlamaConfig:
    stack = copy.deepcopy(config)
    stack.num_hidden_layers = depth
    if getattr(stack, "layer_types", None) is not None:
        stack.layer_types = stack.layer_types[:depth]
    return stack


# ---- measuring ---------------------------------------------------------------------------------------------

_TIMING_FIELDS = ("prefill_seconds", "decode_seconds_per_token", "prefill_spread", "decode_spread")


class _StackMeasurer:
    """Times variant stacks against the empty stack of the same depth (built once, kept for every variant)."""

    def __init__(self, config: LlamaConfig, scenario: Scenario, device: torch.device, options: CostOptions) -> None:
        self.config, self.scenario, self.device, self.options = config, scenario, device, options
        self.depth = options.stack_depth or min(config.num_hidden_layers, DEFAULT_STACK_DEPTH)
        self.dtype = DTYPES[scenario.dtype]
        self.measured = 0
        self.cached = 0
        self._empty: _Runner | None = None
        generator = torch.Generator().manual_seed(0)
        self.prompt = torch.randint(config.vocab_size, (scenario.batch_size, scenario.prompt_length),
                                    generator=generator).to(device)

    def empty(self) -> _Runner:
        if self._empty is None:
            self._empty = _Runner(self._build(self.depth, EMPTY), self)
        return self._empty

    def overhead(self) -> dict[str, Any]:
        """The whole parent depth with every layer empty, timed on its own."""
        self.measured += 1
        with torch.inference_mode():
            runner = self.empty() if self.depth == self.config.num_hidden_layers else \
                _Runner(self._build(self.config.num_hidden_layers, EMPTY), self)
            prefill = _samples(self.device, runner.prefill, self.options)
            steps = runner.steps_per_sample()
            decode = [t / steps for t in _samples(self.device, lambda: runner.decode(steps), self.options)]
        return _timing(prefill, decode, depth=self.config.num_hidden_layers, steps=steps)

    def variant(self, subblock: str, variant: Subblock) -> dict[str, Any]:
        """Per-layer time of one variant: paired (variant stack − empty stack) / depth."""
        self.measured += 1
        block = BlockConfig(variant, EMPTY.ffn) if subblock == "attention" else BlockConfig(EMPTY.attention, variant)
        with torch.inference_mode():
            empty, stack = self.empty(), _Runner(self._build(self.depth, block), self)
            prefill = _paired(self.device, empty.prefill, stack.prefill, self.options, self.depth)
            steps = stack.steps_per_sample()
            decode = [d / steps for d in _paired(self.device, lambda: empty.decode(steps),
                                                 lambda: stack.decode(steps), self.options, self.depth)]
        return _timing(prefill, decode, depth=self.depth, steps=steps)

    def _build(self, depth: int, block: BlockConfig):
        torch.manual_seed(0)
        model = build_model(_depth_config(self.config, depth), [block] * depth, dtype=self.dtype)
        return model.to(self.device).eval()


class _Runner:
    """Prefill and decode calls on one model, the way generation calls it (last-position logits only)."""

    def __init__(self, model, measurer: _StackMeasurer) -> None:
        self.model, self.measurer = model, measurer
        scenario = measurer.scenario
        self.cache = filled_cache(model, scenario.batch_size, decode_context(scenario), measurer.dtype, measurer.device)
        self.token = measurer.prompt[:, :1].clone()

    def prefill(self) -> None:
        self.model(input_ids=self.measurer.prompt, cache=DynamicCache(config=self.model.config),
                   use_cache=True, logits_to_keep=1)

    def decode(self, steps: int) -> None:
        # Each step appends one token and is cropped back, so every step sees the same cache length.
        for _ in range(steps):
            self.model(input_ids=self.token, cache=self.cache, use_cache=True, logits_to_keep=1)
            self.cache.crop(-1)

    def steps_per_sample(self) -> int:
        self.decode(1)  # first call allocates
        once = time_call(self.measurer.device, lambda: self.decode(1), self.measurer.options.clock)
        return max(1, min(1000, math.ceil(self.measurer.options.decode_sample_seconds / max(once, 1e-6))))


def filled_cache(model, batch: int, length: int, dtype: torch.dtype, device: torch.device) -> DynamicCache:
    """A DynamicCache holding `length` tokens for every layer, shaped as generation would leave it (K/V per KV
    head for GQA layers, the one-scalar position marker for the others); the values do not affect timing."""
    cache = DynamicCache(config=model.config)
    generator = torch.Generator().manual_seed(0)
    for index, layer in enumerate(model.model.layers):
        attention = layer.self_attn
        if isinstance(attention, LlamaAttention):
            shape = (batch, attention.config.num_key_value_heads, length, attention.head_dim)
        else:
            shape = (batch, 1, length, 1)
        keys = torch.randn(shape, generator=generator).to(device=device, dtype=dtype)
        cache.update(keys, keys.clone(), index)
    return cache


def _samples(device: torch.device, run: Callable[[], object], options: CostOptions) -> list[float]:
    for _ in range(options.warmup):
        run()
    return [time_call(device, run, options.clock) for _ in range(options.repeats)]


def _paired(device: torch.device, empty: Callable[[], object], stack: Callable[[], object],
            options: CostOptions, depth: int) -> list[float]:
    """Per-layer differences (stack − empty) / depth, one per repeat, the pair's order alternating."""
    for _ in range(options.warmup):
        empty()
        stack()
    differences = []
    for repeat in range(options.repeats):
        if repeat % 2 == 0:
            base, variant = time_call(device, empty, options.clock), time_call(device, stack, options.clock)
        else:
            variant, base = time_call(device, stack, options.clock), time_call(device, empty, options.clock)
        differences.append((variant - base) / depth)
    return differences


def _timing(prefill: list[float], decode: list[float], *, depth: int, steps: int) -> dict[str, Any]:
    # A variant is never cheaper than the empty layer; a negative median is noise around 0.
    return {
        "prefill_seconds": max(median(prefill), 0.0), "prefill_spread": spread(prefill),
        "decode_seconds_per_token": max(median(decode), 0.0), "decode_spread": spread(decode),
        "samples": {"prefill": prefill, "decode": decode}, "stack_depth": depth, "decode_steps_per_sample": steps,
    }


# ---- the JSON cache ----------------------------------------------------------------------------------------

def _cache_key(config: LlamaConfig, subblock: str, variant: Subblock | None, scenario: Scenario,
               device: torch.device, options: CostOptions, depth: int, software: dict[str, str]) -> dict[str, Any]:
    dims: dict[str, Any] = {"hidden_size": config.hidden_size, "num_attention_heads": config.num_attention_heads,
                            "head_dim": _head_dim(config), "hidden_act": config.hidden_act,
                            "vocab_size": config.vocab_size}  # the stacks embed and project like the parent
    if variant is None:
        dims.update(num_hidden_layers=config.num_hidden_layers, tie_word_embeddings=config.tie_word_embeddings)
    return {
        "subblock": subblock, "config": asdict(variant) if variant is not None else None, "dims": dims,
        "scenario": {"dtype": scenario.dtype, "batch_size": scenario.batch_size,
                     "prompt_length": scenario.prompt_length, "generation_length": scenario.generation_length},
        "device": device_identity(device), "software": software,
        "options": {"warmup": options.warmup, "repeats": options.repeats, "stack_depth": depth,
                    "decode_sample_seconds": options.decode_sample_seconds, "clock": options.clock},
    }


def _cache_path(cache_dir: Path | str, key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32]
    return Path(cache_dir) / f"cost-{digest}.json"


def read_cached(cache_dir: Path | str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The cached timing for `key`, or None when absent, unreadable, for another key, or malformed (JSON only:
    nothing in the cache is executed or unpickled)."""
    path = _cache_path(cache_dir, key)
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("schema") != CACHE_SCHEMA \
            or document.get("schema_version") != CACHE_SCHEMA_VERSION or document.get("key") != key:
        return None
    timing = document.get("timing")
    if not isinstance(timing, dict):
        return None
    for name in _TIMING_FIELDS:
        value = timing.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
            return None
    return timing


def write_cached(cache_dir: Path | str, key: dict[str, Any], timing: dict[str, Any]) -> Path:
    """Store one timing atomically (a temporary file renamed into place: readers never see half a file)."""
    path = _cache_path(cache_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"schema": CACHE_SCHEMA, "schema_version": CACHE_SCHEMA_VERSION, "key": key,
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "timing": timing}
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cost-", suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(document, stream, indent=1)
    os.replace(temporary, path)
    return path
