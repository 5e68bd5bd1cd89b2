"""Global knowledge distillation of an assembled child from the parent (Puzzle's GKD stage):
loss = Σ_layers (1 − cos(h_child, h_parent)) + KL(parent ‖ child) on logits; no LM loss.

The child is any per-layer architecture over a block library (replaced subblocks take the library's
distilled weights). Checkpoints go to the artifact store under the job's name, so a restarted job
resumes from the last one.
"""

from __future__ import annotations

import dataclasses
import io
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load

from tessel.llm.block_config import ParentShape
from tessel.llm.model import derive_child
from tessel.llm.nemotron_nas import save_heterogeneous
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel_block_distiller.core import inputs
from tessel_block_distiller.core.bld import warmup_cosine
from tessel_block_distiller.core.capture import ref_from_dict, ref_to_dict
from tessel_block_distiller.core.library import DATA_SPLIT, load_manifest
from tessel_block_distiller.core.spec import GlobalDistillationRequest, validate_global

CHILD_SCHEMA = "tessel.distill.child/v1"
CHECKPOINT_MEDIA_TYPE = "application/x-pytorch"
EVAL_BATCH_SEQUENCES = 4

Progress = Callable[..., None]


@dataclasses.dataclass
class GlobalOutcome:
    manifest_ref: Any
    manifest: dict[str, Any]
    initial_kl: float
    final_kl: float


def assemble_child(parent, blocks, manifest: dict[str, Any], store, *, field: str):
    """The child built from the parent and the library's variants for every replaced subblock."""
    child = derive_child(parent, list(blocks))
    by_key = {(v["layer"], v["subblock"], _config_key(v["config"])): v for v in manifest["variants"]}
    parent_block = ParentShape.of(parent.config).parent_block()
    for index, (layer, block) in enumerate(zip(child.model.layers, blocks, strict=True)):
        for subblock, config, module, parent_config in (
            ("attention", block.attention, layer.self_attn, parent_block.attention),
            ("ffn", block.ffn, layer.mlp, parent_block.ffn),
        ):
            if config == parent_config or config.kind == "no_op":
                continue
            entry = by_key.get((index, subblock, _config_key(vars(config))))
            if entry is None or entry["weights"] is None:
                raise InvalidArgument(
                    f"layer {index} {subblock} variant {config.name} is not in the block library",
                    field=f"{field}[{index}].{subblock}",
                )
            module.load_state_dict(load(store.get_bytes(ref_from_dict(entry["weights"]))))
    return child


def _config_key(config: dict[str, Any]) -> tuple:
    return tuple(sorted(config.items()))


