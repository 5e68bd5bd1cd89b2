"""Proto specs -> core requests (defaults applied, enum values checked, fields named in errors)."""

from __future__ import annotations

from tessel.distill.v1 import distill_pb2
from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
from tessel.runtime.errors import InvalidArgument
from tessel_block_distiller.core.settings import DistillerSettings
from tessel_block_distiller.core.spec import (
    DEFAULT_ATTENTION_TARGET,
    DEFAULT_HELD_OUT_TOKENS,
    DEFAULT_SEQUENCE_LENGTH,
    DEFAULT_TOKEN_BUDGET,
    GlobalDistillationRequest,
    LibraryRequest,
    SearchSpace,
    Training,
)

_EXECUTORS = {distill_pb2.EXECUTOR_LOCAL: "local", distill_pb2.EXECUTOR_KUBERNETES: "kubernetes"}
_ATTENTION_TARGETS = {distill_pb2.ATTENTION_TARGET_SUBBLOCK: "subblock", distill_pb2.ATTENTION_TARGET_BLOCK: "block"}
_ATTENTION_KINDS = {
    distill_pb2.ATTENTION_KIND_GQA: "gqa",
    distill_pb2.ATTENTION_KIND_NO_OP: "no_op",
    distill_pb2.ATTENTION_KIND_LINEAR: "linear",
}
_FFN_KINDS = {distill_pb2.FFN_KIND_MLP: "mlp", distill_pb2.FFN_KIND_NO_OP: "no_op", distill_pb2.FFN_KIND_LINEAR: "linear"}
ATTENTION_KIND_CODES = {name: code for code, name in _ATTENTION_KINDS.items()}
FFN_KIND_CODES = {name: code for code, name in _FFN_KINDS.items()}


def library_request(spec: distill_pb2.LibrarySpec, settings: DistillerSettings) -> LibraryRequest:
    prefix = "spec.library"
    if not spec.parent_model.strip():
        raise InvalidArgument("is required", field=f"{prefix}.parent_model")
    _non_negative(spec.held_out_tokens, f"{prefix}.held_out_tokens")
    _non_negative(spec.sequence_length, f"{prefix}.sequence_length")
    if spec.executor and spec.executor not in _EXECUTORS:
        raise InvalidArgument(f"unknown executor {spec.executor}", field=f"{prefix}.executor")
    space = None
    if spec.HasField("search_space"):
        s = spec.search_space
        space = SearchSpace(
            kv_heads=tuple(s.kv_heads), ffn_sizes=tuple(s.ffn_intermediate_sizes),
            attention_no_op=s.attention_no_op, attention_linear=s.attention_linear,
            ffn_no_op=s.ffn_no_op, ffn_linear=s.ffn_linear, layers=tuple(s.layers),
        )
    training = Training(learning_rate=spec.learning_rate) if spec.learning_rate else Training()
    return LibraryRequest(
        parent_model=spec.parent_model.strip(),
        corpus=spec.corpus or "corpus",
        search_space=space,
        include_linear=spec.include_linear,
        token_budget=spec.token_budget if spec.HasField("token_budget") else DEFAULT_TOKEN_BUDGET,
        held_out_tokens=spec.held_out_tokens or DEFAULT_HELD_OUT_TOKENS,
        sequence_length=spec.sequence_length or DEFAULT_SEQUENCE_LENGTH,
        executor=_EXECUTORS.get(spec.executor, settings.executor),
        seed=spec.seed,
        training=training,
        attention_target=_ATTENTION_TARGETS.get(spec.attention_target, DEFAULT_ATTENTION_TARGET),
    )


def block_config(message: distill_pb2.BlockConfig, *, field: str) -> BlockConfig:
    attention_kind = _ATTENTION_KINDS.get(message.attention.kind)
    if attention_kind is None:
        raise InvalidArgument("attention kind is required (gqa, no_op, linear)", field=f"{field}.attention.kind")
    ffn_kind = _FFN_KINDS.get(message.ffn.kind)
    if ffn_kind is None:
        raise InvalidArgument("FFN kind is required (mlp, no_op, linear)", field=f"{field}.ffn.kind")
    return BlockConfig(
        AttentionConfig(attention_kind, message.attention.num_key_value_heads if attention_kind == "gqa" else None),
        FFNConfig(ffn_kind, message.ffn.intermediate_size if ffn_kind == "mlp" else None),
    )


def block_config_message(config: BlockConfig) -> distill_pb2.BlockConfig:
    return distill_pb2.BlockConfig(
        attention=distill_pb2.AttentionConfig(
            kind=ATTENTION_KIND_CODES[config.attention.kind],
            num_key_value_heads=config.attention.num_key_value_heads or 0,
        ),
        ffn=distill_pb2.FfnConfig(kind=FFN_KIND_CODES[config.ffn.kind], intermediate_size=config.ffn.intermediate_size or 0),
    )


def global_request(spec: distill_pb2.GlobalDistillationSpec) -> GlobalDistillationRequest:
    prefix = "spec.global_kd"
    if not spec.parent_model.strip():
        raise InvalidArgument("is required", field=f"{prefix}.parent_model")
    if not spec.HasField("library") or not spec.library.uri:
        raise InvalidArgument("the block library manifest is required", field=f"{prefix}.library")
    if not spec.block_configs:
        raise InvalidArgument("the child's block configs are required (one per layer)", field=f"{prefix}.block_configs")
    _non_negative(spec.checkpoint_interval_tokens, f"{prefix}.checkpoint_interval_tokens")
    blocks = tuple(
        block_config(b, field=f"{prefix}.block_configs[{i}]") for i, b in enumerate(spec.block_configs)
    )
    values = {
        "parent_model": spec.parent_model.strip(),
        "library_manifest": spec.library,
        "block_configs": blocks,
        "corpus": spec.corpus or "corpus",
        "token_budget": spec.token_budget if spec.HasField("token_budget") else DEFAULT_TOKEN_BUDGET,
        "held_out_tokens": spec.held_out_tokens or DEFAULT_HELD_OUT_TOKENS,
        "sequence_length": spec.sequence_length or DEFAULT_SEQUENCE_LENGTH,
        "seed": spec.seed,
    }
    if spec.checkpoint_interval_tokens:
        values["checkpoint_interval_tokens"] = spec.checkpoint_interval_tokens
    if spec.learning_rate:
        values["learning_rate"] = spec.learning_rate
    return GlobalDistillationRequest(**values)


def _non_negative(value: int, field: str) -> None:
    if value < 0:
        raise InvalidArgument(f"must not be negative, got {value}", field=field)
