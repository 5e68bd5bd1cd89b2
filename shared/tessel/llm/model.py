"""Build heterogeneous Llama-family models: a stock `LlamaForCausalLM` whose decoder layers get
per-layer subblock overrides from a list of `BlockConfig`s."""

from __future__ import annotations

import copy

import torch
from torch import nn
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama.modeling_llama import LlamaAttention, LlamaMLP

from tessel.llm.block_config import (
    AttentionConfig,
    BlockConfig,
    FFNConfig,
    ParentShape,
    validate_block_configs,
)
from tessel.llm.subblocks import LinearAttention, LinearMLP, NoOpAttention, NoOpMLP


def build_attention(config: LlamaConfig, attention: AttentionConfig, layer_idx: int) -> nn.Module:
    """The attention module for one layer (parent-shaped or overridden), freshly initialised."""
    if attention.kind == "no_op":
        return NoOpAttention(layer_idx)
    if attention.kind == "linear":
        return LinearAttention(config.hidden_size, layer_idx)
    layer_config = copy.copy(config)
    layer_config.num_key_value_heads = attention.num_key_value_heads
    return LlamaAttention(layer_config, layer_idx)


def build_ffn(config: LlamaConfig, ffn: FFNConfig) -> nn.Module:
    if ffn.kind == "no_op":
        return NoOpMLP()
    if ffn.kind == "linear":
        return LinearMLP(config.hidden_size)
    layer_config = copy.copy(config)
    layer_config.intermediate_size = ffn.intermediate_size
    return LlamaMLP(layer_config)


def apply_block_configs(model: LlamaForCausalLM, blocks: list[BlockConfig]) -> LlamaForCausalLM:
    """Replace, in place, every subblock that differs from the parent's shape. Replaced subblocks are
    freshly initialised: load their weights afterwards (library variants or a checkpoint)."""
    config = model.config
    parent = ParentShape.of(config)
    validate_block_configs(blocks, parent)
    parent_block = parent.parent_block()
    dtype = model.dtype
    for layer_idx, (layer, block) in enumerate(zip(model.model.layers, blocks, strict=True)):
        if block.attention != parent_block.attention:
            layer.self_attn = build_attention(config, block.attention, layer_idx).to(dtype)
            if block.attention.kind == "no_op":
                # As in DeciLM: a removed subblock has no norm either (and no weights to export).
                layer.input_layernorm = nn.Identity()
        if block.ffn != parent_block.ffn:
            layer.mlp = build_ffn(config, block.ffn).to(dtype)
            if block.ffn.kind == "no_op":
                layer.post_attention_layernorm = nn.Identity()
    model.tessel_block_configs = list(blocks)
    return model


def build_model(config: LlamaConfig, blocks: list[BlockConfig], *, dtype: torch.dtype = torch.float32) -> LlamaForCausalLM:
    """A randomly initialised heterogeneous model (load a state dict into it)."""
    model = LlamaForCausalLM(config).to(dtype)
    return apply_block_configs(model, blocks)


def block_configs_of(model: LlamaForCausalLM) -> list[BlockConfig]:
    blocks = getattr(model, "tessel_block_configs", None)
    if blocks is None:
        blocks = [ParentShape.of(model.config).parent_block()] * model.config.num_hidden_layers
    return list(blocks)


def derive_child(parent: LlamaForCausalLM, blocks: list[BlockConfig]) -> LlamaForCausalLM:
    """A child that shares nothing with the parent but starts from its weights wherever a subblock is
    unchanged (embeddings, norms, head, parent-shaped subblocks); replaced subblocks are left fresh."""
    child = copy.deepcopy(parent)
    return apply_block_configs(child, blocks)
