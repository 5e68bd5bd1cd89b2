"""Proto specs -> core requests (defaults applied, enum values checked, fields named in errors), and
core results -> protos."""

from __future__ import annotations

from tessel.common.v1 import scenario_pb2
from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
from tessel.llm.scored_library import Scenario
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.settings import torch_device
from tessel.scoring.v1 import scoring_pb2 as pb
from tessel_block_scorer.core.cost import CostOptions
from tessel_block_scorer.core.measure import MeasureOptions
from tessel_block_scorer.core.measurement_job import MeasurementRequest
from tessel_block_scorer.core.settings import ScorerSettings
from tessel_block_scorer.core.spec import DEFAULT_BATCH_SEQUENCES, DEFAULT_HELD_OUT_TOKENS, ScoringRequest

_EXECUTORS = {pb.EXECUTOR_LOCAL: "local", pb.EXECUTOR_KUBERNETES: "kubernetes"}
PRECISIONS = {
    scenario_pb2.PRECISION_UNSPECIFIED: "float32",
    scenario_pb2.PRECISION_FLOAT32: "float32",
    scenario_pb2.PRECISION_BFLOAT16: "bfloat16",
    scenario_pb2.PRECISION_FLOAT16: "float16",
}
PRECISION_CODES = {"float32": scenario_pb2.PRECISION_FLOAT32, "bfloat16": scenario_pb2.PRECISION_BFLOAT16,
                   "float16": scenario_pb2.PRECISION_FLOAT16}
# Distill's enum codes (the block configs of an architecture are tessel.distill.v1.BlockConfig).
_ATTENTION_KINDS = {1: "gqa", 2: "no_op", 3: "linear"}
_FFN_KINDS = {1: "mlp", 2: "no_op", 3: "linear"}


def scenario(message: scenario_pb2.Scenario, *, field: str) -> Scenario:
    if message.precision not in PRECISIONS:
        raise InvalidArgument(f"unknown precision {message.precision}", field=f"{field}.precision")
    return Scenario(device=message.device or torch_device(), dtype=PRECISIONS[message.precision],
                    batch_size=message.batch_size, prompt_length=message.prompt_length,
                    generation_length=message.generation_length, name=message.name)


def scenario_message(value: Scenario) -> scenario_pb2.Scenario:
    return scenario_pb2.Scenario(name=value.name, device=value.device, batch_size=value.batch_size,
                                 prompt_length=value.prompt_length, generation_length=value.generation_length,
                                 precision=PRECISION_CODES[value.dtype])


def default_scenario() -> Scenario:
    return Scenario(device=torch_device(), dtype="float32", batch_size=1, prompt_length=256, generation_length=32,
                    name="default")


def cost_options(message: pb.CostOptions) -> CostOptions:
    defaults = CostOptions()
    return CostOptions(warmup=message.warmup or defaults.warmup, repeats=message.repeats or defaults.repeats,
                       stack_depth=message.stack_depth or None)


def scoring_request(spec: pb.ScoringJobSpec, settings: ScorerSettings) -> ScoringRequest:
    for name in ("held_out_tokens", "sequence_length", "batch_sequences", "vocab_chunk"):
        if getattr(spec, name) < 0:
            raise InvalidArgument(f"must not be negative, got {getattr(spec, name)}", field=f"spec.{name}")
    if spec.executor and spec.executor not in _EXECUTORS:
        raise InvalidArgument(f"unknown executor {spec.executor}", field="spec.executor")
    scenarios = tuple(scenario(s, field=f"spec.scenarios[{i}]") for i, s in enumerate(spec.scenarios))
    return ScoringRequest(
        library=spec.library,
        scenarios=scenarios or (default_scenario(),),
        parent_model=spec.parent_model.strip(),
        corpus=spec.corpus.strip(),
        held_out_tokens=spec.held_out_tokens or DEFAULT_HELD_OUT_TOKENS,
        sequence_length=spec.sequence_length,
        batch_sequences=spec.batch_sequences or DEFAULT_BATCH_SEQUENCES,
        vocab_chunk=spec.vocab_chunk or 8192,
        executor=_EXECUTORS.get(spec.executor, settings.executor),
        cost_options=cost_options(spec.cost_options),
    )


def block_config(message, *, field: str) -> BlockConfig:
    attention = _ATTENTION_KINDS.get(message.attention.kind)
    if attention is None:
        raise InvalidArgument("attention kind is required (gqa, no_op, linear)", field=f"{field}.attention.kind")
    ffn = _FFN_KINDS.get(message.ffn.kind)
    if ffn is None:
        raise InvalidArgument("FFN kind is required (mlp, no_op, linear)", field=f"{field}.ffn.kind")
    return BlockConfig(
        AttentionConfig(attention, message.attention.num_key_value_heads if attention == "gqa" else None),
        FFNConfig(ffn, message.ffn.intermediate_size if ffn == "mlp" else None),
    )


def measurement_request(spec: pb.MeasurementJobSpec) -> MeasurementRequest:
    if not spec.HasField("scored_library") or not spec.scored_library.uri:
        raise InvalidArgument("the scored library is required (its costs make the prediction)",
                              field="spec.scored_library")
    if not spec.block_configs and not spec.architecture.uri:
        raise InvalidArgument("give block_configs or an architecture artifact", field="spec.block_configs")
    defaults = MeasureOptions()
    options = MeasureOptions(warmup=spec.options.warmup or defaults.warmup,
                             repeats=spec.options.repeats or defaults.repeats)
    return MeasurementRequest(
        scored_library=spec.scored_library,
        block_configs=tuple(block_config(b, field=f"spec.block_configs[{i}]") for i, b in enumerate(spec.block_configs)),
        architecture=spec.architecture if spec.architecture.uri else None,
        scenarios=tuple(scenario(s, field=f"spec.scenarios[{i}]") for i, s in enumerate(spec.scenarios)),
        options=options,
    )


def measurement_message(m) -> pb.Measurement:
    return pb.Measurement(
        scenario=scenario_message(m.scenario), device=m.device,
        prefill_seconds=m.prefill_seconds, predicted_prefill_seconds=m.predicted.prefill_seconds,
        prefill_error_percent=m.prefill_error_pct,
        decode_seconds_per_token=m.decode_seconds_per_token,
        predicted_decode_seconds_per_token=m.predicted.decode_seconds_per_token,
        decode_error_percent=m.decode_error_pct, decode_tokens_per_second=m.decode_tokens_per_second,
        peak_memory_bytes=m.peak_memory_bytes, predicted_memory_bytes=m.predicted_memory_bytes,
        total_seconds=m.total_seconds, predicted_total_seconds=m.predicted_total_seconds, error_percent=m.error_pct,
    )
