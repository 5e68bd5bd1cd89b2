"""The block library manifest (JSON, versioned) that block-distiller writes and the scorer and solver read,
and its per-variant-type loss summary."""

from __future__ import annotations

from collections import defaultdict
from statistics import mean
from typing import Any

LIBRARY_SCHEMA = "tessel.distill.library"
LIBRARY_SCHEMA_VERSION = 1


def variant_type(entry: dict[str, Any]) -> str:
    config = entry["config"]
    if config["kind"] == "gqa":
        return f"attention kv={config['num_key_value_heads']}"
    if config["kind"] == "mlp":
        return f"ffn {config['intermediate_size']}"
    return f"{entry['subblock']} {config['kind']}"


def loss_summary(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Per variant type (e.g. "ffn 768"): how many layers, mean held-out normalised MSE at init and after
    BLD, and in how many layers BLD beat the init. Untrained entries (parent, no-op) are left out."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in manifest["variants"]:
        if entry.get("trained"):
            groups[variant_type(entry)].append(entry)
    rows = []
    for name, entries in sorted(groups.items()):
        rows.append({
            "variant": name,
            "layers": len(entries),
            "init_loss": mean(e["init_loss"] for e in entries),
            "final_loss": mean(e["final_loss"] for e in entries),
            "improved_layers": sum(e["final_loss"] < e["init_loss"] for e in entries),
            "seconds": mean(e.get("seconds", 0.0) for e in entries),
            "tokens": entries[0].get("tokens", 0),
        })
    return rows
