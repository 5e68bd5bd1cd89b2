"""The scored library (JSON, versioned): what block-scorer writes and arch-solver reads.

One entry per library variant (layer, subblock, config) with its replace-one-block quality scores
(lower is better for every metric) and its cost on one deployment scenario, plus the non-block
overhead (embeddings, final norm, LM head) measured once. The solver's objective and budgets are sums
over one chosen entry per (layer, subblock) plus the overhead.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from tessel.runtime.errors import InvalidArgument

SCORED_LIBRARY_SCHEMA = "tessel.scoring.scored_library"
SCORED_LIBRARY_SCHEMA_VERSION = 1
SUBBLOCKS = ("attention", "ffn")
# Quality metrics, all "lower is better" so the solver always minimises their sum.
QUALITY_METRICS = ("kl", "lm_loss_delta", "top1_disagreement")


@dataclass(frozen=True)
class Score:
    mean: float
    stderr: float


@dataclass(frozen=True)
class Cost:
    """Cost of one subblock variant (or of the non-block overhead) on the scenario."""

    params: int
    weight_bytes: int
    kv_cache_bytes: int  # for the scenario's batch × (prompt + generation) tokens; 0 for FFN/no-op
    prefill_seconds: float  # one prefill of batch × prompt tokens
    decode_seconds_per_token: float  # one decode step of the whole batch at the scenario's context length
    prefill_spread: float = 0.0  # interquartile range of the measured repeats, same unit
    decode_spread: float = 0.0


@dataclass(frozen=True)
class ScoredVariant:
    layer: int
    subblock: str  # "attention" | "ffn"
    config: dict[str, Any]  # AttentionConfig/FFNConfig as a dict, e.g. {"kind": "gqa", "num_key_value_heads": 1}
    is_parent: bool
    scores: dict[str, Score]
    cost: Cost
    variant_id: str = ""  # the library manifest's id for the variant's weights ("" for parent / no-op)


@dataclass(frozen=True)
class Scenario:
    device: str
    dtype: str  # "float32" | "bfloat16" | "float16"
    batch_size: int
    prompt_length: int
    generation_length: int
    name: str = ""


@dataclass
class ScoredLibrary:
    num_layers: int
    scenario: Scenario
    overhead: Cost
    variants: list[ScoredVariant]
    library: dict[str, Any] = field(default_factory=dict)  # the manifest's ArtifactRef (uri, sha256)
    parent: dict[str, Any] = field(default_factory=dict)  # parent model name and shape
    extra: dict[str, Any] = field(default_factory=dict)  # scoring details (tokens, batches, seed, versions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCORED_LIBRARY_SCHEMA,
            "schema_version": SCORED_LIBRARY_SCHEMA_VERSION,
            "num_layers": self.num_layers,
            "scenario": asdict(self.scenario),
            "overhead": asdict(self.overhead),
            "library": self.library,
            "parent": self.parent,
            "extra": self.extra,
            "variants": [asdict(v) for v in self.variants],
        }

    @classmethod
    def from_dict(cls, data: Any, *, field: str = "scored_library") -> ScoredLibrary:
        if not isinstance(data, dict) or data.get("schema") != SCORED_LIBRARY_SCHEMA:
            raise InvalidArgument(f"not a scored library (schema must be {SCORED_LIBRARY_SCHEMA!r})", field=field)
        if data.get("schema_version") != SCORED_LIBRARY_SCHEMA_VERSION:
            raise InvalidArgument(
                f"scored library schema_version {data.get('schema_version')!r} is not supported "
                f"(expected {SCORED_LIBRARY_SCHEMA_VERSION})", field=field)
        try:
            library = cls(
                num_layers=int(data["num_layers"]),
                scenario=Scenario(**data["scenario"]),
                overhead=Cost(**data["overhead"]),
                variants=[
                    ScoredVariant(
                        layer=int(v["layer"]), subblock=v["subblock"], config=dict(v["config"]),
                        is_parent=bool(v["is_parent"]),
                        scores={name: Score(**s) for name, s in v["scores"].items()},
                        cost=Cost(**v["cost"]), variant_id=v.get("variant_id", ""),
                    )
                    for v in data["variants"]
                ],
                library=dict(data.get("library", {})), parent=dict(data.get("parent", {})),
                extra=dict(data.get("extra", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"malformed scored library: {exc!r}", field=field) from exc
        library.validate(field=field)
        return library

    def validate(self, *, field: str = "scored_library") -> None:
        if self.num_layers <= 0:
            raise InvalidArgument("num_layers must be positive", field=field)
        if not self.variants:
            raise InvalidArgument("the scored library has no variants", field=field)
        seen: dict[tuple[int, str], int] = {}
        for v in self.variants:
            if not 0 <= v.layer < self.num_layers or v.subblock not in SUBBLOCKS:
                raise InvalidArgument(f"variant at layer {v.layer} subblock {v.subblock!r} is out of range", field=field)
            for name, score in v.scores.items():
                if not (math.isfinite(score.mean) and math.isfinite(score.stderr)):
                    raise InvalidArgument(f"score {name} of layer {v.layer} {v.subblock} is not finite", field=field)
            seen[(v.layer, v.subblock)] = seen.get((v.layer, v.subblock), 0) + 1
        missing = [(layer, s) for layer in range(self.num_layers) for s in SUBBLOCKS if (layer, s) not in seen]
        if missing:
            raise InvalidArgument(f"no variant for (layer, subblock) {missing[:3]}", field=field)

    def metrics(self) -> set[str]:
        """The score names every variant carries (the objectives a solver may choose)."""
        names = [set(v.scores) for v in self.variants]
        return set.intersection(*names) if names else set()
