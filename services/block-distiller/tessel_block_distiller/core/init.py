"""Training-free initialisation of subblock variants from the parent subblock (Puzzle, Appendix A).

- FFN width k: keep the k channels with the largest contribution mean|act_i| · ‖W_down[:, i]‖ on
  calibration inputs (act = silu(gate x) · up x).
- k KV heads: mean-pool the parent's K/V heads within consecutive groups (as in GQA uptraining); the
  query heads map onto the pooled heads exactly as they mapped onto the originals.
- Linear attention = W_o · W_v (every token attends only to itself); linear FFN = W_down · W_up (gate ignored).
"""

from __future__ import annotations

import torch
from torch import nn

from tessel.llm.block_config import AttentionConfig, FFNConfig
from tessel.llm.model import build_attention, build_ffn


def ffn_channel_scores(parent_state: dict[str, torch.Tensor], inputs: torch.Tensor, act_fn) -> torch.Tensor:
    """Channel contribution of each FFN channel on `inputs` [..., hidden]."""
    x = inputs.reshape(-1, inputs.shape[-1]).float()
    with torch.no_grad():
        activations = act_fn(x @ parent_state["gate_proj.weight"].T) * (x @ parent_state["up_proj.weight"].T)
    mean_abs = activations.abs().mean(dim=0)
    return mean_abs * parent_state["down_proj.weight"].norm(dim=0)


def init_ffn(config, target: FFNConfig, parent_state: dict[str, torch.Tensor], calibration: torch.Tensor) -> nn.Module:
    module = build_ffn(config, target).float()
    with torch.no_grad():
        if target.kind == "mlp":
            scores = ffn_channel_scores(parent_state, calibration, module.act_fn)
            keep = torch.topk(scores, target.intermediate_size).indices.sort().values
            module.gate_proj.weight.copy_(parent_state["gate_proj.weight"][keep])
            module.up_proj.weight.copy_(parent_state["up_proj.weight"][keep])
            module.down_proj.weight.copy_(parent_state["down_proj.weight"][:, keep])
            for name in ("gate_proj", "up_proj"):
                if f"{name}.bias" in parent_state:
                    getattr(module, name).bias.copy_(parent_state[f"{name}.bias"][keep])
            if "down_proj.bias" in parent_state:
                module.down_proj.bias.copy_(parent_state["down_proj.bias"])
        elif target.kind == "linear":
            module.linear_mlp.weight.copy_(parent_state["down_proj.weight"] @ parent_state["up_proj.weight"])
    return module


def pool_kv_heads(weight: torch.Tensor, heads: int, target_heads: int) -> torch.Tensor:
    """[heads·d, in] → [target·d, in], averaging consecutive groups of heads."""
    head_dim = weight.shape[0] // heads
    grouped = weight.reshape(target_heads, heads // target_heads, head_dim, *weight.shape[1:])
    return grouped.mean(dim=1).reshape(target_heads * head_dim, *weight.shape[1:])


def init_attention(config, target: AttentionConfig, parent_state: dict[str, torch.Tensor], layer_idx: int) -> nn.Module:
    module = build_attention(config, target, layer_idx).float()
    parent_kv = config.num_key_value_heads
    with torch.no_grad():
        if target.kind == "gqa":
            for name in ("q_proj", "o_proj"):
                getattr(module, name).load_state_dict(_sub_state(parent_state, name))
            for name in ("k_proj", "v_proj"):
                pooled = {
                    key: pool_kv_heads(value, parent_kv, target.num_key_value_heads)
                    for key, value in _sub_state(parent_state, name).items()
                }
                getattr(module, name).load_state_dict(pooled)
        elif target.kind == "linear":
            head_dim = parent_state["v_proj.weight"].shape[0] // parent_kv
            groups = config.num_attention_heads // parent_kv
            # Each query head reads its group's V head: repeat V's rows per group, then project with W_o.
            v = parent_state["v_proj.weight"].reshape(parent_kv, 1, head_dim, -1).expand(-1, groups, -1, -1)
            module.linear_attn.weight.copy_(parent_state["o_proj.weight"] @ v.reshape(-1, v.shape[-1]))
    return module


def _sub_state(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {key[len(prefix) + 1 :]: value for key, value in state.items() if key.startswith(prefix + ".")}
