"""Spec validation (at Create) and the stage specs a compression spec makes, per profile."""

from __future__ import annotations

import math

from tessel.arch.v1 import arch_pb2
from tessel.common.v1 import artifact_pb2
from tessel.compress.v1 import compress_pb2
from tessel.distill.v1 import distill_pb2
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.paths import confined_path
from tessel.scoring.v1 import scoring_pb2
from tessel_pipeline.core.profile import MAX_CLOZE_ITEMS, MAX_EVALUATION_TOKENS, PROFILES, StageSizes

DEFAULT_CORPUS = "corpus"
MAX_REF_CHARS = 512
MAX_TOKENS = 1 << 26
PROFILE_NAMES = {compress_pb2.PROFILE_UNSPECIFIED: "default", compress_pb2.PROFILE_DEFAULT: "default",
                 compress_pb2.PROFILE_QUICK: "quick"}
ATTENTION_KINDS = {"gqa": distill_pb2.ATTENTION_KIND_GQA, "no_op": distill_pb2.ATTENTION_KIND_NO_OP,
                   "linear": distill_pb2.ATTENTION_KIND_LINEAR}
FFN_KINDS = {"mlp": distill_pb2.FFN_KIND_MLP, "no_op": distill_pb2.FFN_KIND_NO_OP, "linear": distill_pb2.FFN_KIND_LINEAR}


def validate_spec(spec: compress_pb2.CompressionJobSpec) -> None:
    if not spec.parent_model:
        raise InvalidArgument("is required", field="spec.parent_model")
    for name in ("parent_model", "corpus"):
        if len(getattr(spec, name)) > MAX_REF_CHARS or "\x00" in getattr(spec, name):
            raise InvalidArgument(f"must be at most {MAX_REF_CHARS} characters without NUL", field=f"spec.{name}")
    if spec.corpus and spec.corpus != DEFAULT_CORPUS:
        confined_path(spec.corpus, field="spec.corpus")
    if spec.profile not in PROFILE_NAMES:
        raise InvalidArgument(f"unknown profile {spec.profile}", field="spec.profile")
    if not spec.HasField("budget") or not spec.budget.ListFields():
        raise InvalidArgument("needs at least one budget (e.g. target_speedup)", field="spec.budget")
    for descriptor, value in spec.budget.ListFields():
        if not math.isfinite(value) or value <= 0:
            raise InvalidArgument(f"must be a finite number > 0, got {value}", field=f"spec.budget.{descriptor.name}")
    if spec.HasField("kd_tokens") and not 0 <= spec.kd_tokens <= MAX_TOKENS:
        raise InvalidArgument(f"must be in [0, {MAX_TOKENS}], got {spec.kd_tokens}", field="spec.kd_tokens")
    options = spec.options
    if options.HasField("library_tokens") and not 1 <= options.library_tokens <= MAX_TOKENS:
        raise InvalidArgument(f"must be in [1, {MAX_TOKENS}]", field="spec.options.library_tokens")
    bounds = {"held_out_tokens": MAX_TOKENS, "sequence_length": 8192, "timing_repeats": 100,
              "evaluation_tokens": MAX_EVALUATION_TOKENS, "cloze_items": MAX_CLOZE_ITEMS}
    for name, bound in bounds.items():
        value = getattr(options, name)
        if not 0 <= value <= bound:
            raise InvalidArgument(f"must be in [0, {bound}] (0: the profile's), got {value}", field=f"spec.options.{name}")
    if spec.method not in arch_pb2.Method.values():
        raise InvalidArgument(f"unknown method {spec.method}", field="spec.method")
    limit = options.solve_time_limit_seconds
    if not (math.isfinite(limit) and 0 <= limit <= 600):
        raise InvalidArgument("must be in [0, 600] seconds", field="spec.options.solve_time_limit_seconds")


def sizes(spec: compress_pb2.CompressionJobSpec) -> StageSizes:
    """The profile's sizes with the spec's overrides."""
    base = PROFILES[PROFILE_NAMES[spec.profile]]
    o = spec.options
    return StageSizes(
        library_tokens=o.library_tokens if o.HasField("library_tokens") else base.library_tokens,
        held_out_tokens=o.held_out_tokens or base.held_out_tokens,
        sequence_length=o.sequence_length or base.sequence_length,
        timing_repeats=o.timing_repeats or base.timing_repeats,
        kd_tokens=spec.kd_tokens if spec.HasField("kd_tokens") else base.kd_tokens,
        evaluation_tokens=o.evaluation_tokens or base.evaluation_tokens,
        cloze_items=o.cloze_items or base.cloze_items,
        solve_time_limit_seconds=o.solve_time_limit_seconds or base.solve_time_limit_seconds,
        search_space=base.search_space,
    )


