"""Library variants as independent units of work, the work order workers read, and their stored results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tessel.llm.block_config import AttentionConfig, FFNConfig, ParentShape
from tessel_block_distiller.core.capture import ref_from_dict
from tessel_block_distiller.core.spec import SearchSpace

WORK_ORDER_SCHEMA = "tessel.distill.work_order/v1"
RESULT_SCHEMA = "tessel.distill.variant_result/v1"


@dataclass(frozen=True)
class Variant:
    layer: int
    subblock: str  # "attention" | "ffn"
    config: AttentionConfig | FFNConfig

    @property
    def id(self) -> str:
        return f"L{self.layer:03d}-{self.subblock}-{self.config.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "layer": self.layer, "subblock": self.subblock, "config": vars(self.config).copy()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Variant:
        config_type = AttentionConfig if data["subblock"] == "attention" else FFNConfig
        return cls(data["layer"], data["subblock"], config_type(**data["config"]))


def is_parent(variant: Variant, parent: ParentShape) -> bool:
    block = parent.parent_block()
    return variant.config == (block.attention if variant.subblock == "attention" else block.ffn)


def needs_training(variant: Variant, parent: ParentShape) -> bool:
    return variant.config.kind != "no_op" and not is_parent(variant, parent)


def enumerate_variants(space: SearchSpace, parent: ParentShape) -> list[Variant]:
    """Every (layer, subblock, variant) of the library, grouped by (layer, subblock) so a worker that
    takes a contiguous slice reads each layer's shards once. The parent's own subblocks are always listed
    (free, and the solver must be able to keep a layer as it is)."""
    layers = space.layers or tuple(range(parent.num_hidden_layers))
    parent_block = parent.parent_block()
    attention = [parent_block.attention, *(c for c in space.attention_variants() if c != parent_block.attention)]
    ffn = [parent_block.ffn, *(c for c in space.ffn_variants() if c != parent_block.ffn)]
    variants = []
    for layer in layers:
        variants += [Variant(layer, "attention", config) for config in attention]
        variants += [Variant(layer, "ffn", config) for config in ffn]
    return variants


def result_name(job_id: str, variant_id: str) -> str:
    return f"distill/{job_id}/variants/{variant_id}"


def finished_result(store, job_id: str, variant_id: str) -> dict[str, Any] | None:
    """The stored result of a variant when it and its weights exist and verify; None otherwise."""
    ref = store.lookup(result_name(job_id, variant_id))
    if ref is None or not store.verify(ref):
        return None
    result = store.get_json(ref)
    if result.get("schema") != RESULT_SCHEMA or not store.verify(ref_from_dict(result["weights"])):
        return None
    return result


def shard_slice(items: list, index: int, count: int) -> list:
    """The index-th of `count` contiguous, nearly equal slices."""
    size, extra = divmod(len(items), count)
    start = index * size + min(index, extra)
    return items[start : start + size + (1 if index < extra else 0)]
