"""The scoring job: held-out tokens → quality of every variant on an executor (resumable) → measured
costs per scenario → one versioned scored library per scenario, plus a Markdown + PNG report."""

from __future__ import annotations

from tessel.runtime.executors.progress import VariantProgress

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import torch
import transformers

from tessel.llm.scored_library import QUALITY_METRICS, Score, ScoredLibrary, ScoredVariant
from tessel.runtime.executors import Executor
from tessel_block_scorer.core import inputs, report
from tessel_block_scorer.core.cost import library_costs
from tessel_block_scorer.core.library import LibraryVariant, library_variants, parent_shape
from tessel_block_scorer.core.quality import (
    WORK_ORDER_SCHEMA,
    finished_result,
    put_tokens,
    ref_to_dict,
    result_key,
    scores_of,
)
from tessel_block_scorer.core.spec import ScoringRequest, validate_request

Progress = Callable[..., None]
PARENT_SCORES = {name: Score(mean=0.0, stderr=0.0) for name in QUALITY_METRICS}


@dataclasses.dataclass
class ScoringOutcome:
    scored_libraries: list[Any]  # ArtifactRef per scenario, in the request's order
    report_ref: Any
    heatmap_ref: Any
    scored_now: int
    reused: int


def score_library(request: ScoringRequest, *, job_id: str, store, executor: Executor, progress: Progress,
                  max_shards: int, group_variants: int, cost_cache) -> ScoringOutcome:
    resolved = validate_request(request, store)
    manifest = resolved.manifest
    variants = library_variants(manifest)
    folder = inputs.resolve_parent(resolved.parent_model, field="spec.parent_model")
    sequences = inputs.held_out_sequences(
        resolved.corpus, folder, tokens=request.held_out_tokens, sequence_length=resolved.sequence_length,
        seed=resolved.seed, field="spec.corpus")
    batches = sequences.shape[0] // request.batch_sequences
    if batches == 0:
        raise _too_few_tokens(sequences, request)
    sequences = sequences[: batches * request.batch_sequences]
    tokens_ref = put_tokens(store, sequences)
    software = {"torch": torch.__version__, "transformers": transformers.__version__, "scoring": "replace-one-block/v1"}
    key = result_key(library_sha256=request.library.sha256, tokens_sha256=tokens_ref.sha256,
                     batch_sequences=request.batch_sequences, vocab_chunk=request.vocab_chunk, software=software)
    kept_as_parent = _layers_outside_the_library(manifest, variants)
    # The parent's own subblocks change nothing: exactly 0 on every metric, nothing to run.
    scorable = [v for v in variants if not v.is_parent]
    pending = [v.id for v in scorable if finished_result(store, key, v.id) is None]
    reused = len(scorable) - len(pending)
    tracker = _ProgressTracker(progress, total=len(scorable), done=reused)
    tracker.report("scoring variants" if pending else "every variant already scored")
    started = time.monotonic()
    if pending:
        work_order = {
            "schema": WORK_ORDER_SCHEMA, "job_id": job_id, "result_key": key,
            "library": ref_to_dict(request.library), "parent_model": resolved.parent_model,
            "tokens": ref_to_dict(tokens_ref), "batch_sequences": request.batch_sequences,
            "vocab_chunk": request.vocab_chunk, "group_variants": group_variants, "variants": pending,
        }
        executor.run(store, store.put_json(work_order), min(max_shards, len(pending)), tracker.on_event)
    scoring_seconds = time.monotonic() - started
    quality = {}
    for variant in scorable:
        result = finished_result(store, key, variant.id)
        if result is None:
            raise RuntimeError(f"variant {variant.id} has no stored scores after its workers finished")
        quality[variant.id] = scores_of(result)
    extra = {
        "job_id": job_id, "created": datetime.now(UTC).isoformat(), "software": software,
        "data": {"corpus": resolved.corpus, "split": inputs.HELD_OUT_SPLIT, "seed": resolved.seed,
                 "sequence_length": resolved.sequence_length, "tokens": int(sequences.size),
                 "batches": batches, "batch_sequences": request.batch_sequences},
        "vocab_chunk": request.vocab_chunk, "metrics": list(QUALITY_METRICS), "stderr": "over token batches",
        "scoring_seconds": scoring_seconds, "variants_scored_now": len(pending), "variants_reused": reused,
    }
    refs = []
    libraries = []
    for index, scenario in enumerate(request.scenarios):
        def on_cost(done: int, total: int, message: str, index=index) -> None:
            tracker.report(f"costs, scenario {index + 1}/{len(request.scenarios)}: {done}/{total} shapes ({message})")

        overhead, costs, table = library_costs(
            manifest, scenario, cache_dir=cost_cache, options=request.cost_options, progress=on_cost,
            field=f"spec.scenarios[{index}]", library_field="spec.library")
        library = ScoredLibrary(
            num_layers=int(manifest["parent"]["shape"]["num_hidden_layers"]), scenario=scenario, overhead=overhead,
            variants=[_scored(v, PARENT_SCORES if v.is_parent else quality[v.id], costs[v.id]) for v in variants]
            + [_scored(v, PARENT_SCORES, _parent_cost(table, v)) for v in kept_as_parent],
            library=ref_to_dict(request.library),
            parent={"model": resolved.parent_model, "shape": manifest["parent"]["shape"]},
            extra={**extra, "cost": {"device": table.device, "measured": table.measured, "cached": table.cached,
                                     "software": table.software, "options": dataclasses.asdict(request.cost_options)}},
        )
        library.validate(field="spec.library")
        libraries.append(library)
        refs.append(store.put_json(library.to_dict(), name=f"block-scorer/{job_id}/scored-library-{index}"))
    heatmap_ref = store.put_bytes(report.heatmap_png(libraries[0]), media_type="image/png",
                                  name=f"block-scorer/{job_id}/heatmap")
    markdown = report.markdown(libraries, refs, heatmap_ref)
    report_ref = store.put_bytes(markdown.encode(), media_type="text/markdown", name=f"block-scorer/{job_id}/report")
    tracker.report("scored library ready")
    return ScoringOutcome(refs, report_ref, heatmap_ref, len(pending), reused)


