"""ShortGPT-style layer dropping (Men et al. 2024), a baseline child builder: score each decoder layer by its
Block Influence, BI = 1 - cos(h_in, h_out) averaged over calibration tokens, and turn whole layers into
no-ops (attention and FFN), lowest BI first, until the cost target holds. The result is an ordinary
heterogeneous block config list, so the assembler, KD and evaluation treat it like any other child."""

from __future__ import annotations

from collections.abc import Callable

import torch
from transformers import LlamaForCausalLM

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape
from tessel.runtime.errors import InvalidArgument

DROPPED = BlockConfig(AttentionConfig("no_op"), FFNConfig("no_op"))


@torch.no_grad()
def block_influence(model: LlamaForCausalLM, input_ids: torch.Tensor) -> list[float]:
    """Per layer, 1 - mean over tokens of cos(layer input, layer output). Hooks read the residual stream
    around each layer (hidden_states[-1] is after the final norm, so it cannot serve the last layer)."""
    sums = [0.0] * len(model.model.layers)
    count = input_ids.numel()

    def hook(index: int):
        def record(module, args, kwargs, output):
            h_in = args[0] if args else kwargs["hidden_states"]
            h_out = output[0] if isinstance(output, tuple) else output
            cos = torch.nn.functional.cosine_similarity(h_in.float(), h_out.float(), dim=-1)
            sums[index] += float(cos.sum())
        return record

    handles = [layer.register_forward_hook(hook(i), with_kwargs=True) for i, layer in enumerate(model.model.layers)]
    try:
        model(input_ids=input_ids)
    finally:
        for handle in handles:
            handle.remove()
    return [1.0 - total / count for total in sums]


def drop_layers(parent: ParentShape, influence: list[float],
                meets_target: Callable[[list[BlockConfig]], bool]) -> list[BlockConfig]:
    """Block configs with the lowest-influence layers dropped, one at a time, until `meets_target` holds;
    at least one layer is kept. Infeasible targets are INVALID_ARGUMENT on `target`."""
    if len(influence) != parent.num_hidden_layers:
        raise InvalidArgument(f"{len(influence)} influence scores for {parent.num_hidden_layers} layers",
                              field="influence")
    blocks = [parent.parent_block()] * parent.num_hidden_layers
    order = sorted(range(len(influence)), key=lambda i: (influence[i], i))
    for index in order[:-1]:
        if meets_target(blocks):
            return blocks
        blocks = [DROPPED if i == index else b for i, b in enumerate(blocks)]
    if meets_target(blocks):
        return blocks
    raise InvalidArgument("no layer-dropped child with at least one layer meets the target", field="target")
