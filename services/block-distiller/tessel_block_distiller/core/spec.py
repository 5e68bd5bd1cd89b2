"""What a library or global-KD job asks for, as plain dataclasses (the API converts from protos),
and the validation that names the offending field."""

from __future__ import annotations

from dataclasses import dataclass, field

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape, validate_block_configs
from tessel.llm.nemotron_nas import NEMOTRON_NAS_FFN_ROUNDING
from tessel.runtime.errors import InvalidArgument

DEFAULT_TOKEN_BUDGET = 65_536
DEFAULT_HELD_OUT_TOKENS = 8_192
DEFAULT_SEQUENCE_LENGTH = 256
DEFAULT_CHUNK_TOKENS = 4_096
MAX_TOKEN_BUDGET = 1 << 34
EXECUTORS = ("local", "kubernetes")
# BLD target of attention variants: "subblock" (the parent attention's own output) or "block" (the parent
# block's output through [variant, parent FFN frozen], as in Puzzle).
ATTENTION_TARGETS = ("subblock", "block")
DEFAULT_ATTENTION_TARGET = "subblock"  # until the ablation (issue 13 item 5) shows "block" wins


@dataclass(frozen=True)
class SearchSpace:
    """Per subblock, the variants to build. Parent-shaped entries and no-ops need no training but are
    listed in the library so the scorer and solver see the whole space."""

    kv_heads: tuple[int, ...]
    ffn_sizes: tuple[int, ...]
    attention_no_op: bool = True
    attention_linear: bool = False
    ffn_no_op: bool = True
    ffn_linear: bool = False
    # Empty means every layer.
    layers: tuple[int, ...] = ()

    def attention_variants(self) -> list[AttentionConfig]:
        variants = [AttentionConfig("gqa", kv) for kv in self.kv_heads]
        if self.attention_linear:
            variants.append(AttentionConfig("linear"))
        if self.attention_no_op:
            variants.append(AttentionConfig("no_op"))
        return variants

    def ffn_variants(self) -> list[FFNConfig]:
        variants = [FFNConfig("mlp", size) for size in self.ffn_sizes]
        if self.ffn_linear:
            variants.append(FFNConfig("linear"))
        if self.ffn_no_op:
            variants.append(FFNConfig("no_op"))
        return variants