def _layers_outside_the_library(manifest, variants: list[LibraryVariant]) -> list[LibraryVariant]:
    """Parent entries for the (layer, subblock)s a layer-restricted library leaves out: there the parent's
    own subblock is the only choice, and the solver needs one per (layer, subblock)."""
    shape = parent_shape(manifest)
    block = shape.parent_block()
    listed = {(v.layer, v.subblock) for v in variants}
    return [
        LibraryVariant(id="", layer=layer, subblock=subblock, weights=None, is_parent=True,
                       config=block.attention if subblock == "attention" else block.ffn)
        for layer in range(shape.num_hidden_layers) for subblock in ("attention", "ffn")
        if (layer, subblock) not in listed
    ]


def _parent_cost(table, variant: LibraryVariant):
    try:
        return table.of(variant.subblock, variant.config)
    except KeyError:
        from tessel.runtime.errors import InvalidArgument

        raise InvalidArgument(f"the library lists no parent-shaped {variant.subblock} variant to cost layer "
                              f"{variant.layer} with", field="spec.library") from None


def _scored(variant: LibraryVariant, scores, cost) -> ScoredVariant:
    return ScoredVariant(layer=variant.layer, subblock=variant.subblock, config=dataclasses.asdict(variant.config),
                         is_parent=variant.is_parent, scores=dict(scores), cost=cost, variant_id=variant.id)


def _too_few_tokens(sequences, request: ScoringRequest):
    from tessel.runtime.errors import InvalidArgument

    return InvalidArgument(
        f"the held-out split gave {sequences.shape[0]} sequences, less than one batch of {request.batch_sequences}",
        field="spec.batch_sequences")


class _ProgressTracker(VariantProgress):
    """Scoring workers' events: the last KL and tokens/s."""

    def finished(self, event: dict[str, Any]) -> str:
        self.metrics["kl"] = event["kl"]
        return f"{event['variant']} scored: KL {event['kl']:.4g}"

    def update(self, event: dict[str, Any]) -> str | None:
        if event.get("event") != "batch":
            return None
        self.metrics["tokens_per_s"] = event["tokens_per_s"]
        return f"{event['variants']} variants: batch {event['batch']}/{event['batches']}"
