"""DeciLM / nemotron-nas causal LM: the installed `transformers` Llama modules with per-layer subblocks.

Remote code shipped with Tessel exports (loaded through `auto_map`); it needs only torch and
transformers. Each decoder layer is a stock `LlamaDecoderLayer` (its forward unchanged) whose attention
and FFN follow the layer's block config: the parent's shape with fewer KV heads / a narrower FFN, a
no-op (adds nothing to the residual stream, and has no norm), or one hidden→hidden linear map.
Parameter names are DeciLM's (`self_attn.linear_attn`, `mlp.linear_mlp`). Written against the
transformers 5 decoder-layer interface (the `cache` argument); tested with 5.24.
"""

from __future__ import annotations

import copy

import torch
import transformers
from torch import nn
from transformers.models.llama.modeling_llama import (
    LlamaAttention,
    LlamaDecoderLayer,
    LlamaForCausalLM,
    LlamaMLP,
    LlamaModel,
    LlamaPreTrainedModel,
    LlamaRMSNorm,
    LlamaRotaryEmbedding,
)

from .configuration_decilm import DeciLMConfig

if int(transformers.__version__.split(".")[0]) < 5:
    raise ImportError(f"this DeciLM modeling file needs transformers >= 5, found {transformers.__version__}")


def _mark_positions(cache, hidden_states: torch.Tensor, layer_idx: int, kwargs: dict) -> None:
    # A layer without attention still needs a cache entry: generate() reads the sequence length from the
    # cache, so one scalar per token is stored (not a K/V head).
    if cache is None:
        return
    batch, length = hidden_states.shape[:2]
    marker = hidden_states.new_zeros(batch, 1, length, 1)
    cache.update(marker, marker, layer_idx, kwargs=kwargs)


class DeciLMNoOpAttention(nn.Module):
    def __init__(self, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx

    def forward(self, hidden_states, position_embeddings=None, attention_mask=None, cache=None, **kwargs):
        _mark_positions(cache, hidden_states, self.layer_idx, kwargs)
        return torch.zeros_like(hidden_states), None


class DeciLMLinearAttention(nn.Module):
    def __init__(self, hidden_size: int, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.linear_attn = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, hidden_states, position_embeddings=None, attention_mask=None, cache=None, **kwargs):
        _mark_positions(cache, hidden_states, self.layer_idx, kwargs)
        return self.linear_attn(hidden_states), None


class DeciLMNoOpMLP(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


class DeciLMLinearMLP(nn.Module):
    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear_mlp = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_mlp(x)


class DeciLMDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config: DeciLMConfig, layer_idx: int) -> None:
        # Skip LlamaDecoderLayer.__init__ (it would build parent-sized subblocks); keep its forward.
        super(LlamaDecoderLayer, self).__init__()
        attention_kind, kv_heads, ffn_kind, width = config.layer_shape(layer_idx)
        self.hidden_size = config.hidden_size
        if attention_kind == "no_op":
            self.self_attn = DeciLMNoOpAttention(layer_idx)
            self.input_layernorm = nn.Identity()
        else:
            if attention_kind == "linear":
                self.self_attn = DeciLMLinearAttention(config.hidden_size, layer_idx)
            else:
                layer_config = copy.copy(config)
                layer_config.num_key_value_heads = kv_heads
                self.self_attn = LlamaAttention(layer_config, layer_idx)
                # Read the attention implementation from the model's config, so set_attn_implementation applies.
                self.self_attn.config = config
            self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        if ffn_kind == "no_op":
            self.mlp = DeciLMNoOpMLP()
            self.post_attention_layernorm = nn.Identity()
        else:
            if ffn_kind == "linear":
                self.mlp = DeciLMLinearMLP(config.hidden_size)
            else:
                layer_config = copy.copy(config)
                layer_config.intermediate_size = width
                self.mlp = LlamaMLP(layer_config)
            self.post_attention_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)


class DeciLMPreTrainedModel(LlamaPreTrainedModel):
    config_class = DeciLMConfig
    _no_split_modules = ["DeciLMDecoderLayer"]


class DeciLMModel(DeciLMPreTrainedModel, LlamaModel):
    def __init__(self, config: DeciLMConfig) -> None:
        DeciLMPreTrainedModel.__init__(self, config)
        self.padding_idx = config.pad_token_id
        self.vocab_size = config.vocab_size
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)
        self.layers = nn.ModuleList([DeciLMDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
        self.norm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = LlamaRotaryEmbedding(config=config)
        self.gradient_checkpointing = False
        self.post_init()


class DeciLMForCausalLM(DeciLMPreTrainedModel, LlamaForCausalLM):
    def __init__(self, config: DeciLMConfig) -> None:
        DeciLMPreTrainedModel.__init__(self, config)
        self.model = DeciLMModel(config)
        self.vocab_size = config.vocab_size
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()


__all__ = ["DeciLMForCausalLM", "DeciLMModel", "DeciLMPreTrainedModel"]
