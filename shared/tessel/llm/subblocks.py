"""Replacement subblocks that plug into a stock `LlamaDecoderLayer` (no forked modeling code).

Each keeps the call signature of the module it replaces. Parameter names follow the DeciLM /
nemotron-nas checkpoints (`self_attn.linear_attn`, `mlp.linear_mlp`) so exported weights load there.
"""

from __future__ import annotations

import torch
from torch import nn


def _mark_positions(cache, hidden_states: torch.Tensor, layer_idx: int, kwargs: dict) -> None:
    # Without a KV entry this layer's cache would report length 0, and `generate()` reads positions and mask
    # sizes from the cache: store one scalar per token (not a K/V head) so every layer reports the true length.
    if cache is None:
        return
    batch, length = hidden_states.shape[:2]
    marker = hidden_states.new_zeros(batch, 1, length, 1)
    cache.update(marker, marker, layer_idx, kwargs=kwargs)


class NoOpAttention(nn.Module):
    """Attention removed: contributes nothing to the residual stream."""

    def __init__(self, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx

    def forward(self, hidden_states, position_embeddings=None, attention_mask=None, cache=None, **kwargs):
        _mark_positions(cache, hidden_states, self.layer_idx, kwargs)
        return torch.zeros_like(hidden_states), None


class LinearAttention(nn.Module):
    """Attention replaced by one hidden→hidden linear map (every token attends only to itself)."""

    def __init__(self, hidden_size: int, layer_idx: int) -> None:
        super().__init__()
        self.layer_idx = layer_idx
        self.linear_attn = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, hidden_states, position_embeddings=None, attention_mask=None, cache=None, **kwargs):
        _mark_positions(cache, hidden_states, self.layer_idx, kwargs)
        return self.linear_attn(hidden_states), None


class NoOpMLP(nn.Module):
    """FFN removed."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


class LinearMLP(nn.Module):
    """FFN replaced by one hidden→hidden linear map."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear_mlp = nn.Linear(hidden_size, hidden_size, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_mlp(x)