def library_spec(spec: compress_pb2.CompressionJobSpec, s: StageSizes) -> distill_pb2.DistillationJobSpec:
    library = distill_pb2.LibrarySpec(parent_model=spec.parent_model, corpus=spec.corpus or DEFAULT_CORPUS,
                                      seed=spec.seed, held_out_tokens=s.held_out_tokens,
                                      sequence_length=s.sequence_length)
    if s.library_tokens is not None:
        library.token_budget = s.library_tokens
    if spec.HasField("search_space"):
        library.search_space.CopyFrom(spec.search_space)
    elif s.search_space is not None:
        kv_heads, widths = s.search_space
        library.search_space.CopyFrom(distill_pb2.SearchSpace(
            kv_heads=kv_heads, ffn_intermediate_sizes=widths, attention_no_op=True, ffn_no_op=True))
    return distill_pb2.DistillationJobSpec(library=library)


def scoring_spec(spec: compress_pb2.CompressionJobSpec, s: StageSizes,
                 library: artifact_pb2.ArtifactRef) -> scoring_pb2.ScoringJobSpec:
    return scoring_pb2.ScoringJobSpec(
        library=library, scenarios=[spec.scenario] if spec.HasField("scenario") else [],
        held_out_tokens=s.held_out_tokens, sequence_length=s.sequence_length,
        cost_options=scoring_pb2.CostOptions(repeats=s.timing_repeats))


def solve_request(spec: compress_pb2.CompressionJobSpec, s: StageSizes,
                  scored: artifact_pb2.ArtifactRef) -> arch_pb2.SolveRequest:
    return arch_pb2.SolveRequest(scored_library=scored, budget=spec.budget, options=arch_pb2.SolveOptions(
        time_limit_seconds=s.solve_time_limit_seconds, rules=spec.rules, method=spec.method, seed=spec.method_seed))


def global_kd_spec(spec: compress_pb2.CompressionJobSpec, s: StageSizes, library: artifact_pb2.ArtifactRef,
                   blocks: list[distill_pb2.BlockConfig]) -> distill_pb2.DistillationJobSpec:
    kd = distill_pb2.GlobalDistillationSpec(
        parent_model=spec.parent_model, corpus=spec.corpus or DEFAULT_CORPUS, library=library, seed=spec.seed,
        block_configs=blocks, held_out_tokens=s.held_out_tokens, sequence_length=s.sequence_length)
    if s.kd_tokens is not None:
        kd.token_budget = s.kd_tokens
    return distill_pb2.DistillationJobSpec(global_kd=kd)


def measurement_spec(s: StageSizes, scored: artifact_pb2.ArtifactRef,
                     blocks: list[distill_pb2.BlockConfig]) -> scoring_pb2.MeasurementJobSpec:
    return scoring_pb2.MeasurementJobSpec(scored_library=scored, block_configs=blocks,
                                          options=scoring_pb2.CostOptions(warmup=1, repeats=s.timing_repeats))


def block_messages(configs: list[dict]) -> list[distill_pb2.BlockConfig]:
    """tessel.llm BlockConfig dicts (a solution document's block_configs) as messages."""
    return [distill_pb2.BlockConfig(
        attention=distill_pb2.AttentionConfig(kind=ATTENTION_KINDS[c["attention"]["kind"]],
                                              num_key_value_heads=c["attention"].get("num_key_value_heads") or 0),
        ffn=distill_pb2.FfnConfig(kind=FFN_KINDS[c["ffn"]["kind"]],
                                  intermediate_size=c["ffn"].get("intermediate_size") or 0))
        for c in configs]


def parent_blocks(shape: dict) -> list[dict]:
    """The parent's own block configs, from a library manifest's parent shape."""
    block = {"attention": {"kind": "gqa", "num_key_value_heads": shape["num_key_value_heads"]},
             "ffn": {"kind": "mlp", "intermediate_size": shape["intermediate_size"]}}
    return [block] * shape["num_hidden_layers"]
