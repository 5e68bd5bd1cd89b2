"""Per-layer block configs of a heterogeneous Llama-family model (absolute sizes, one kind per subblock).

A layer is an attention subblock and an FFN subblock. Each is the parent's, a smaller variant
(fewer KV heads / a narrower FFN), a no-op (the residual passes through) or a single linear map.
Sizes are absolute (`num_key_value_heads`, `intermediate_size`), as in Model-Optimizer's Puzzletron schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from tessel.runtime.errors import InvalidArgument

AttentionKind = Literal["gqa", "no_op", "linear"]
FFNKind = Literal["mlp", "no_op", "linear"]


@dataclass(frozen=True, order=True)
class AttentionConfig:
    kind: AttentionKind = "gqa"
    # Set exactly when kind == "gqa".
    num_key_value_heads: int | None = None

    @property
    def name(self) -> str:
        return f"kv{self.num_key_value_heads}" if self.kind == "gqa" else self.kind


@dataclass(frozen=True, order=True)
class FFNConfig:
    kind: FFNKind = "mlp"
    # Set exactly when kind == "mlp".
    intermediate_size: int | None = None

    @property
    def name(self) -> str:
        return f"ffn{self.intermediate_size}" if self.kind == "mlp" else self.kind


@dataclass(frozen=True, order=True)
class BlockConfig:
    attention: AttentionConfig
    ffn: FFNConfig

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, field: str = "block_config") -> BlockConfig:
        try:
            return cls(AttentionConfig(**data["attention"]), FFNConfig(**data["ffn"]))
        except (KeyError, TypeError) as exc:
            raise InvalidArgument(f"malformed block config {data!r}: {exc}", field=field) from exc


@dataclass(frozen=True)
class ParentShape:
    """The parent dimensions a block config is validated against."""

    hidden_size: int
    num_attention_heads: int
    num_key_value_heads: int
    intermediate_size: int
    num_hidden_layers: int

    @classmethod
    def of(cls, config: Any) -> ParentShape:
        return cls(
            hidden_size=config.hidden_size,
            num_attention_heads=config.num_attention_heads,
            num_key_value_heads=config.num_key_value_heads or config.num_attention_heads,
            intermediate_size=config.intermediate_size,
            num_hidden_layers=config.num_hidden_layers,
        )

    def parent_block(self) -> BlockConfig:
        return BlockConfig(
            AttentionConfig("gqa", self.num_key_value_heads), FFNConfig("mlp", self.intermediate_size)
        )


def validate_attention(attention: AttentionConfig, parent: ParentShape, *, field: str) -> None:
    if attention.kind not in ("gqa", "no_op", "linear"):
        raise InvalidArgument(f"unknown attention kind {attention.kind!r} (gqa, no_op, linear)", field=field)
    if attention.kind != "gqa":
        if attention.num_key_value_heads is not None:
            raise InvalidArgument(f"{attention.kind} attention takes no KV-head count", field=field)
        return
    kv = attention.num_key_value_heads
    if kv is None or kv <= 0:
        raise InvalidArgument("gqa attention needs a positive num_key_value_heads", field=field)
    if parent.num_key_value_heads % kv:
        raise InvalidArgument(
            f"{kv} KV heads is not a divisor of the parent's {parent.num_key_value_heads} KV heads",
            field=field,
        )


def validate_ffn(ffn: FFNConfig, parent: ParentShape, *, field: str) -> None:
    if ffn.kind not in ("mlp", "no_op", "linear"):
        raise InvalidArgument(f"unknown FFN kind {ffn.kind!r} (mlp, no_op, linear)", field=field)
    if ffn.kind != "mlp":
        if ffn.intermediate_size is not None:
            raise InvalidArgument(f"{ffn.kind} FFN takes no intermediate_size", field=field)
        return
    size = ffn.intermediate_size
    if size is None or not 0 < size <= parent.intermediate_size:
        raise InvalidArgument(
            f"intermediate_size must be in 1..{parent.intermediate_size} (the parent's), got {size}", field=field
        )


def validate_block_configs(blocks: list[BlockConfig], parent: ParentShape, *, field: str = "block_configs") -> None:
    if len(blocks) != parent.num_hidden_layers:
        raise InvalidArgument(
            f"{len(blocks)} block configs for a parent with {parent.num_hidden_layers} layers", field=field
        )
    for index, block in enumerate(blocks):
        validate_attention(block.attention, parent, field=f"{field}[{index}].attention")
        validate_ffn(block.ffn, parent, field=f"{field}[{index}].ffn")


def parent_block_configs(parent: ParentShape) -> list[BlockConfig]:
    return [parent.parent_block()] * parent.num_hidden_layers


def subblock_parameters(parent: ParentShape, config: AttentionConfig | FFNConfig, *, head_dim: int | None = None) -> int:
    """Weights of one subblock variant (bias-free Llama projections; the norm belongs to the layer)."""
    hidden = parent.hidden_size
    if config.kind == "no_op":
        return 0
    if config.kind == "linear":
        return hidden * hidden
    if isinstance(config, FFNConfig):
        return 3 * hidden * config.intermediate_size
    head_dim = head_dim or hidden // parent.num_attention_heads
    query = parent.num_attention_heads * head_dim
    return 2 * hidden * query + 2 * hidden * config.num_key_value_heads * head_dim
