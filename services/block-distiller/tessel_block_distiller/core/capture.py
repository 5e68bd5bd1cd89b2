"""Capture the parent's per-layer subblock inputs and outputs, streamed to bf16 shards in the artifact store.

A shard holds, for one (layer, subblock, chunk of sequences), the subblock's input (the normalised hidden
state it reads) and its output (what it adds to the residual stream). With `blocks`, a "block" shard per
layer also holds the residual stream entering the block and what the whole block adds to it (the target of
attention variants trained through the frozen parent FFN). Only one chunk of all layers is
resident at a time, so memory is bounded by `chunk_tokens`, not by the token budget.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save, save_file

SUBBLOCKS = ("attention", "ffn")
SHARD_MEDIA_TYPE = "application/x-safetensors"
MICRO_BATCH_SEQUENCES = 4


def parent_subblock_weights(model, store, *, blocks: bool = False) -> list[dict[str, dict]]:
    """Per layer, the parent's attention and FFN weights (and with `blocks`, the whole decoder layer's) as
    artifacts (workers need nothing else of it)."""
    refs = []
    for layer in model.model.layers:
        entry = {}
        modules = [("attention", layer.self_attn), ("ffn", layer.mlp)] + ([("block", layer)] if blocks else [])
        for subblock, module in modules:
            state = {name: tensor.detach().cpu().contiguous() for name, tensor in module.state_dict().items()}
            entry[subblock] = ref_to_dict(store.put_bytes(save(state), media_type=SHARD_MEDIA_TYPE))
        refs.append(entry)
    return refs


def capture_activations(
    model,
    sequences: np.ndarray,
    store,
    *,
    chunk_tokens: int,
    blocks: bool = False,
    on_progress: Callable[[int, float], None] | None = None,
) -> list[dict[str, list[dict]]]:
    """Run the parent over `sequences` [n, L] chunk by chunk; returns, per layer and subblock, the shard refs."""
    count, length = sequences.shape
    device = next(model.parameters()).device
    layers = model.model.layers
    hidden = model.config.hidden_size
    per_chunk = max(1, chunk_tokens // length)
    kinds = SUBBLOCKS + (("block",) if blocks else ())
    shards: list[dict[str, list[dict]]] = [{name: [] for name in kinds} for _ in layers]
    buffers = [
        {name: torch.empty(2, per_chunk, length, hidden, dtype=torch.bfloat16) for name in kinds} for _ in layers
    ]
    cursor = {"start": 0, "stop": 0}

    def recorder(layer_index: int, subblock: str):
        def hook(module, args, kwargs, output):
            inputs = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
            result = output[0] if isinstance(output, tuple) else output
            if subblock == "block":  # what the block adds to the residual stream
                result = result - inputs
            target = buffers[layer_index][subblock]
            target[0, cursor["start"] : cursor["stop"]] = inputs.to(torch.bfloat16).cpu()
            target[1, cursor["start"] : cursor["stop"]] = result.to(torch.bfloat16).cpu()

        return hook

    handles = []
    for index, layer in enumerate(layers):
        handles.append(layer.self_attn.register_forward_hook(recorder(index, "attention"), with_kwargs=True))
        handles.append(layer.mlp.register_forward_hook(recorder(index, "ffn"), with_kwargs=True))
        if blocks:
            handles.append(layer.register_forward_hook(recorder(index, "block"), with_kwargs=True))
    started = time.monotonic()
    try:
        with torch.inference_mode(), tempfile.TemporaryDirectory(prefix="tessel-capture-") as scratch:
            for chunk_start in range(0, count, per_chunk):
                chunk = sequences[chunk_start : chunk_start + per_chunk]
                for micro in range(0, len(chunk), MICRO_BATCH_SEQUENCES):
                    batch = torch.from_numpy(chunk[micro : micro + MICRO_BATCH_SEQUENCES]).to(device)
                    cursor["start"], cursor["stop"] = micro, micro + len(batch)
                    model.model(input_ids=batch, use_cache=False)
                for index in range(len(layers)):
                    for subblock in kinds:
                        data = buffers[index][subblock][:, : len(chunk)]
                        shards[index][subblock].append(_put_shard(store, data, Path(scratch)))
                if on_progress is not None:
                    done = (chunk_start + len(chunk)) * length
                    on_progress(done, done / max(time.monotonic() - started, 1e-9))
    finally:
        for handle in handles:
            handle.remove()
    return shards


def _put_shard(store, data: torch.Tensor, scratch: Path) -> dict:
    path = scratch / "shard.safetensors"
    save_file({"input": data[0].contiguous(), "output": data[1].contiguous()}, str(path))
    ref = store.put_file(path, media_type=SHARD_MEDIA_TYPE)
    path.unlink()
    return ref_to_dict(ref)


def ref_to_dict(ref) -> dict:
    return {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes, "media_type": ref.media_type}


def ref_from_dict(data: dict):
    from tessel.common.v1 import artifact_pb2

    return artifact_pb2.ArtifactRef(**data)
