"""One worker's share of a library job: training-free init + BLD for each of its variants, each result
stored (weights + a named result record) as soon as it is done, so a restart loses no finished variant.

Linear variants start from whichever of the weight init (W_o·W_v, W_down·W_up) and the least-squares fit to
the captured subblock has the lower held-out loss (the weight init can be worse than a no-op)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from safetensors.torch import load, save
from transformers import LlamaConfig
from transformers.models.llama.modeling_llama import LlamaRMSNorm, LlamaRotaryEmbedding

from tessel.llm.block_config import FFNConfig
from tessel.llm.model import build_ffn

from tessel.runtime.settings import torch_device
from tessel_block_distiller.core.bld import (
    BlockRunner,
    SubblockRunner,
    held_out_loss,
    least_squares_linear,
    load_shard,
    train_variant,
)
from tessel_block_distiller.core.capture import SHARD_MEDIA_TYPE, ref_from_dict, ref_to_dict
from tessel_block_distiller.core.init import init_attention, init_ffn
from tessel_block_distiller.core.spec import Training
from tessel_block_distiller.core.variants import (
    RESULT_SCHEMA,
    Variant,
    finished_result,
    result_name,
    shard_slice,
)

Emit = Callable[[dict[str, Any]], None]


def parent_config(work_order: dict[str, Any]) -> LlamaConfig:
    config = LlamaConfig.from_dict(work_order["parent_config"])
    config._attn_implementation = "sdpa"
    return config


def rotary_table(config: LlamaConfig, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    rotary = LlamaRotaryEmbedding(config)
    probe = torch.zeros(1, length, config.hidden_size)
    with torch.no_grad():
        return rotary(probe, torch.arange(length).unsqueeze(0))


def run_shard(store, work_order: dict[str, Any], index: int, count: int, emit: Emit) -> list[str]:
    """Distil this shard's variants; returns the ids it trained (finished ones are skipped)."""
    config = parent_config(work_order)
    training = Training(**work_order["training"])
    length = work_order["sequence_length"]
    device = torch_device()
    position_embeddings = tuple(t.to(device) for t in rotary_table(config, length))
    variants = [Variant.from_dict(v) for v in shard_slice(work_order["variants"], index, count)]
    trained = []
    for variant in variants:
        if finished_result(store, work_order["job_id"], variant.id) is not None:
            emit({"event": "skipped", "variant": variant.id})
            continue
        emit({"event": "started", "variant": variant.id})
        result = distil_variant(store, work_order, variant, config, training, position_embeddings, emit, device)
        emit({"event": "finished", "variant": variant.id, "init_loss": result["init_loss"], "final_loss": result["final_loss"]})
        trained.append(variant.id)
    return trained


def distil_variant(store, work_order, variant: Variant, config: LlamaConfig, training: Training,
                   position_embeddings, emit: Emit, device: str = "cpu") -> dict[str, Any]:
    layer = work_order["layers"][variant.layer][variant.subblock]
    parent_state = load(store.get_bytes(ref_from_dict(layer["parent"])))
    parent_state = {name: tensor.float() for name, tensor in parent_state.items()}
    subblock_train = [store.fetch(ref_from_dict(ref)) for ref in layer["train"]]
    torch.manual_seed(work_order["seed"])
    if variant.subblock == "ffn":
        calibration, _ = load_shard(subblock_train[0])
        module = init_ffn(config, variant.config, parent_state, calibration.float())
    else:
        module = init_attention(config, variant.config, parent_state, variant.layer)
    module = module.to(device)
    runner = SubblockRunner(variant.subblock, position_embeddings)
    target = layer
    if variant.subblock == "attention" and work_order.get("attention_target", "subblock") == "block":
        target = work_order["layers"][variant.layer]["block"]
        runner = block_runner(store, target, config, runner, device)
    train_paths = [store.fetch(ref_from_dict(ref)) for ref in target["train"]]
    held_out_paths = [store.fetch(ref_from_dict(ref)) for ref in target["held_out"]]
    init = "weights"
    if variant.config.kind == "linear":
        init = choose_linear_init(module, runner, subblock_train, held_out_paths, device)
    last_emit = [0.0]

    def on_step(step: int, steps: int, loss: float, tokens_per_s: float) -> None:
        now = time.monotonic()
        if now - last_emit[0] >= 0.5 or step == steps:
            last_emit[0] = now
            emit({"event": "step", "variant": variant.id, "step": step, "steps": steps, "loss": loss,
                  "tokens_per_s": tokens_per_s})

    outcome = train_variant(
        module, runner, train_paths, held_out_paths,
        total_sequences=work_order["train_sequences"], sequence_length=work_order["sequence_length"],
        training=training, seed=work_order["seed"] + variant.layer, device=device, on_step=on_step,
    )
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in module.state_dict().items()}
    weights = store.put_bytes(save(state), media_type=SHARD_MEDIA_TYPE)
    result = {
        "schema": RESULT_SCHEMA,
        **variant.to_dict(),
        "weights": ref_to_dict(weights),
        "parameters": sum(t.numel() for t in state.values()),
        "init": init,
        "init_loss": outcome.init_loss,
        "final_loss": outcome.final_loss,
        "train_loss": outcome.train_loss,
        "tokens": outcome.tokens,
        "seconds": outcome.seconds,
    }
    store.put_json(result, name=result_name(work_order["job_id"], variant.id))
    return result


def block_runner(store, block: dict[str, Any], config: LlamaConfig, attention: SubblockRunner,
                 device: str) -> BlockRunner:
    """The parent block's norms and FFN, frozen, around the attention variant being trained."""
    state = {name: tensor.float() for name, tensor in load(store.get_bytes(ref_from_dict(block["parent"]))).items()}
    norms = []
    for name in ("input_layernorm", "post_attention_layernorm"):
        norm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        norm.weight.data.copy_(state[f"{name}.weight"])
        norms.append(norm.to(device).requires_grad_(False))
    ffn = build_ffn(config, FFNConfig("mlp", config.intermediate_size)).float()
    ffn.load_state_dict({key[len("mlp.") :]: value for key, value in state.items() if key.startswith("mlp.")})
    return BlockRunner(attention, norms[0], norms[1], ffn.to(device).requires_grad_(False))


@torch.no_grad()
def choose_linear_init(module, runner, fit_shards, held_out_shards, device: str) -> str:
    """Keep the weight init or replace it by the ridge least-squares fit, whichever has the lower held-out
    loss under `runner`; returns which ("weights" or "least_squares")."""
    linear = next(m for m in module.modules() if isinstance(m, torch.nn.Linear))
    from_weights = linear.weight.detach().clone()
    weights_loss = held_out_loss(module, runner, held_out_shards, device=device)
    linear.weight.copy_(least_squares_linear(fit_shards).to(device))
    if held_out_loss(module, runner, held_out_shards, device=device) < weights_loss:
        return "least_squares"
    linear.weight.copy_(from_weights)
    return "weights"


def untrained_result(variant: Variant, parent_weights: dict | None) -> dict[str, Any]:
    """Parent-shaped entries are the parent's own weights (loss 0); no-ops output zeros (normalised MSE 1)."""
    return {
        **variant.to_dict(),
        "weights": parent_weights,
        "parameters": None,
        "init_loss": 0.0 if parent_weights is not None else 1.0,
        "final_loss": 0.0 if parent_weights is not None else 1.0,
        "tokens": 0,
        "trained": False,
    }
