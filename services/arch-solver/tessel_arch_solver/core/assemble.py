"""Assemble a child from a solved architecture: the parent model with each chosen library variant's
distilled weights loaded into its subblock (the parent's own weights where the parent variant is chosen,
nothing for a no-op), ready to export.

A choice names one variant per (layer, subblock), in any of the forms the solver and the CLI produce:
`Solution.choice` (index into the scored library's variants), the library manifest's variant ids, or
configs (`{"kind": "gqa", "num_key_value_heads": 1}` / `AttentionConfig` / `FFNConfig`); as a mapping
keyed by (layer, subblock) or as (layer, subblock, value) triples. A list of `BlockConfig` works too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape, validate_block_configs
from tessel.llm.library_manifest import LIBRARY_SCHEMA, LIBRARY_SCHEMA_VERSION
from tessel.llm.model import apply_block_configs
from tessel.llm.scored_library import SUBBLOCKS, ScoredLibrary
from tessel.runtime.errors import InvalidArgument

Key = tuple[int, str]
ChoiceValue = int | str | Mapping[str, Any] | AttentionConfig | FFNConfig
Choice = Mapping[Key, ChoiceValue] | Iterable[tuple[int, str, ChoiceValue]] | list[BlockConfig]


@dataclass
class AssembledChild:
    model: Any  # LlamaForCausalLM with per-layer subblocks (tessel.llm)
    blocks: list[BlockConfig]
    sources: list[dict[str, Any]]  # per (layer, subblock): variant name, "parent" | "library" | "none", variant id
    parent_folder: Path


def validate_manifest(manifest: Any, *, field: str) -> None:
    if not isinstance(manifest, dict) or manifest.get("schema") != LIBRARY_SCHEMA:
        raise InvalidArgument(f"is not a block library manifest (schema {LIBRARY_SCHEMA!r})", field=field)
    if manifest.get("schema_version") != LIBRARY_SCHEMA_VERSION:
        raise InvalidArgument(
            f"library schema version {manifest.get('schema_version')!r} is not supported "
            f"(expected {LIBRARY_SCHEMA_VERSION})", field=field)
    if not isinstance(manifest.get("variants"), list) or not isinstance(manifest.get("parent"), dict):
        raise InvalidArgument("the manifest has no variants or no parent", field=field)


def block_configs_for(choice: Choice, manifest: dict[str, Any], *, scored_library: ScoredLibrary | None = None,
                      field: str = "choice") -> list[BlockConfig]:
    """The per-layer block configs a choice names, checked against the library and the parent."""
    parent = ParentShape(**manifest["parent"]["shape"])
    if isinstance(choice, list) and all(isinstance(b, BlockConfig) for b in choice):
        validate_block_configs(choice, parent, field=field)
        return list(choice)
    by_id = {v["id"]: v for v in manifest["variants"]}
    picked: dict[Key, AttentionConfig | FFNConfig] = {}
    for (layer, subblock), value in _items(choice, field=field):
        where = f"{field}[{layer}].{subblock}"
        if subblock not in SUBBLOCKS or not isinstance(layer, int) or not 0 <= layer < parent.num_hidden_layers:
            raise InvalidArgument(f"no (layer, subblock) ({layer}, {subblock!r}) in a "
                                  f"{parent.num_hidden_layers}-layer parent", field=field)
        if (layer, subblock) in picked:
            raise InvalidArgument("chosen twice", field=where)
        picked[(layer, subblock)] = _config_of(value, layer, subblock, by_id, scored_library, field=where)
    missing = [key for key in ((i, s) for i in range(parent.num_hidden_layers) for s in SUBBLOCKS) if key not in picked]
    if missing:
        raise InvalidArgument(f"no variant chosen for (layer, subblock) {missing[:3]}", field=field)
    blocks = [BlockConfig(picked[(i, "attention")], picked[(i, "ffn")]) for i in range(parent.num_hidden_layers)]
    validate_block_configs(blocks, parent, field=field)
    return blocks


def assemble_child(manifest: dict[str, Any], choice: Choice, *, store, scored_library: ScoredLibrary | None = None,
                   parent_folder: str | Path | None = None, dtype: torch.dtype = torch.float32,
                   field: str = "choice", manifest_field: str = "library") -> AssembledChild:
    """Build the child a choice names from the library manifest's variant weights (in `store`).

    `parent_folder` is the parent's local Hugging Face folder; by default the manifest's parent reference
    is resolved through the asset registry. The parent must have the shape the library was built for."""
    from transformers import AutoModelForCausalLM

    validate_manifest(manifest, field=manifest_field)
    blocks = block_configs_for(choice, manifest, scored_library=scored_library, field=field)
    folder = Path(parent_folder) if parent_folder is not None else _resolve_parent(manifest, field=manifest_field)
    parent = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).eval()
    if asdict(ParentShape.of(parent.config)) != manifest["parent"]["shape"]:
        raise InvalidArgument(f"the parent at {folder.name} is not the shape the library was built for",
                              field=manifest_field)
    # In place: the parent is not needed afterwards, and a copy would double peak memory.
    child = apply_block_configs(parent, blocks).eval()
    entries = {(v["layer"], v["subblock"], _config_key(v["config"])): v for v in manifest["variants"]}
    parent_block = ParentShape.of(child.config).parent_block()
    sources = []
    for index, (layer, block) in enumerate(zip(child.model.layers, blocks, strict=True)):
        for subblock, config, module, parent_config in (
            ("attention", block.attention, layer.self_attn, parent_block.attention),
            ("ffn", block.ffn, layer.mlp, parent_block.ffn),
        ):
            source = {"layer": index, "subblock": subblock, "variant": config.name, "variant_id": ""}
            if config == parent_config or config.kind == "no_op":
                sources.append({**source, "source": "parent" if config == parent_config else "none"})
                continue
            entry = entries.get((index, subblock, _config_key(vars(config))))
            if entry is None or not entry.get("weights"):
                raise InvalidArgument(f"layer {index} {subblock} variant {config.name} has no weights in the "
                                      "block library", field=f"{field}[{index}].{subblock}")
            module.load_state_dict(load(store.get_bytes(_ref(entry["weights"]))))
            sources.append({**source, "source": "library", "variant_id": entry["id"]})
    return AssembledChild(model=child, blocks=blocks, sources=sources, parent_folder=folder)


def _items(choice: Choice, *, field: str) -> Iterable[tuple[Key, ChoiceValue]]:
    if isinstance(choice, Mapping):
        for key, value in choice.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InvalidArgument(f"choice keys are (layer, subblock), got {key!r}", field=field)
            yield key, value
        return
    for item in choice:
        if not (isinstance(item, tuple | list) and len(item) == 3):
            raise InvalidArgument(f"choice items are (layer, subblock, variant), got {item!r}", field=field)
        yield (item[0], item[1]), item[2]


def _config_of(value: ChoiceValue, layer: int, subblock: str, by_id: dict[str, dict], scored: ScoredLibrary | None,
               *, field: str) -> AttentionConfig | FFNConfig:
    config_type = AttentionConfig if subblock == "attention" else FFNConfig
    if isinstance(value, AttentionConfig | FFNConfig):
        if not isinstance(value, config_type):
            raise InvalidArgument(f"{type(value).__name__} is not an {subblock} variant", field=field)
        return value
    if isinstance(value, bool):
        raise InvalidArgument(f"not a variant: {value!r}", field=field)
    if isinstance(value, int):
        if scored is None:
            raise InvalidArgument("a variant index needs the scored library it indexes", field=field)
        if not 0 <= value < len(scored.variants):
            raise InvalidArgument(f"variant index {value} is outside the scored library's "
                                  f"{len(scored.variants)} variants", field=field)
        variant = scored.variants[value]
        if (variant.layer, variant.subblock) != (layer, subblock):
            raise InvalidArgument(f"scored variant {value} belongs to layer {variant.layer} {variant.subblock}",
                                  field=field)
        if variant.variant_id and variant.variant_id in by_id:
            entry = by_id[variant.variant_id]
            if config_type(**entry["config"]) != config_type(**variant.config):
                raise InvalidArgument(f"scored variant {value} ({variant.variant_id}) does not match the library "
                                      "manifest's config for it: the scored library is of another library",
                                      field=field)
        value = variant.config
    elif isinstance(value, str):
        entry = by_id.get(value)
        if entry is None:
            raise InvalidArgument(f"no variant {value!r} in the block library", field=field)
        if (entry["layer"], entry["subblock"]) != (layer, subblock):
            raise InvalidArgument(f"variant {value!r} belongs to layer {entry['layer']} {entry['subblock']}",
                                  field=field)
        value = entry["config"]
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"not a variant: {value!r}", field=field)
    try:
        return config_type(**value)
    except TypeError as exc:
        raise InvalidArgument(f"malformed {subblock} config {dict(value)!r}", field=field) from exc


def _config_key(config: Mapping[str, Any]) -> tuple:
    return tuple(sorted(config.items()))


def _ref(data: dict[str, Any]):
    from tessel.common.v1 import artifact_pb2

    return artifact_pb2.ArtifactRef(**data)


def _resolve_parent(manifest: dict[str, Any], *, field: str) -> Path:
    # The manifest may come from a client: its parent folder must lie inside the configured roots.
    from tessel.assets.confined import resolve_confined_model

    return resolve_confined_model(manifest["parent"]["model"], field=field)


@dataclass(frozen=True)
class AssemblyResult:
    folder: Path
    blocks: list[BlockConfig]
    sources: list[dict[str, Any]]
    files: dict[str, str]  # file name -> sha256
    flags: list[dict[str, Any]]  # what the nemotron-nas schema (or common servers) cannot reproduce exactly
    nemotron_nas_exact: bool


def assemble_and_export(manifest: dict[str, Any], choice: Choice, folder: str | Path, *, store,
                        scored_library: ScoredLibrary | None = None, parent_folder: str | Path | None = None,
                        dtype: torch.dtype | None = None, report: dict[str, Any] | None = None,
                        field: str = "choice", manifest_field: str = "library") -> AssemblyResult:
    """Assemble the child (float32) and export it as a Hugging Face folder, cast to `dtype` if given."""
    from tessel.llm.hf_export import export_hf_folder

    child = assemble_child(manifest, choice, store=store, scored_library=scored_library,
                           parent_folder=parent_folder, field=field, manifest_field=manifest_field)
    exported = export_hf_folder(
        child.model, folder, blocks=child.blocks, source_folder=child.parent_folder, dtype=dtype,
        report={"sources": child.sources, "library_job_id": manifest.get("job_id", ""),
                "parent_model": manifest["parent"].get("model", ""), **(report or {})},
    )
    return AssemblyResult(folder=exported.folder, blocks=child.blocks, sources=child.sources, files=exported.files,
                          flags=exported.flags, nemotron_nas_exact=exported.nemotron_nas_exact)
