"""A small block library manifest written straight into the store (the parent's own subblocks, a
variant sliced / pooled from them and a no-op per layer), so scoring tests need no BLD run."""

from __future__ import annotations

import torch
from safetensors.torch import save

from tessel.llm.block_config import AttentionConfig, FFNConfig, ParentShape
from tessel.llm.library_manifest import LIBRARY_SCHEMA, LIBRARY_SCHEMA_VERSION
from tessel.llm.model import build_attention, build_ffn

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128


def _ref(store, module) -> dict:
    state = {name: tensor.detach().contiguous() for name, tensor in module.state_dict().items()}
    ref = store.put_bytes(save(state), media_type="application/x-safetensors")
    return {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes, "media_type": ref.media_type}


def write_library(store, corpus: str, *, layers=(0, 1)):
    """A tiny-llama-2l library manifest: per layer attention {kv2 (parent), kv1, no_op} and FFN
    {128 (parent), 64, no_op}; the non-parent variants are the parent's weights sliced / pooled."""
    from tessel.assets.models import resolve_model
    from transformers import AutoModelForCausalLM

    parent = AutoModelForCausalLM.from_pretrained(resolve_model(PARENT), dtype=torch.float32)
    shape = ParentShape.of(parent.config)
    variants = []
    for layer in layers:
        block = parent.model.layers[layer]
        kv1 = build_attention(parent.config, AttentionConfig("gqa", 1), layer)
        with torch.no_grad():
            for name in ("q_proj", "o_proj"):
                getattr(kv1, name).weight.copy_(getattr(block.self_attn, name).weight)
            for name in ("k_proj", "v_proj"):
                weight = getattr(block.self_attn, name).weight
                getattr(kv1, name).weight.copy_(weight.reshape(1, 2, -1, weight.shape[-1]).mean(1).reshape(-1, weight.shape[-1]))
        ffn64 = build_ffn(parent.config, FFNConfig("mlp", 64))
        with torch.no_grad():
            ffn64.gate_proj.weight.copy_(block.mlp.gate_proj.weight[:64])
            ffn64.up_proj.weight.copy_(block.mlp.up_proj.weight[:64])
            ffn64.down_proj.weight.copy_(block.mlp.down_proj.weight[:, :64])
        entries = [
            ("attention", {"kind": "gqa", "num_key_value_heads": 2}, _ref(store, block.self_attn)),
            ("attention", {"kind": "gqa", "num_key_value_heads": 1}, _ref(store, kv1)),
            ("attention", {"kind": "no_op", "num_key_value_heads": None}, None),
            ("ffn", {"kind": "mlp", "intermediate_size": 128}, _ref(store, block.mlp)),
            ("ffn", {"kind": "mlp", "intermediate_size": 64}, _ref(store, ffn64)),
            ("ffn", {"kind": "no_op", "intermediate_size": None}, None),
        ]
        for subblock, config, weights in entries:
            name = AttentionConfig(**config).name if subblock == "attention" else FFNConfig(**config).name
            variants.append({"id": f"L{layer:03d}-{subblock}-{name}", "layer": layer, "subblock": subblock,
                             "config": config, "weights": weights})
    manifest = {
        "schema": LIBRARY_SCHEMA, "schema_version": LIBRARY_SCHEMA_VERSION, "job_id": "fixture",
        "parent": {"model": PARENT, "shape": vars(shape), "config": parent.config.to_dict()},
        "data": {"corpus": corpus, "split": "distillation", "seed": 0, "sequence_length": 64},
        "variants": variants,
    }
    return store.put_json(manifest, name="fixture/manifest")
