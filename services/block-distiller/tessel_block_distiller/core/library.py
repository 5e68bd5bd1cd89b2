"""The block-library job: capture → work order → distil variants on an executor → versioned manifest.

Resumable at every stage: the capture index and each finished variant are named artifacts of the job
(`distill/<job_id>/...`), so a restarted attempt reuses them after checking they exist and verify.
"""

from __future__ import annotations

from tessel.runtime.executors.progress import VariantProgress

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tessel.llm.block_config import BlockConfig, ParentShape, subblock_parameters
from tessel.llm.library_manifest import LIBRARY_SCHEMA as MANIFEST_SCHEMA
from tessel.llm.library_manifest import LIBRARY_SCHEMA_VERSION as MANIFEST_SCHEMA_VERSION
from tessel.llm.nemotron_nas import is_exact_in_nemotron_nas
from tessel.runtime.executors import Executor
from tessel_block_distiller.core import inputs
from tessel_block_distiller.core.capture import capture_activations, parent_subblock_weights
from tessel_block_distiller.core.distill_unit import untrained_result
from tessel_block_distiller.core.spec import LibraryRequest, SearchSpace, validate_library
from tessel_block_distiller.core.variants import (
    WORK_ORDER_SCHEMA,
    Variant,
    enumerate_variants,
    finished_result,
    is_parent,
    needs_training,
)

CAPTURE_SCHEMA = "tessel.distill.capture/v1"
DATA_SPLIT = "distillation"

Progress = Callable[..., None]


@dataclasses.dataclass
class LibraryOutcome:
    manifest_ref: Any
    manifest: dict[str, Any]
    trained_now: int
    reused: int


def build_library(request: LibraryRequest, *, job_id: str, store, executor: Executor, progress: Progress,
                  max_shards: int) -> LibraryOutcome:
    folder = inputs.resolve_parent(request.parent_model, field="spec.library.parent_model")
    parent = inputs.parent_shape(folder, field="spec.library.parent_model")
    space = validate_library(request, parent)
    capture = _capture(request, folder, job_id=job_id, store=store, progress=progress)
    variants = enumerate_variants(space, parent)
    trainable = [v for v in variants if needs_training(v, parent)]
    pending = [v for v in trainable if finished_result(store, job_id, v.id) is None]
    reused = len(trainable) - len(pending)
    tracker = _ProgressTracker(progress, total=len(trainable), done=reused)
    tracker.report("distilling variants" if pending else "every variant already distilled")
    if pending:
        work_order = {
            "schema": WORK_ORDER_SCHEMA,
            "job_id": job_id,
            "parent_config": capture["parent_config"],
            "sequence_length": request.sequence_length,
            "train_sequences": capture["train_sequences"],
            "training": dataclasses.asdict(request.training),
            "attention_target": request.attention_target,
            "seed": request.seed,
            "layers": capture["layers"],
            "variants": [v.to_dict() for v in pending],
        }
        work_order_ref = store.put_json(work_order)
        executor.run(store, work_order_ref, min(max_shards, len(pending)), tracker.on_event)
    results = []
    for variant in variants:
        if needs_training(variant, parent):
            result = finished_result(store, job_id, variant.id)
            if result is None:
                raise RuntimeError(f"variant {variant.id} has no stored result after its workers finished")
            results.append({**result, "trained": True})
        else:
            weights = capture["layers"][variant.layer][variant.subblock]["parent"] if is_parent(variant, parent) else None
            results.append(untrained_result(variant, weights))
    manifest = _manifest(request, space, parent, job_id, capture, results)
    manifest_ref = store.put_json(manifest, name=f"distill/{job_id}/manifest")
    tracker.report("library ready")
    return LibraryOutcome(manifest_ref, store.get_json(manifest_ref), len(pending), reused)


