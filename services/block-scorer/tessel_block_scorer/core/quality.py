"""Quality scores of a library as units of work: the work order a worker reads, one worker's shard, and
the per-variant results in the artifact store.

Each result is named by a digest of everything that determines it (library manifest, held-out tokens,
batching, vocabulary chunk, software versions) plus the variant id, so a restarted job — or any later job
with the same inputs — keeps every variant already scored and runs only the rest.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tessel.common.v1 import artifact_pb2
from tessel.llm.scored_library import QUALITY_METRICS, Score

WORK_ORDER_SCHEMA = "tessel.scoring.work_order/v1"
RESULT_SCHEMA = "tessel.scoring.variant_quality/v1"
NPY_MEDIA_TYPE = "application/x-npy"

Emit = Callable[[dict[str, Any]], None]


def ref_to_dict(ref) -> dict[str, Any]:
    return {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes, "media_type": ref.media_type}


def ref_from_dict(data: dict[str, Any]) -> artifact_pb2.ArtifactRef:
    return artifact_pb2.ArtifactRef(**data)


def put_tokens(store, sequences: np.ndarray) -> artifact_pb2.ArtifactRef:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(sequences, dtype=np.int32), allow_pickle=False)
    return store.put_bytes(buffer.getvalue(), media_type=NPY_MEDIA_TYPE)


def get_tokens(store, ref) -> np.ndarray:
    return np.load(io.BytesIO(store.get_bytes(ref)), allow_pickle=False)


def result_key(*, library_sha256: str, tokens_sha256: str, batch_sequences: int, vocab_chunk: int,
               software: dict[str, str]) -> str:
    document = {"library": library_sha256, "tokens": tokens_sha256, "batch_sequences": batch_sequences,
                "vocab_chunk": vocab_chunk, "software": software}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:32]


def result_name(key: str, variant_id: str) -> str:
    return f"block-scorer/quality/{key}/{variant_id}"


def finished_result(store, key: str, variant_id: str) -> dict[str, Any] | None:
    """The stored scores of a variant when they exist and verify; None otherwise."""
    ref = store.lookup(result_name(key, variant_id))
    if ref is None or not store.verify(ref):
        return None
    result = store.get_json(ref)
    if not isinstance(result, dict) or result.get("schema") != RESULT_SCHEMA:
        return None
    return result


def scores_of(result: dict[str, Any]) -> dict[str, Score]:
    return {name: Score(**result["scores"][name]) for name in QUALITY_METRICS}


def shard_slice(items: list, index: int, count: int) -> list:
    """The index-th of `count` contiguous, nearly equal slices (a shard keeps neighbouring layers together)."""
    size, extra = divmod(len(items), count)
    start = index * size + min(index, extra)
    return items[start : start + size + (1 if index < extra else 0)]


def run_shard(store, work_order: dict[str, Any], index: int, count: int, emit: Emit) -> dict[str, Any]:
    """Score this shard's variants, group by group; each result is stored as soon as its group ends."""
    import torch

    from tessel.runtime.settings import torch_device
    from tessel_block_scorer.core import inputs
    from tessel_block_scorer.core.library import library_variants, replacement_module
    from tessel_block_scorer.core.scoring import Replacement, score_replacements

    key = work_order["result_key"]
    wanted = shard_slice(work_order["variants"], index, count)
    pending = [v for v in wanted if finished_result(store, key, v) is None]
    for variant_id in sorted(set(wanted) - set(pending)):
        emit({"event": "skipped", "variant": variant_id})
    if not pending:
        return {"scored": []}
    device = torch_device()
    manifest = store.get_json(ref_from_dict(work_order["library"]))
    by_id = {v.id: v for v in library_variants(manifest)}
    model = inputs.load_parent(inputs.resolve_parent(work_order["parent_model"], field="spec.parent_model"), device)
    sequences = torch.from_numpy(get_tokens(store, ref_from_dict(work_order["tokens"])).astype(np.int64))
    batch = work_order["batch_sequences"]
    batches = [sequences[i : i + batch].to(device) for i in range(0, sequences.shape[0] // batch * batch, batch)]
    tokens = sum(b.numel() for b in batches)
    group_size = work_order["group_variants"]
    scored = []
    for start in range(0, len(pending), group_size):
        group = [by_id[v] for v in pending[start : start + group_size]]
        replacements = [
            Replacement(v.id, v.layer, v.subblock, replacement_module(model.config, v, store).to(device),
                        drops_norm=v.config.kind == "no_op")
            for v in group
        ]
        started = time.monotonic()

        def on_batch(batch_index: int, group=group, started=started) -> None:
            seconds = max(time.monotonic() - started, 1e-9)
            emit({"event": "batch", "batch": batch_index + 1, "batches": len(batches), "variants": len(group),
                  "tokens_per_s": (batch_index + 1) * tokens / len(batches) * len(group) / seconds})

        scores = score_replacements(model, batches, replacements, vocab_chunk=work_order["vocab_chunk"],
                                    on_batch=on_batch)
        seconds = time.monotonic() - started
        for variant in group:
            result = {"schema": RESULT_SCHEMA, "variant": variant.id, "layer": variant.layer,
                      "subblock": variant.subblock, "tokens": tokens, "batches": len(batches),
                      "seconds": seconds / len(group),
                      "scores": {name: {"mean": s.mean, "stderr": s.stderr} for name, s in scores[variant.id].items()}}
            store.put_json(result, name=result_name(key, variant.id))
            emit({"event": "finished", "variant": variant.id, "kl": result["scores"]["kl"]["mean"]})
            scored.append(variant.id)
        del replacements
    return {"scored": scored}
