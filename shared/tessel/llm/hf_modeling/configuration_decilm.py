"""DeciLM / nemotron-nas configuration for a Llama-family model with per-layer block configs.

Remote code shipped with Tessel exports (loaded through `auto_map`); it needs only `transformers`.
`block_configs` follows the published nemotron-nas schema (attention: no_op / replace_with_linear /
n_heads_in_group; ffn: no_op / replace_with_linear / ffn_mult). Servers derive an FFN width from
ffn_mult rounded up to a multiple of 256; a width that rounding cannot reproduce is recorded exactly in
`tessel_block_configs` (absolute sizes), which this file prefers.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from transformers import PretrainedConfig

FFN_ROUNDING = 256


@dataclasses.dataclass(frozen=True)
class AttentionConfig:
    no_op: bool = False
    replace_with_linear: bool = False
    n_heads_in_group: int | None = None
    sparsify: list[str] | None = None
    window_length: int | None = None
    num_sink_tokens: int | None = None
    use_prefill_window_in_sink_attention: bool = False
    unshifted_sink: bool = False

    def __post_init__(self) -> None:
        if self.no_op and self.replace_with_linear:
            raise ValueError("attention: no_op and replace_with_linear are mutually exclusive")
        if not (self.no_op or self.replace_with_linear) and not self.n_heads_in_group:
            raise ValueError("attention: n_heads_in_group is required unless no_op or replace_with_linear")
        if self.window_length is not None or self.num_sink_tokens is not None:
            raise ValueError("attention: windowed / sink attention is not supported by this modeling file")


@dataclasses.dataclass(frozen=True)
class FFNConfig:
    no_op: bool = False
    replace_with_linear: bool = False
    ffn_mult: float | None = None
    sparsify: list[str] | None = None

    def __post_init__(self) -> None:
        if self.no_op and self.replace_with_linear:
            raise ValueError("ffn: no_op and replace_with_linear are mutually exclusive")
        if not (self.no_op or self.replace_with_linear) and self.ffn_mult is None:
            raise ValueError("ffn: ffn_mult is required unless no_op or replace_with_linear")


@dataclasses.dataclass(frozen=True)
class BlockConfig:
    attention: AttentionConfig
    ffn: FFNConfig

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockConfig:
        return cls(_known(AttentionConfig, data["attention"]), _known(FFNConfig, data["ffn"]))


def _known(kind, values: dict[str, Any]):
    names = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in values.items() if k in names})


def ffn_mult_to_intermediate_size(ffn_mult: float, hidden_size: int) -> int:
    return math.ceil(int(2 * ffn_mult * hidden_size / 3) / FFN_ROUNDING) * FFN_ROUNDING


class DeciLMConfig(PretrainedConfig):
    model_type = "nemotron-nas"
    keys_to_ignore_at_inference = ["past_key_values"]

    def __init__(
        self,
        block_configs: list[dict[str, Any]] | list[BlockConfig] | None = None,
        vocab_size: int = 32000,
        hidden_size: int = 4096,
        num_hidden_layers: int = 32,
        num_attention_heads: int = 32,
        head_dim: int | None = None,
        hidden_act: str = "silu",
        max_position_embeddings: int = 2048,
        initializer_range: float = 0.02,
        rms_norm_eps: float = 1e-6,
        use_cache: bool = True,
        attention_bias: bool = False,
        attention_dropout: float = 0.0,
        mlp_bias: bool = False,
        rope_parameters: dict[str, Any] | None = None,
        rope_theta: float | None = None,
        rope_scaling: dict[str, Any] | None = None,
        tie_word_embeddings: bool = False,
        **kwargs: Any,
    ) -> None:
        # Per-layer sizes live in block_configs; the global ones are meaningless (as in published checkpoints).
        kwargs.pop("intermediate_size", None)
        kwargs.pop("num_key_value_heads", None)
        super().__init__(tie_word_embeddings=tie_word_embeddings, **kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.head_dim = head_dim or hidden_size // num_attention_heads
        self.hidden_act = hidden_act
        self.max_position_embeddings = max_position_embeddings
        self.initializer_range = initializer_range
        self.rms_norm_eps = rms_norm_eps
        self.use_cache = use_cache
        self.attention_bias = attention_bias
        self.attention_dropout = attention_dropout
        self.mlp_bias = mlp_bias
        if rope_parameters is None:
            rope_parameters = {"rope_type": "default", "rope_theta": rope_theta or 10000.0, **(rope_scaling or {})}
            rope_parameters.setdefault("rope_type", rope_parameters.pop("type", "default"))
        self.rope_parameters = rope_parameters
        self.tie_word_embeddings = tie_word_embeddings
        self.intermediate_size = None
        self.num_key_value_heads = None
        blocks = [b if isinstance(b, BlockConfig) else BlockConfig.from_dict(b) for b in block_configs or []]
        if block_configs is not None and len(blocks) != num_hidden_layers:
            raise ValueError(f"{len(blocks)} block_configs for {num_hidden_layers} layers")
        self.block_configs = blocks

    def layer_shape(self, layer_idx: int) -> tuple[str, int | None, str, int | None]:
        """(attention kind, KV heads, FFN kind, intermediate size) of one layer; kinds are
        "gqa"/"mlp", "no_op" or "linear"."""
        exact = (getattr(self, "tessel_block_configs", None) or [None] * self.num_hidden_layers)[layer_idx]
        if exact is not None:
            attention, ffn = exact["attention"], exact["ffn"]
            return attention["kind"], attention.get("num_key_value_heads"), ffn["kind"], ffn.get("intermediate_size")
        block = self.block_configs[layer_idx]
        if block.attention.no_op or block.attention.replace_with_linear:
            attention_kind, kv_heads = ("no_op" if block.attention.no_op else "linear"), None
        else:
            attention_kind, kv_heads = "gqa", self.num_attention_heads // block.attention.n_heads_in_group
        if block.ffn.no_op or block.ffn.replace_with_linear:
            ffn_kind, width = ("no_op" if block.ffn.no_op else "linear"), None
        else:
            ffn_kind, width = "mlp", ffn_mult_to_intermediate_size(block.ffn.ffn_mult, self.hidden_size)
        return attention_kind, kv_heads, ffn_kind, width

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["block_configs"] = [dataclasses.asdict(block) for block in self.block_configs]
        data["intermediate_size"] = None
        data["num_key_value_heads"] = None
        return data