def _capture(request: LibraryRequest, folder, *, job_id: str, store, progress: Progress) -> dict[str, Any]:
    name = f"distill/{job_id}/capture"
    existing = store.lookup(name)
    if existing is not None and store.verify(existing):
        return store.get_json(existing)
    field = "spec.library.corpus"
    train = inputs.token_sequences(
        request.corpus, folder, split=DATA_SPLIT, tokens=request.token_budget,
        sequence_length=request.sequence_length, seed=request.seed, field=field,
    )
    held_out = inputs.token_sequences(
        request.corpus, folder, split=DATA_SPLIT, tokens=request.held_out_tokens,
        sequence_length=request.sequence_length, offset_tokens=train.size, seed=request.seed, field=field,
    )
    model = inputs.load_parent(folder)
    total = train.size + held_out.size
    started = time.monotonic()

    def on_capture(offset: int):
        def report(done: int, tokens_per_s: float) -> None:
            progress(done=0, total=0, unit="variants",
                     message=f"capturing parent activations: {offset + done}/{total} tokens",
                     metrics={"tokens_per_s": tokens_per_s})
        return report

    blocks = request.attention_target == "block"
    train_shards = capture_activations(model, train, store, chunk_tokens=request.chunk_tokens, blocks=blocks,
                                       on_progress=on_capture(0))
    held_out_shards = capture_activations(
        model, held_out, store, chunk_tokens=request.chunk_tokens, blocks=blocks, on_progress=on_capture(train.size)
    )
    weights = parent_subblock_weights(model, store, blocks=blocks)
    config = model.config.to_dict()
    layers = [
        {sub: {"parent": weights[i][sub], "train": train_shards[i][sub], "held_out": held_out_shards[i][sub]}
         for sub in weights[i]}
        for i in range(len(weights))
    ]
    capture = {
        "schema": CAPTURE_SCHEMA,
        "parent_config": config,
        "train_sequences": int(train.shape[0]),
        "held_out_sequences": int(held_out.shape[0]),
        "train_tokens": int(train.size),
        "held_out_tokens": int(held_out.size),
        "seconds": time.monotonic() - started,
        "layers": layers,
    }
    del model
    ref = store.put_json(capture, name=name)
    return store.get_json(ref)


class _ProgressTracker(VariantProgress):
    """Distillation workers' events: the current loss, tokens/s and each variant's init → final loss."""

    def finished(self, event: dict[str, Any]) -> str:
        self.metrics["last_final_loss"] = event["final_loss"]
        self.metrics["last_init_loss"] = event["init_loss"]
        return f"{event['variant']} done: loss {event['init_loss']:.4f} → {event['final_loss']:.4f}"

    def update(self, event: dict[str, Any]) -> str | None:
        if event.get("event") != "step":
            return None
        self.metrics["loss"] = event["loss"]
        self.metrics["tokens_per_s"] = event["tokens_per_s"]
        return f"{event['variant']}: step {event['step']}/{event['steps']}"


def _manifest(request: LibraryRequest, space: SearchSpace, parent: ParentShape, job_id: str,
              capture: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    head_dim = capture["parent_config"].get("head_dim")
    variants = []
    for result in results:
        variant = Variant.from_dict(result)
        variants.append({
            "id": variant.id,
            "layer": variant.layer,
            "subblock": variant.subblock,
            "config": vars(variant.config).copy(),
            "weights": result["weights"],
            "parameters": subblock_parameters(parent, variant.config, head_dim=head_dim),
            "init_loss": result["init_loss"],
            "final_loss": result["final_loss"],
            "trained": result["trained"],
            "init": result.get("init"),
            "tokens": result.get("tokens", 0),
            "seconds": result.get("seconds", 0.0),
            "nemotron_nas_exact": variant.subblock != "ffn"
            or is_exact_in_nemotron_nas(BlockConfig(parent.parent_block().attention, variant.config), parent.hidden_size),
        })
    return {
        "schema": MANIFEST_SCHEMA,
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "job_id": job_id,
        "created": datetime.now(UTC).isoformat(),
        "parent": {"model": request.parent_model, "shape": dataclasses.asdict(parent), "config": capture["parent_config"]},
        "data": {
            "corpus": request.corpus,
            "split": DATA_SPLIT,
            "seed": request.seed,
            "sequence_length": request.sequence_length,
            "train_tokens": capture["train_tokens"],
            "held_out_tokens": capture["held_out_tokens"],
            # Training windows come first in the split's token stream; the held-out window follows them.
            "held_out_offset_tokens": capture["train_tokens"],
            "activation_dtype": "bfloat16",
        },
        "training": {**dataclasses.asdict(request.training), "loss": "normalized_mse", "schedule": "warmup_cosine",
                     "optimizer": "AdamW", "attention_target": request.attention_target},
        "search_space": dataclasses.asdict(space),
        "loss_metric": "held-out normalized MSE of the subblock output, MSE(o_p, o_c) / MSE(o_p, 0)",
        "variants": variants,
    }


def load_manifest(store, ref) -> dict[str, Any]:
    from tessel.runtime.errors import InvalidArgument

    manifest = store.get_json(ref)
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise InvalidArgument("is not a block library manifest", field="spec.global_kd.library")
    if manifest.get("schema_version") != MANIFEST_SCHEMA_VERSION:
        raise InvalidArgument(
            f"library schema version {manifest.get('schema_version')} is not supported (expected {MANIFEST_SCHEMA_VERSION})",
            field="spec.global_kd.library",
        )
    return manifest
