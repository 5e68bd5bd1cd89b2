"""What a scoring job asks for, as a plain dataclass (the API converts from the proto), and the checks
that name the offending field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tessel.llm.scored_library import Scenario
from tessel.runtime.errors import InvalidArgument
from tessel_block_scorer.core import inputs
from tessel_block_scorer.core.cost import CostOptions
from tessel_block_scorer.core.cost_timing import resolve_device, validate_scenario
from tessel_block_scorer.core.library import load_manifest

DEFAULT_HELD_OUT_TOKENS = 8192
DEFAULT_BATCH_SEQUENCES = 4
MAX_HELD_OUT_TOKENS = 1 << 24
# The parent's logits of one batch are cached for every variant: batch tokens × vocabulary floats
# (16384 × 49152 × 4 B ≈ 3.2 GB at the bound).
MAX_BATCH_TOKENS = 16_384
MAX_VOCAB_CHUNK = 1 << 20
MAX_SCENARIOS = 16
EXECUTORS = ("local", "kubernetes")


@dataclass(frozen=True)
class ScoringRequest:
    library: Any  # tessel.common.v1.ArtifactRef of the block library manifest
    scenarios: tuple[Scenario, ...]
    parent_model: str = ""
    corpus: str = ""
    held_out_tokens: int = DEFAULT_HELD_OUT_TOKENS
    sequence_length: int = 0  # 0: the library's
    batch_sequences: int = DEFAULT_BATCH_SEQUENCES
    vocab_chunk: int = 8192
    executor: str = "local"
    cost_options: CostOptions = field(default_factory=CostOptions)


@dataclass(frozen=True)
class ResolvedScoring:
    """The request with the library's defaults filled in."""

    manifest: dict[str, Any]
    parent_model: str
    corpus: str
    seed: int
    sequence_length: int


def validate_request(request: ScoringRequest, store) -> ResolvedScoring:
    if request.library.uri and not request.library.sha256:
        # Stored scores are keyed by it, and it pins the exact library the scores belong to.
        raise InvalidArgument("is required (the manifest's content digest)", field="spec.library.sha256")
    manifest = load_manifest(store, request.library, field="spec.library")
    parent = manifest.get("parent", {})
    data = manifest.get("data", {})
    library_parent = str(parent.get("model", ""))
    if request.parent_model and request.parent_model != library_parent:
        raise InvalidArgument(f"the library was distilled from {library_parent!r}, not {request.parent_model!r}",
                              field="spec.parent_model")
    if not library_parent:
        raise InvalidArgument("the manifest names no parent model", field="spec.library")
    if not 0 < request.held_out_tokens <= MAX_HELD_OUT_TOKENS:
        raise InvalidArgument(f"must be in 1..{MAX_HELD_OUT_TOKENS}", field="spec.held_out_tokens")
    positions = int(parent.get("config", {}).get("max_position_embeddings", 1 << 20))
    length = request.sequence_length or int(data.get("sequence_length", 256))
    if not 2 <= length <= positions:
        raise InvalidArgument(f"must be in 2..{positions} (the parent's positions)", field="spec.sequence_length")
    if request.held_out_tokens < length * request.batch_sequences:
        raise InvalidArgument(
            f"{request.held_out_tokens} tokens is less than one batch of {request.batch_sequences} × {length}",
            field="spec.held_out_tokens")
    if request.batch_sequences <= 0 or request.batch_sequences * length > MAX_BATCH_TOKENS:
        raise InvalidArgument(f"batch_sequences × sequence_length must be in 1..{MAX_BATCH_TOKENS}",
                              field="spec.batch_sequences")
    if not 0 < request.vocab_chunk <= MAX_VOCAB_CHUNK:
        raise InvalidArgument(f"must be in 1..{MAX_VOCAB_CHUNK}", field="spec.vocab_chunk")
    if request.executor not in EXECUTORS:
        raise InvalidArgument(f"unknown executor {request.executor!r} ({', '.join(EXECUTORS)})", field="spec.executor")
    if not request.scenarios or len(request.scenarios) > MAX_SCENARIOS:
        raise InvalidArgument(f"1..{MAX_SCENARIOS} scenarios", field="spec.scenarios")
    for index, scenario in enumerate(request.scenarios):
        validate_scenario(scenario, field=f"spec.scenarios[{index}]")
        resolve_device(scenario.device, field=f"spec.scenarios[{index}].device")
    request.cost_options.validate(field="spec.cost_options")
    corpus = request.corpus or str(data.get("corpus", "corpus"))
    inputs.confined_corpus(corpus, field="spec.corpus")
    inputs.resolve_parent(library_parent, field="spec.parent_model")
    return ResolvedScoring(manifest=manifest, parent_model=library_parent, corpus=corpus,
                           seed=int(data.get("seed", 0)), sequence_length=length)
