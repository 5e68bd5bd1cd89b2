"""The block library a scoring job reads (schema `tessel.distill.library`): loading it safely from the
artifact store, its variants, and the module each variant puts into the parent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tessel.common.v1 import artifact_pb2
from tessel.llm.block_config import AttentionConfig, FFNConfig, ParentShape
from tessel.llm.library_manifest import LIBRARY_SCHEMA, LIBRARY_SCHEMA_VERSION
from tessel.runtime.errors import InvalidArgument, TesselError, fields_renamed

SUBBLOCKS = ("attention", "ffn")
MAX_VARIANTS = 100_000


@dataclass(frozen=True)
class LibraryVariant:
    id: str
    layer: int
    subblock: str  # "attention" | "ffn"
    config: AttentionConfig | FFNConfig
    weights: dict[str, Any] | None  # ArtifactRef fields of the module's safetensors; None for a no-op
    is_parent: bool


def load_manifest(store, ref: artifact_pb2.ArtifactRef, *, field: str = "spec.library") -> dict[str, Any]:
    """The manifest behind `ref`, checked to be a block library. A ref outside the store, a missing or
    corrupt artifact and a document that is not a library all name `field`."""
    if not ref.uri:
        raise InvalidArgument("the block library manifest is required", field=field)
    try:
        with fields_renamed({"artifact": field}):
            document = json.loads(store.get_bytes(ref))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidArgument("is not a JSON block library manifest", field=field) from error
    if not isinstance(document, dict) or document.get("schema") != LIBRARY_SCHEMA:
        raise InvalidArgument(f"is not a block library manifest (schema must be {LIBRARY_SCHEMA!r})", field=field)
    if document.get("schema_version") != LIBRARY_SCHEMA_VERSION:
        raise InvalidArgument(
            f"library schema_version {document.get('schema_version')!r} is not supported "
            f"(expected {LIBRARY_SCHEMA_VERSION})", field=field)
    library_variants(document, field=field)  # every entry parses
    return document


def parent_shape(manifest: dict[str, Any], *, field: str = "spec.library") -> ParentShape:
    try:
        return ParentShape(**manifest["parent"]["shape"])
    except (KeyError, TypeError) as error:
        raise InvalidArgument(f"the manifest has no usable parent shape: {error!r}", field=field) from error


def library_variants(manifest: dict[str, Any], *, field: str = "spec.library") -> list[LibraryVariant]:
    parent = parent_shape(manifest, field=field)
    block = parent.parent_block()
    entries = manifest.get("variants")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_VARIANTS:
        raise InvalidArgument(f"the manifest must list 1..{MAX_VARIANTS} variants", field=field)
    variants = []
    for index, entry in enumerate(entries):
        try:
            subblock = entry["subblock"]
            if subblock not in SUBBLOCKS:
                raise ValueError(f"unknown subblock {subblock!r}")
            config = (AttentionConfig if subblock == "attention" else FFNConfig)(**entry["config"])
            layer = int(entry["layer"])
            if not 0 <= layer < parent.num_hidden_layers:
                raise ValueError(f"layer {layer} is outside the parent's {parent.num_hidden_layers}")
            weights = entry.get("weights")
            if config.kind != "no_op" and not isinstance(weights, dict):
                raise ValueError("a variant other than a no-op needs weights")
            variants.append(LibraryVariant(
                id=str(entry["id"]), layer=layer, subblock=subblock, config=config, weights=weights,
                is_parent=config == (block.attention if subblock == "attention" else block.ffn),
            ))
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidArgument(f"variant {index} is malformed: {error}", field=f"{field}.variants[{index}]") from error
    return variants


def replacement_module(config, variant: LibraryVariant, store):
    """The module the variant puts into the parent: a fresh subblock with the library's weights (read as
    safetensors, never unpickled); no-ops have none."""
    from safetensors.torch import load

    from tessel.llm.model import build_attention, build_ffn

    if variant.subblock == "attention":
        module = build_attention(config, variant.config, variant.layer)
    else:
        module = build_ffn(config, variant.config)
    if variant.weights is not None:
        try:
            ref = artifact_pb2.ArtifactRef(**variant.weights)
            state = load(store.get_bytes(ref))
            module.load_state_dict({name: tensor.float() for name, tensor in state.items()})
        except (TesselError, RuntimeError, TypeError, ValueError) as error:
            raise InvalidArgument(f"weights of {variant.id} do not load: {error}", field="spec.library") from error
    return module.float().eval()
