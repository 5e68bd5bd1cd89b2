"""The scoring report: a Markdown summary and a PNG heat map of the KL score by layer × variant."""

from __future__ import annotations

import io
import math
from collections import defaultdict

from typing import Any

from tessel.llm.block_config import AttentionConfig
from tessel.llm.scored_library import ScoredLibrary


def variant_label(subblock: str, config: dict[str, Any]) -> str:
    """A row name for tables and the heat map, e.g. "attention kv1", "ffn 768", "ffn no_op"."""
    if subblock == "attention":
        return f"attention {AttentionConfig(**config).name}"
    return f"ffn {config['intermediate_size']}" if config["kind"] == "mlp" else f"ffn {config['kind']}"


def _label(variant) -> str:
    return variant_label(variant.subblock, variant.config)


def kl_grid(library: ScoredLibrary) -> tuple[list[str], list[list[float]]]:
    """Rows (variant labels, parent rows first) × layers of mean KL; NaN where a layer lacks the variant."""
    rows: dict[str, dict[int, float]] = defaultdict(dict)
    parents = set()
    for v in library.variants:
        label = _label(v)
        rows[label][v.layer] = v.scores["kl"].mean
        if v.is_parent:
            parents.add(label)
    labels = sorted(rows, key=lambda name: (name.split()[0], name not in parents, name))
    grid = [[rows[label].get(layer, math.nan) for layer in range(library.num_layers)] for label in labels]
    return labels, grid


def heatmap_png(library: ScoredLibrary) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels, grid = kl_grid(library)
    values = np.array(grid, dtype=float)
    floor = np.nanmin(values[values > 0]) if np.any(values > 0) else 1e-6
    figure, axes = plt.subplots(figsize=(max(6, 0.35 * library.num_layers + 3), max(3, 0.4 * len(labels) + 1.5)))
    image = axes.imshow(np.log10(np.clip(values, floor, None)), aspect="auto", cmap="viridis")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xticks(range(library.num_layers))
    axes.set_xlabel("layer")
    axes.set_title("replace-one-block KL(parent ‖ child), log10 (parent rows are exactly 0)")
    figure.colorbar(image, ax=axes, label="log10 KL")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def markdown(libraries: list[ScoredLibrary], refs, heatmap_ref) -> str:
    first = libraries[0]
    data = first.extra.get("data", {})
    lines = [
        f"# Scored library: {first.parent.get('model', '')}",
        "",
        f"- library: `{first.library.get('uri', '')}` (sha256 `{first.library.get('sha256', '')}`)",
        f"- held-out tokens: {data.get('tokens')} from the `{data.get('split')}` split of `{data.get('corpus')}` "
        f"({data.get('batches')} batches of {data.get('batch_sequences')} × {data.get('sequence_length')}); "
        "scores are means over batches ± standard error",
        f"- variants scored now: {first.extra.get('variants_scored_now')}, reused: {first.extra.get('variants_reused')}; "
        f"scoring wall time {first.extra.get('scoring_seconds', 0.0):.1f} s",
        f"- heat map: `{heatmap_ref.uri}`",
        "",
        "## Mean KL per variant type (over layers)",
        "",
        "| variant | layers | KL mean | KL min | KL max | LM-loss Δ mean | top-1 disagreement mean |",
        "|---|---|---|---|---|---|---|",
    ]
    groups = defaultdict(list)
    for v in first.variants:
        groups[_label(v)].append(v)
    for label, members in sorted(groups.items()):
        kls = [m.scores["kl"].mean for m in members]
        lines.append(
            f"| {label} | {len(members)} | {sum(kls) / len(kls):.4g} | {min(kls):.4g} | {max(kls):.4g} | "
            f"{sum(m.scores['lm_loss_delta'].mean for m in members) / len(members):.4g} | "
            f"{sum(m.scores['top1_disagreement'].mean for m in members) / len(members):.4g} |")
    lines += ["", "## Costs per scenario", ""]
    for library, ref in zip(libraries, refs, strict=True):
        s = library.scenario
        o = library.overhead
        lines += [
            f"### {s.name or 'scenario'}: {s.device} {s.dtype}, batch {s.batch_size}, prompt {s.prompt_length}, "
            f"generation {s.generation_length}",
            "",
            f"- scored library: `{ref.uri}` (sha256 `{ref.sha256}`)",
            f"- overhead: {o.params} params, prefill {o.prefill_seconds * 1e3:.3f} ms, "
            f"decode {o.decode_seconds_per_token * 1e3:.3f} ms/step",
            "",
            "| variant | params | KV bytes | prefill ms (median) | decode ms/step (median) |",
            "|---|---|---|---|---|",
        ]
        seen = {}
        for v in library.variants:
            seen.setdefault(_label(v), v.cost)
        for label, cost in sorted(seen.items()):
            lines.append(f"| {label} | {cost.params} | {cost.kv_cache_bytes} | {cost.prefill_seconds * 1e3:.3f} | "
                         f"{cost.decode_seconds_per_token * 1e3:.3f} |")
        lines.append("")
    return "\n".join(lines) + "\n"
