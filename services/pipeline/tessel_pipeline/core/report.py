"""The pipeline's report: Markdown tables (stages, parent vs child) and a PNG bar chart of the ratios."""

from __future__ import annotations

import io
from typing import Any


def markdown(document: dict[str, Any]) -> str:
    """`document`: the evaluation JSON the pipeline stores (stages, parent, child, ratios, trace)."""
    parent, child = document["parent"], document["child"]
    lines = [
        f"# Compression {document['job_id']}",
        "",
        f"Parent `{document['parent_model']}`, corpus `{document['corpus']}`, scenario "
        f"{document['scenario']}, budget {document['budget']}, profile {document['profile']}.",
        f"Held-out split `{document['split']}` ({document['evaluation_tokens']} scored tokens, "
        f"{document['cloze_items']} cloze items): never the BLD or KD tokens.",
        "",
        "## Parent vs child (every figure measured in this run)",
        "",
        "| | parent | child | child / parent |",
        "|---|---|---|---|",
    ]
    rows = [("parameters", "params", "{:,.0f}"), ("perplexity", "perplexity", "{:.3f}"),
            ("cloze accuracy", "cloze_accuracy", "{:.3f}"), ("prefill s", "prefill_seconds", "{:.4f}"),
            ("decode s/token", "decode_seconds_per_token", "{:.5f}"), ("latency s", "latency_seconds", "{:.4f}"),
            ("throughput tokens/s", "throughput_tokens_per_second", "{:.1f}")]
    for label, key, fmt in rows:
        ratio = child[key] / parent[key] if parent[key] else float("nan")
        lines.append(f"| {label} | {fmt.format(parent[key])} | {fmt.format(child[key])} | {ratio:.3f} |")
    lines += [
        "",
        f"KL(parent ‖ child) per token: **{document['kl']:.4f}**; top-1 agreement: **{document['top1_agreement']:.3f}**.",
        f"Measured speedup: prefill **{document['prefill_speedup']:.2f}×**, decode **{document['decode_speedup']:.2f}×**, "
        f"latency **{document['latency_speedup']:.2f}×** (predicted by the solver: {document['predicted_speedup']:.2f}×).",
        "",
        "## Stages",
        "",
        "| stage | job | reused | seconds |",
        "|---|---|---|---|",
    ]
    lines += [f"| {s['stage']} | {s['job_id'] or '-'} | {'yes' if s['reused'] else 'no'} | {s['seconds']:.1f} |"
              for s in document["stages"]]
    lines += ["", "## Child architecture", "", "| layer | attention | FFN |", "|---|---|---|"]
    lines += [f"| {i} | {_name(b['attention'])} | {_name(b['ffn'])} |" for i, b in enumerate(document["block_configs"])]
    lines += ["", f"Trace id: `{document['trace_id'] or 'none'}` (one trace over every stage).", ""]
    return "\n".join(lines)


def plot_png(document: dict[str, Any]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parent, child = document["parent"], document["child"]
    names = ["params", "perplexity", "cloze", "prefill s", "decode s/tok", "latency s"]
    keys = ["params", "perplexity", "cloze_accuracy", "prefill_seconds", "decode_seconds_per_token", "latency_seconds"]
    ratios = [child[k] / parent[k] if parent[k] else 0.0 for k in keys]
    figure, axis = plt.subplots(figsize=(7, 3.5))
    axis.bar(names, ratios, color=["#4c72b0" if r <= 1 else "#dd8452" for r in ratios])
    axis.axhline(1.0, color="black", linewidth=0.8)
    axis.set_ylabel("child / parent")
    axis.set_title(f"{document['job_id']}: KL {document['kl']:.3f}, latency speedup {document['latency_speedup']:.2f}x")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def _name(config: dict[str, Any]) -> str:
    kind = config["kind"]
    if kind == "gqa":
        return f"kv{config['num_key_value_heads']}"
    if kind == "mlp":
        return f"ffn{config['intermediate_size']}"
    return kind
