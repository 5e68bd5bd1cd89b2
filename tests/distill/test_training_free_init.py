"""Training-free init: exact where it must be (full width, parent KV heads, single-token linear attention)
and channel ranking by contribution."""

from __future__ import annotations

import torch
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaAttention, LlamaMLP, LlamaRotaryEmbedding

from tessel.llm import AttentionConfig, FFNConfig
from tessel_block_distiller.core.init import init_attention, init_ffn, pool_kv_heads

CONFIG = LlamaConfig(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_key_value_heads=2,
                     num_hidden_layers=1, vocab_size=32)
CONFIG._attn_implementation = "sdpa"


def _parent_attention():
    torch.manual_seed(0)
    return LlamaAttention(CONFIG, 0).eval()


def _rope(length):
    return LlamaRotaryEmbedding(CONFIG)(torch.zeros(1, length, 64), torch.arange(length)[None])


def test_full_width_ffn_and_parent_kv_heads_reproduce_the_parent():
    torch.manual_seed(0)
    mlp = LlamaMLP(CONFIG)
    x = torch.randn(3, 5, 64)
    same = init_ffn(CONFIG, FFNConfig("mlp", 128), mlp.state_dict(), x)
    torch.testing.assert_close(same(x), mlp(x))
    attention = _parent_attention()
    copy = init_attention(CONFIG, AttentionConfig("gqa", 2), attention.state_dict(), 0).eval()
    cos, sin = _rope(5)
    with torch.no_grad():
        torch.testing.assert_close(copy(x, (cos, sin), None)[0], attention(x, (cos, sin), None)[0])


def test_ffn_keeps_the_channels_with_the_largest_contribution():
    torch.manual_seed(0)
    mlp = LlamaMLP(CONFIG)
    state = {k: v.clone() for k, v in mlp.state_dict().items()}
    state["down_proj.weight"][:, 64:] *= 100.0  # channels 64..127 contribute far more
    pruned = init_ffn(CONFIG, FFNConfig("mlp", 64), state, torch.randn(4, 8, 64))
    torch.testing.assert_close(pruned.up_proj.weight, state["up_proj.weight"][64:])
    torch.testing.assert_close(pruned.down_proj.weight, state["down_proj.weight"][:, 64:])


def test_kv_heads_are_mean_pooled_within_groups():
    weight = torch.arange(4 * 3 * 2, dtype=torch.float32).reshape(4 * 3, 2)  # 4 heads of dim 3
    pooled = pool_kv_heads(weight, 4, 2)
    torch.testing.assert_close(pooled[:3], (weight[:3] + weight[3:6]) / 2)
    torch.testing.assert_close(pooled[3:], (weight[6:9] + weight[9:]) / 2)


def test_linear_attention_equals_attention_on_a_single_token():
    # With one token, attention weights are 1: the output is W_o · V(x) exactly.
    attention = _parent_attention()
    linear = init_attention(CONFIG, AttentionConfig("linear"), attention.state_dict(), 0)
    x = torch.randn(2, 1, 64)
    with torch.no_grad():
        torch.testing.assert_close(linear(x)[0], attention(x, _rope(1), None)[0], atol=1e-5, rtol=1e-4)


def test_linear_ffn_is_the_weight_product():
    mlp = LlamaMLP(CONFIG)
    linear = init_ffn(CONFIG, FFNConfig("linear"), mlp.state_dict(), torch.randn(2, 2, 64))
    torch.testing.assert_close(linear.linear_mlp.weight, mlp.down_proj.weight @ mlp.up_proj.weight)
