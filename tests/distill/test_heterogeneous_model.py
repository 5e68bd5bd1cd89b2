"""tessel.llm: per-layer block configs on stock Llama classes, generate() with KV cache, nemotron-nas I/O."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from tessel.assets.models import resolve_model
from tessel.llm import AttentionConfig, BlockConfig, FFNConfig, ParentShape, derive_child, parent_block_configs
from tessel.llm.block_config import subblock_parameters, validate_block_configs
from tessel.llm.nemotron_nas import (
    intermediate_size_for,
    is_exact_in_nemotron_nas,
    load_heterogeneous,
    save_heterogeneous,
)
from tessel.runtime.errors import InvalidArgument

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128

MIXED = [
    BlockConfig(AttentionConfig("no_op"), FFNConfig("mlp", 96)),
    BlockConfig(AttentionConfig("gqa", 1), FFNConfig("linear")),
]


@pytest.fixture(scope="module")
def parent():
    return AutoModelForCausalLM.from_pretrained(resolve_model(PARENT), dtype=torch.float32).eval()


def test_all_parent_config_reproduces_parent_logits_exactly(parent):
    child = derive_child(parent, parent_block_configs(ParentShape.of(parent.config))).eval()
    ids = torch.randint(0, parent.config.vocab_size, (2, 24), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(child(ids).logits, parent(ids).logits)


@pytest.mark.parametrize(
    "blocks",
    [
        MIXED,
        # no-op attention in layer 0: positions must still come from the cache
        [BlockConfig(AttentionConfig("no_op"), FFNConfig("no_op")), BlockConfig(AttentionConfig("linear"), FFNConfig("mlp", 32))],
    ],
)
def test_generate_with_kv_cache_matches_uncached_greedy_decoding(parent, blocks):
    child = derive_child(parent, blocks).eval()
    torch.manual_seed(1)
    for module in child.modules():  # fresh subblocks: random but non-degenerate
        if isinstance(module, torch.nn.Linear) and module.weight.abs().sum() == 0:
            torch.nn.init.normal_(module.weight, std=0.05)
    prompt = torch.randint(0, parent.config.vocab_size, (1, 7), generator=torch.Generator().manual_seed(2))
    cached = child.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=10, do_sample=False,
                            pad_token_id=0)
    sequence = prompt
    with torch.no_grad():
        for _ in range(10):
            token = child(sequence, use_cache=False).logits[:, -1].argmax(-1, keepdim=True)
            sequence = torch.cat([sequence, token], dim=1)
    assert cached.tolist() == sequence.tolist()


def test_subblock_shapes_follow_the_block_configs(parent):
    child = derive_child(parent, MIXED)
    first, second = child.model.layers
    assert type(first.self_attn).__name__ == "NoOpAttention" and first.mlp.gate_proj.out_features == 96
    assert second.self_attn.k_proj.out_features == 16 and second.self_attn.q_proj.out_features == 64
    assert second.mlp.linear_mlp.weight.shape == (64, 64)
    shape = ParentShape.of(parent.config)
    counted = sum(p.numel() for p in second.self_attn.parameters())
    assert counted == subblock_parameters(shape, AttentionConfig("gqa", 1))


def test_nemotron_nas_export_round_trips(parent, tmp_path):
    child = derive_child(parent, MIXED).eval()
    folder = save_heterogeneous(child, tmp_path / "child")
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "nemotron-nas" and config["architectures"] == ["DeciLMForCausalLM"]
    assert config["block_configs"][0]["attention"]["no_op"] is True
    assert config["block_configs"][1]["attention"]["n_heads_in_group"] == 4
    assert config["block_configs"][1]["ffn"]["replace_with_linear"] is True
    # 96 is not a multiple of 256: servers would rebuild 256 channels, so the export says it is not exact
    assert config["tessel_nemotron_nas_exact"] is False
    reloaded = load_heterogeneous(folder)
    ids = torch.randint(0, parent.config.vocab_size, (1, 9))
    with torch.no_grad():
        assert torch.equal(reloaded(ids).logits, child(ids).logits)


def test_reads_plain_decilm_block_configs(parent, tmp_path):
    blocks = [BlockConfig(AttentionConfig("gqa", 2), FFNConfig("no_op")), BlockConfig(AttentionConfig("linear"), FFNConfig("mlp", 128))]
    folder = save_heterogeneous(derive_child(parent, blocks), tmp_path / "child")
    config = json.loads((folder / "config.json").read_text())
    for key in [k for k in config if k.startswith("tessel_")]:
        del config[key]
    (folder / "config.json").write_text(json.dumps(config))
    from tessel.llm.nemotron_nas import read_block_configs

    # FFN 128 on hidden 64 is not exact: the DeciLM formula rounds it up to 256
    assert read_block_configs(config)[0] == blocks[0]
    assert read_block_configs(config)[1].ffn == FFNConfig("mlp", 256)


def test_smollm2_default_widths_are_exact_in_the_schema():
    for width in (256, 512, 768, 1024, 1280, 1536):
        block = BlockConfig(AttentionConfig("gqa", 3), FFNConfig("mlp", width))
        assert is_exact_in_nemotron_nas(block, 576)
    assert intermediate_size_for(1.5, 576) == 768


def test_invalid_block_configs_name_the_field():
    shape = ParentShape(hidden_size=576, num_attention_heads=9, num_key_value_heads=3, intermediate_size=1536,
                        num_hidden_layers=2)
    good = shape.parent_block()
    with pytest.raises(InvalidArgument) as raised:
        validate_block_configs([good, BlockConfig(AttentionConfig("gqa", 2), good.ffn)], shape)
    assert raised.value.field == "block_configs[1].attention" and "not a divisor" in raised.value.message
    with pytest.raises(InvalidArgument) as raised:
        validate_block_configs([BlockConfig(good.attention, FFNConfig("mlp", 2000)), good], shape)
    assert raised.value.field == "block_configs[0].ffn"
    with pytest.raises(InvalidArgument):
        validate_block_configs([good], shape)
