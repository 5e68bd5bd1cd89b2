"""Fidelity of BLD and global KD to Puzzle: the block-level attention target, the least-squares linear init,
and the cosine term on block outputs before the final norm."""

from __future__ import annotations

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

from tessel.llm.block_config import FFNConfig
from tessel_block_distiller.core.bld import BlockRunner, SubblockRunner, held_out_loss, least_squares_linear, load_shard
from tessel_block_distiller.core.capture import capture_activations, parent_subblock_weights, ref_from_dict
from tessel_block_distiller.core.distill_unit import block_runner, choose_linear_init, rotary_table
from tessel_block_distiller.core.global_kd import distillation_loss, forward_with_block_outputs
from tessel_block_distiller.core.init import init_ffn

HIDDEN = 16


def tiny_llama(seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    config._attn_implementation = "sdpa"
    return LlamaForCausalLM(config).eval()


def linear_shards(tmp_path, mapping: torch.Tensor, count: int, seed: int) -> list:
    generator = torch.Generator().manual_seed(seed)
    paths = []
    for index in range(count):
        inputs = torch.randn(8, 12, HIDDEN, generator=generator)
        path = tmp_path / f"shard-{seed}-{index}.safetensors"
        save_file({"input": inputs, "output": inputs @ mapping.T}, str(path))
        paths.append(path)
    return paths


def test_least_squares_recovers_an_exact_linear_block_and_beats_the_weight_init(tmp_path):
    mapping = torch.randn(HIDDEN, HIDDEN, generator=torch.Generator().manual_seed(1))
    train, held_out = linear_shards(tmp_path, mapping, 2, seed=2), linear_shards(tmp_path, mapping, 1, seed=3)
    fitted = least_squares_linear(train, ridge=1e-9)
    assert torch.allclose(fitted, mapping, atol=1e-4)

    config = LlamaConfig(hidden_size=HIDDEN, intermediate_size=32, num_attention_heads=4, num_key_value_heads=2)
    generator = torch.Generator().manual_seed(4)
    parent = {"gate_proj.weight": torch.randn(32, HIDDEN, generator=generator),
              "up_proj.weight": torch.randn(32, HIDDEN, generator=generator),
              "down_proj.weight": torch.randn(HIDDEN, 32, generator=generator)}
    module = init_ffn(config, FFNConfig("linear"), parent, torch.zeros(1, HIDDEN))
    runner = SubblockRunner("ffn")
    weights_loss = held_out_loss(module, runner, held_out)
    assert choose_linear_init(module, runner, train, held_out, "cpu") == "least_squares"
    fitted_loss = held_out_loss(module, runner, held_out)
    assert weights_loss > 0.5 and fitted_loss < 1e-5, (weights_loss, fitted_loss)


def test_the_weight_init_is_kept_when_least_squares_is_no_better(tmp_path):
    mapping = torch.randn(HIDDEN, HIDDEN, generator=torch.Generator().manual_seed(5))
    train, held_out = linear_shards(tmp_path, mapping, 1, seed=6), linear_shards(tmp_path, mapping, 1, seed=7)
    module = torch.nn.Linear(HIDDEN, HIDDEN, bias=False)
    module.weight.data.copy_(mapping)  # already exact: a ridge fit can only be as good
    assert choose_linear_init(module, SubblockRunner("ffn"), train, held_out, "cpu") == "weights"
    assert torch.equal(module.weight, mapping)


def test_block_target_is_the_parent_block_and_the_parent_attention_reproduces_it(store):
    model = tiny_llama()
    sequences = np.random.default_rng(0).integers(0, 96, size=(4, 24))
    shards = capture_activations(model, sequences, store, chunk_tokens=48, blocks=True)
    weights = parent_subblock_weights(model, store, blocks=True)
    layer = 1
    inputs, delta = load_shard(store.fetch(ref_from_dict(shards[layer]["block"][0])))
    with torch.no_grad():
        hidden = model(torch.from_numpy(sequences[:2]), output_hidden_states=True).hidden_states
    assert torch.allclose(inputs.float(), hidden[layer], atol=2e-2)  # bf16 shards
    position_embeddings = rotary_table(model.config, sequences.shape[1])
    runner = block_runner(store, {"parent": weights[layer]["block"]}, model.config,
                          SubblockRunner("attention", position_embeddings), "cpu")
    assert isinstance(runner, BlockRunner) and not any(p.requires_grad for p in runner.ffn.parameters())
    block_paths = [store.fetch(ref_from_dict(ref)) for ref in shards[layer]["block"]]
    parent_attention = model.model.layers[layer].self_attn
    assert held_out_loss(parent_attention, runner, block_paths) < 1e-3  # only bf16 rounding left
    # The subblock target is a different quantity: the attention's own output is not the block's
    subblock_paths = [store.fetch(ref_from_dict(ref)) for ref in shards[layer]["attention"]]
    assert held_out_loss(parent_attention, SubblockRunner("attention", position_embeddings), subblock_paths) < 1e-3
    assert held_out_loss(parent_attention, SubblockRunner("attention", position_embeddings), block_paths) > 0.05


def test_global_kd_cosine_is_on_block_outputs_before_the_final_norm():
    model = tiny_llama()
    batch = torch.arange(16).unsqueeze(0)
    with torch.no_grad():
        logits, blocks = forward_with_block_outputs(model, batch)
        hidden = model(batch, output_hidden_states=True).hidden_states
    assert len(blocks) == model.config.num_hidden_layers
    assert torch.allclose(model.model.norm(blocks[-1]), hidden[-1], atol=1e-5)  # hidden_states[-1] is normed
    assert not torch.allclose(blocks[-1], hidden[-1], atol=1e-2)
    loss, cosine, kl = distillation_loss((logits, blocks), (logits, blocks))
    assert abs(cosine.item()) < 1e-5 and abs(kl.item()) < 1e-6
    other = tiny_llama(seed=1)
    with torch.no_grad():
        _, cosine, _ = distillation_loss(forward_with_block_outputs(other, batch), (logits, blocks))
    assert cosine.item() > 0.1
