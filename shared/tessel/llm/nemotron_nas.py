"""Export and load heterogeneous models as Hugging Face folders in the nemotron-nas / DeciLM schema.

`config.json` carries `block_configs` (attention.{no_op, replace_with_linear, n_heads_in_group},
ffn.{no_op, replace_with_linear, ffn_mult}) so servers that know DeciLM load the folder, plus
`tessel_block_configs` with the exact absolute sizes our loader prefers. Servers derive
`intermediate_size = round_up(int(2·ffn_mult·hidden/3), 256)`, so only multiples of 256 are exact there;
`tessel_nemotron_nas_flags` lists what servers would get wrong. With `remote_code`, the folder also carries
the bundled configuration/modeling files (`tessel.llm.hf_modeling`) and `auto_map`; `tessel.llm.hf_export`
writes the complete folder (tokenizer, generation config, report).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape
from tessel.llm.hf_modeling import AUTO_MAP, REMOTE_CODE_DIR, REMOTE_CODE_FILES
from tessel.llm.model import block_configs_of, build_model
from tessel.runtime.errors import InvalidArgument

NEMOTRON_NAS_FFN_ROUNDING = 256
WEIGHTS_FILE = "model.safetensors"


def ffn_mult_for(intermediate_size: int, hidden_size: int) -> float:
    return round(intermediate_size * 3 / (2 * hidden_size), 6)


def intermediate_size_for(ffn_mult: float, hidden_size: int) -> int:
    raw = int(2 * ffn_mult * hidden_size / 3)
    return math.ceil(raw / NEMOTRON_NAS_FFN_ROUNDING) * NEMOTRON_NAS_FFN_ROUNDING


def is_exact_in_nemotron_nas(block: BlockConfig, hidden_size: int) -> bool:
    """Whether servers reading `block_configs` rebuild exactly this FFN width."""
    if block.ffn.kind != "mlp":
        return True
    size = block.ffn.intermediate_size
    return intermediate_size_for(ffn_mult_for(size, hidden_size), hidden_size) == size


def to_decilm(block: BlockConfig, parent: ParentShape) -> dict[str, Any]:
    attention = block.attention
    ffn = block.ffn
    return {
        "attention": {
            "no_op": attention.kind == "no_op",
            "replace_with_linear": attention.kind == "linear",
            "n_heads_in_group": (
                parent.num_attention_heads // attention.num_key_value_heads if attention.kind == "gqa" else None
            ),
            "sparsify": None,
            "window_length": None,
            "num_sink_tokens": None,
            "use_prefill_window_in_sink_attention": False,
            "unshifted_sink": False,
        },
        "ffn": {
            "no_op": ffn.kind == "no_op",
            "replace_with_linear": ffn.kind == "linear",
            "ffn_mult": ffn_mult_for(ffn.intermediate_size, parent.hidden_size) if ffn.kind == "mlp" else None,
            "sparsify": None,
        },
    }


def from_decilm(data: dict[str, Any], *, num_attention_heads: int, hidden_size: int) -> BlockConfig:
    attention, ffn = data["attention"], data["ffn"]
    if attention.get("no_op"):
        attention_config = AttentionConfig("no_op")
    elif attention.get("replace_with_linear"):
        attention_config = AttentionConfig("linear")
    else:
        attention_config = AttentionConfig("gqa", num_attention_heads // attention["n_heads_in_group"])
    if ffn.get("no_op"):
        ffn_config = FFNConfig("no_op")
    elif ffn.get("replace_with_linear"):
        ffn_config = FFNConfig("linear")
    else:
        ffn_config = FFNConfig("mlp", intermediate_size_for(ffn["ffn_mult"], hidden_size))
    return BlockConfig(attention_config, ffn_config)


def nemotron_nas_flags(blocks: list[BlockConfig], parent: ParentShape) -> list[dict[str, Any]]:
    """Choices that servers reading `block_configs` will not rebuild exactly, or not run at all."""
    flags = []
    for layer, block in enumerate(blocks):
        if block.ffn.kind == "mlp" and not is_exact_in_nemotron_nas(block, parent.hidden_size):
            size = block.ffn.intermediate_size
            rebuilt = intermediate_size_for(ffn_mult_for(size, parent.hidden_size), parent.hidden_size)
            flags.append({
                "layer": layer, "subblock": "ffn", "code": "ffn_mult_inexact", "exact": size, "schema_builds": rebuilt,
                "message": f"intermediate_size {size} is not expressible as ffn_mult (servers rebuild {rebuilt}, a "
                           f"multiple of {NEMOTRON_NAS_FFN_ROUNDING}); the exact size is in tessel_block_configs, "
                           "which Tessel's loader and the bundled modeling file read",
            })
        for subblock, kind in (("attention", block.attention.kind), ("ffn", block.ffn.kind)):
            if kind == "linear":
                flags.append({
                    "layer": layer, "subblock": subblock, "code": "replace_with_linear",
                    "message": "replace_with_linear is in the schema but vLLM, SGLang and exllama do not run it "
                               "(TensorRT-LLM and the bundled modeling file do)",
                })
    return flags


def save_heterogeneous(model: LlamaForCausalLM, folder: str | Path, *, blocks: list[BlockConfig] | None = None,
                       remote_code: bool = False) -> Path:
    """Write config.json (nemotron-nas schema) and model.safetensors (DeciLM parameter names); with
    `remote_code`, also the bundled modeling files and `auto_map` (plain `transformers` loads the folder)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    blocks = blocks or block_configs_of(model)
    parent = ParentShape.of(model.config)
    config = model.config.to_dict()
    dtype = str(model.dtype).removeprefix("torch.")
    config.update(
        {
            "model_type": "nemotron-nas",
            "architectures": ["DeciLMForCausalLM"],
            "block_configs": [to_decilm(block, parent) for block in blocks],
            "tessel_block_configs": [block.to_dict() for block in blocks],
            "tessel_parent_intermediate_size": parent.intermediate_size,
            "tessel_parent_num_key_value_heads": parent.num_key_value_heads,
            "tessel_nemotron_nas_exact": all(is_exact_in_nemotron_nas(b, parent.hidden_size) for b in blocks),
            "tessel_nemotron_nas_flags": nemotron_nas_flags(blocks, parent),
            "intermediate_size": None,
            "num_key_value_heads": None,
            "dtype": dtype,
            "torch_dtype": dtype,
        }
    )
    if remote_code:
        config["auto_map"] = dict(AUTO_MAP)
        for name in REMOTE_CODE_FILES:
            shutil.copyfile(REMOTE_CODE_DIR / name, folder / name)
    (folder / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    state = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    return folder


def read_block_configs(config: dict[str, Any]) -> list[BlockConfig]:
    if "tessel_block_configs" in config:
        return [BlockConfig.from_dict(b, field=f"block_configs[{i}]") for i, b in enumerate(config["tessel_block_configs"])]
    if "block_configs" in config:
        return [
            from_decilm(b, num_attention_heads=config["num_attention_heads"], hidden_size=config["hidden_size"])
            for b in config["block_configs"]
        ]
    raise InvalidArgument("config.json has no block_configs", field="model")


def _parent_config(config: dict[str, Any], blocks: list[BlockConfig]) -> LlamaConfig:
    """The homogeneous config the blocks override: the parent's sizes where recorded, else the largest."""
    values = {k: v for k, v in config.items() if not k.startswith("tessel_") and k not in ("block_configs", "auto_map", "torch_dtype")}
    values["model_type"] = "llama"
    values["architectures"] = ["LlamaForCausalLM"]
    kv_heads = [b.attention.num_key_value_heads for b in blocks if b.attention.kind == "gqa"]
    widths = [b.ffn.intermediate_size for b in blocks if b.ffn.kind == "mlp"]
    values["num_key_value_heads"] = config.get("tessel_parent_num_key_value_heads") or max(kv_heads, default=1)
    values["intermediate_size"] = config.get("tessel_parent_intermediate_size") or max(widths, default=1)
    if values["num_key_value_heads"] is None or any(values["num_key_value_heads"] % k for k in kv_heads):
        values["num_key_value_heads"] = values["num_attention_heads"]
    values.pop("model_type")
    return LlamaConfig(**values)


def load_heterogeneous(folder: str | Path, *, dtype: torch.dtype = torch.float32) -> LlamaForCausalLM:
    """Load a folder written by `save_heterogeneous` (or a DeciLM checkpoint in one safetensors file)."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text())
    blocks = read_block_configs(config)
    model = build_model(_parent_config(config, blocks), blocks, dtype=dtype)
    state = load_file(str(folder / WEIGHTS_FILE))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not (name == "lm_head.weight" and model.config.tie_word_embeddings)]
    if missing or unexpected:
        raise InvalidArgument(
            f"weights do not match the block configs: missing {missing[:5]}, unexpected {unexpected[:5]}",
            field="model",
        )
    if model.config.tie_word_embeddings:
        model.tie_weights()
    return model.eval()