def default_search_space(parent: ParentShape, *, linear: bool = False) -> SearchSpace:
    """KV heads = the divisors of the parent's count; FFN widths = every multiple of 256 up to the parent's
    width (the ones the nemotron-nas schema expresses exactly), or halving widths for tiny parents."""
    kv = tuple(d for d in range(parent.num_key_value_heads, 0, -1) if parent.num_key_value_heads % d == 0)
    step = NEMOTRON_NAS_FFN_ROUNDING
    widths = tuple(range(parent.intermediate_size // step * step, 0, -step))
    if len(widths) < 2:
        widths = tuple(parent.intermediate_size * k // 4 for k in (4, 3, 2, 1))
    elif widths[0] != parent.intermediate_size:
        widths = (parent.intermediate_size, *widths)
    return SearchSpace(kv_heads=kv, ffn_sizes=widths, attention_linear=linear, ffn_linear=linear)


@dataclass(frozen=True)
class Training:
    """BLD optimisation settings (prototype on SmolLM2: lr 1e-3..3e-3 worked best)."""

    learning_rate: float = 2e-3
    warmup_fraction: float = 0.1
    weight_decay: float = 0.0
    batch_sequences: int = 4


@dataclass(frozen=True)
class LibraryRequest:
    parent_model: str
    corpus: str = "corpus"
    search_space: SearchSpace | None = None
    # Adds linear variants to the default space (an explicit search_space says it itself).
    include_linear: bool = False
    token_budget: int = DEFAULT_TOKEN_BUDGET
    held_out_tokens: int = DEFAULT_HELD_OUT_TOKENS
    sequence_length: int = DEFAULT_SEQUENCE_LENGTH
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    executor: str = "local"
    seed: int = 0
    training: Training = field(default_factory=Training)
    attention_target: str = DEFAULT_ATTENTION_TARGET


@dataclass(frozen=True)
class GlobalDistillationRequest:
    parent_model: str
    library_manifest: object  # ArtifactRef of the library manifest
    block_configs: tuple[BlockConfig, ...]
    corpus: str = "corpus"
    token_budget: int = DEFAULT_TOKEN_BUDGET
    held_out_tokens: int = DEFAULT_HELD_OUT_TOKENS
    sequence_length: int = DEFAULT_SEQUENCE_LENGTH
    checkpoint_interval_tokens: int = 16_384
    learning_rate: float = 1e-4
    batch_sequences: int = 4
    seed: int = 0


def validate_library(request: LibraryRequest, parent: ParentShape, *, prefix: str = "spec.library") -> SearchSpace:
    """Check the request against the parent and return the effective search space."""
    _check_budget(request.token_budget, request.sequence_length, f"{prefix}.token_budget")
    if request.held_out_tokens < request.sequence_length:
        raise InvalidArgument(
            f"needs at least one sequence ({request.sequence_length} tokens), got {request.held_out_tokens}",
            field=f"{prefix}.held_out_tokens",
        )
    if request.sequence_length < 2:
        raise InvalidArgument("must be at least 2", field=f"{prefix}.sequence_length")
    if request.chunk_tokens < request.sequence_length:  # the capture chunk must hold one sequence
        raise InvalidArgument(f"must be at most {request.chunk_tokens}", field=f"{prefix}.sequence_length")
    if request.executor not in EXECUTORS:
        raise InvalidArgument(f"unknown executor {request.executor!r} ({', '.join(EXECUTORS)})", field=f"{prefix}.executor")
    if not 0 < request.training.learning_rate < 1:
        raise InvalidArgument("must be in (0, 1)", field=f"{prefix}.learning_rate")
    if request.attention_target not in ATTENTION_TARGETS:
        raise InvalidArgument(f"unknown attention target {request.attention_target!r}", field=f"{prefix}.attention_target")
    space = request.search_space or default_search_space(parent, linear=request.include_linear)
    field_prefix = f"{prefix}.search_space"
    for kv in space.kv_heads:
        if kv <= 0 or parent.num_key_value_heads % kv:
            raise InvalidArgument(
                f"{kv} KV heads is not a divisor of the parent's {parent.num_key_value_heads} KV heads",
                field=f"{field_prefix}.kv_heads",
            )
    for size in space.ffn_sizes:
        if not 0 < size <= parent.intermediate_size:
            raise InvalidArgument(
                f"FFN width {size} is outside 1..{parent.intermediate_size} (the parent's)",
                field=f"{field_prefix}.ffn_intermediate_sizes",
            )
    for layer in space.layers:
        if not 0 <= layer < parent.num_hidden_layers:
            raise InvalidArgument(
                f"layer {layer} does not exist (the parent has {parent.num_hidden_layers})", field=f"{field_prefix}.layers"
            )
    if not space.attention_variants() and not space.ffn_variants():
        raise InvalidArgument("the search space is empty", field=field_prefix)
    return space


def validate_global(request: GlobalDistillationRequest, parent: ParentShape, *, prefix: str = "spec.global_kd") -> None:
    _check_budget(request.token_budget, request.sequence_length, f"{prefix}.token_budget")
    if request.checkpoint_interval_tokens <= 0:
        raise InvalidArgument("must be positive", field=f"{prefix}.checkpoint_interval_tokens")
    if not 0 < request.learning_rate < 1:
        raise InvalidArgument("must be in (0, 1)", field=f"{prefix}.learning_rate")
    validate_block_configs(list(request.block_configs), parent, field=f"{prefix}.block_configs")


def _check_budget(budget: int, sequence_length: int, field_name: str) -> None:
    if budget <= 0:
        raise InvalidArgument(f"must be positive, got {budget}", field=field_name)
    if budget < sequence_length:
        raise InvalidArgument(f"{budget} tokens is less than one sequence of {sequence_length}", field=field_name)
    if budget > MAX_TOKEN_BUDGET:
        raise InvalidArgument(f"{budget} tokens is more than {MAX_TOKEN_BUDGET}", field=field_name)