def forward_with_block_outputs(model, batch: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Logits and every decoder block's output (the residual stream after it). Puzzle's L_cosine sums over
    the blocks' hidden states; Transformers' `hidden_states[-1]` is after the final norm (which the logits'
    KL already sees), so the last block's own output is taken from a hook instead."""
    last = {}

    def record(module, args, output):
        last["output"] = output[0] if isinstance(output, tuple) else output

    handle = model.model.layers[-1].register_forward_hook(record)
    try:
        out = model(batch, output_hidden_states=True)
    finally:
        handle.remove()
    return out.logits, [*out.hidden_states[1:-1], last["output"]]


def distillation_loss(child_out, parent_out) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`child_out` and `parent_out` are (logits, block outputs) from forward_with_block_outputs."""
    (child_logits, child_blocks), (parent_logits, parent_blocks) = child_out, parent_out
    cosine = sum(
        (1 - F.cosine_similarity(c.float(), p.float(), dim=-1)).mean()
        for c, p in zip(child_blocks, parent_blocks, strict=True)
    )
    kl = kl_per_token(child_logits, parent_logits)
    return cosine + kl, cosine, kl


def kl_per_token(child_logits: torch.Tensor, parent_logits: torch.Tensor) -> torch.Tensor:
    parent_log = F.log_softmax(parent_logits.float(), dim=-1)
    child_log = F.log_softmax(child_logits.float(), dim=-1)
    return (parent_log.exp() * (parent_log - child_log)).sum(-1).mean()


@torch.no_grad()
def held_out_kl(child, parent, sequences: np.ndarray) -> float:
    child.eval()
    device = next(parent.parameters()).device
    total = 0.0
    for start in range(0, len(sequences), EVAL_BATCH_SEQUENCES):
        batch = torch.from_numpy(sequences[start : start + EVAL_BATCH_SEQUENCES]).to(device)
        total += kl_per_token(child(batch).logits, parent(batch).logits).item() * len(batch)
    return total / len(sequences)


def run_global_distillation(request: GlobalDistillationRequest, *, job_id: str, store, progress: Progress) -> GlobalOutcome:
    prefix = "spec.global_kd"
    folder = inputs.resolve_parent(request.parent_model, field=f"{prefix}.parent_model")
    shape = inputs.parent_shape(folder, field=f"{prefix}.parent_model")
    validate_global(request, shape, prefix=prefix)
    with fields_renamed({"artifact": f"{prefix}.library"}):
        manifest = load_manifest(store, request.library_manifest)
    if manifest["parent"]["shape"] != dataclasses.asdict(shape):
        raise InvalidArgument("the library was built for a different parent", field=f"{prefix}.library")
    field = f"{prefix}.corpus"
    train = inputs.token_sequences(request.corpus, folder, split=DATA_SPLIT, tokens=request.token_budget,
                                   sequence_length=request.sequence_length, seed=request.seed, field=field)
    held_out = inputs.token_sequences(request.corpus, folder, split=DATA_SPLIT, tokens=request.held_out_tokens,
                                      sequence_length=request.sequence_length, offset_tokens=train.size,
                                      seed=request.seed, field=field)
    parent = inputs.load_parent(folder)
    parent.requires_grad_(False)
    torch.manual_seed(request.seed)
    child = assemble_child(parent, request.block_configs, manifest, store, field=f"{prefix}.block_configs")
    initial_kl = held_out_kl(child, parent, held_out)

    steps = math.ceil(len(train) / request.batch_sequences)
    optimizer = torch.optim.AdamW(child.parameters(), lr=request.learning_rate, weight_decay=0.0)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, steps, warmup))
    order = np.random.default_rng(request.seed).permutation(len(train))
    checkpoint_name = f"distill/{job_id}/global_kd/checkpoint"
    start_step = _restore(store, checkpoint_name, child, optimizer, schedule)
    tokens_per_step = request.batch_sequences * request.sequence_length
    checkpoint_every = max(1, request.checkpoint_interval_tokens // tokens_per_step)
    losses = {}
    child.train()
    for step in range(start_step, steps):
        batch = torch.from_numpy(train[order[step * request.batch_sequences : (step + 1) * request.batch_sequences]])
        batch = batch.to(next(parent.parameters()).device)
        with torch.no_grad():
            parent_out = forward_with_block_outputs(parent, batch)
        loss, cosine, kl = distillation_loss(forward_with_block_outputs(child, batch), parent_out)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        losses = {"loss": loss.item(), "cosine_loss": cosine.item(), "kl": kl.item()}
        progress(done=(step + 1) * tokens_per_step, total=steps * tokens_per_step, unit="tokens",
                 message=f"global distillation step {step + 1}/{steps}", metrics=losses)
        if (step + 1) % checkpoint_every == 0 and step + 1 < steps:
            _checkpoint(store, checkpoint_name, child, optimizer, schedule, step + 1)
    final_kl = held_out_kl(child, parent, held_out)
    child_manifest = _store_child(store, child, request, job_id, initial_kl, final_kl, losses)
    ref = store.put_json(child_manifest, name=f"distill/{job_id}/child")
    return GlobalOutcome(ref, child_manifest, initial_kl, final_kl)


def _checkpoint(store, name: str, child, optimizer, schedule, step: int) -> None:
    buffer = io.BytesIO()
    torch.save({"step": step, "model": child.state_dict(), "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict()}, buffer)
    store.put_bytes(buffer.getvalue(), media_type=CHECKPOINT_MEDIA_TYPE, name=name)


def _restore(store, name: str, child, optimizer, schedule) -> int:
    ref = store.lookup(name)
    if ref is None or not store.verify(ref):
        return 0
    state = torch.load(io.BytesIO(store.get_bytes(ref)), weights_only=True, map_location=next(child.parameters()).device)
    child.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    return int(state["step"])


def _store_child(store, child, request: GlobalDistillationRequest, job_id: str, initial_kl: float,
                 final_kl: float, losses: dict[str, float]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tessel-child-") as scratch:
        folder = save_heterogeneous(child, Path(scratch) / "child", blocks=list(request.block_configs))
        files = {
            path.name: ref_to_dict(store.put_file(path, media_type=_media_type(path)))
            for path in sorted(folder.iterdir())
        }
    return {
        "schema": CHILD_SCHEMA,
        "job_id": job_id,
        "parent_model": request.parent_model,
        "library": ref_to_dict(request.library_manifest),
        "block_configs": [b.to_dict() for b in request.block_configs],
        "files": files,
        "data": {"corpus": request.corpus, "split": DATA_SPLIT, "train_tokens": request.token_budget,
                 "held_out_tokens": request.held_out_tokens, "sequence_length": request.sequence_length,
                 "seed": request.seed},
        "loss": "sum over blocks of (1 - cosine(block outputs, before the final norm)) + KL(parent || child) on logits",
        "initial_kl": initial_kl,
        "final_kl": final_kl,
        "last_losses": losses,
    }


def _media_type(path: Path) -> str:
    return "application/json" if path.suffix == ".json" else "application/x-safetensors"
