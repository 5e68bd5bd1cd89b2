"""Heterogeneous Llama-family models: per-layer block configs on stock `transformers` classes and the
nemotron-nas / DeciLM export (the distiller, scorer and solver all build children with this)."""

from tessel.llm.block_config import (
    AttentionConfig,
    BlockConfig,
    FFNConfig,
    ParentShape,
    parent_block_configs,
    subblock_parameters,
    validate_block_configs,
)
from tessel.llm.model import apply_block_configs, block_configs_of, build_model, derive_child

__all__ = [
    "AttentionConfig",
    "BlockConfig",
    "FFNConfig",
    "ParentShape",
    "apply_block_configs",
    "block_configs_of",
    "build_model",
    "derive_child",
    "parent_block_configs",
    "subblock_parameters",
    "validate_block_configs",
]
