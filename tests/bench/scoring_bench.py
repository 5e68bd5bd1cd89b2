"""Block-scorer quality benchmark: replace-one-block scoring of SmolLM2-135M over the block-distiller's default
search space (KV heads = divisors of 3, FFN widths = multiples of 256, no-ops), variants initialised
training-free (the distiller's init; BLD changes the weights, not the scoring cost).

Reports scoring wall time and tokens/s per variant with the scorer's cached-prefix path
(tessel_block_scorer.core.scoring: parent once per batch, variants from the cached input of their layer,
vocabulary-chunked KL) against a naive replace-one-block evaluation (a full child model, full forward,
full-vocabulary log-softmax) on a subset of variants, the agreement of their KLs, and the KL table
(layer × variant). The cost side (predicted vs measured whole-model time) is cost_bench.py.

  scoring_bench.py            all 30 layers, 8192 held-out tokens
  scoring_bench.py --quick    layers 0, 15, 29 and 1024 tokens
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import torch

from tessel.assets.models import resolve_model
from tessel.llm.block_config import ParentShape
from tessel.llm.model import derive_child
from tessel_block_distiller.core.init import init_attention, init_ffn
from tessel_block_distiller.core.spec import default_search_space
from tessel_block_scorer.core import inputs
from tessel_block_scorer.core.report import variant_label
from tessel_block_scorer.core.scoring import Replacement, score_replacements

from common import add_device_argument, resolve_device, result_name, write_results

NAME = "scoring"
QUICK_LAYERS = (0, 15, 29)


def training_free_variants(model, layers, calibration: torch.Tensor) -> list[tuple[Replacement, object]]:
    """(replacement, BlockConfig-part) for every non-parent variant of the default space at `layers`."""
    config = model.config
    shape = ParentShape.of(config)
    space = default_search_space(shape)
    parent = shape.parent_block()
    ffn_inputs = {}

    def recorder(index):
        def hook(module, args):
            ffn_inputs[index] = args[0].detach()
        return hook

    handles = [model.model.layers[i].mlp.register_forward_pre_hook(recorder(i)) for i in layers]
    with torch.inference_mode():
        model(calibration)
    for handle in handles:
        handle.remove()
    out = []
    for layer in layers:
        block = model.model.layers[layer]
        attention_state = {k: v.float() for k, v in block.self_attn.state_dict().items()}
        ffn_state = {k: v.float() for k, v in block.mlp.state_dict().items()}
        for variant in space.attention_variants():
            if variant != parent.attention:
                module = init_attention(config, variant, attention_state, layer).eval()
                out.append((Replacement(f"L{layer:02d}-attention-{variant.name}", layer, "attention", module,
                                        drops_norm=variant.kind == "no_op"), variant))
        for variant in space.ffn_variants():
            if variant != parent.ffn:
                module = init_ffn(config, variant, ffn_state, ffn_inputs[layer].reshape(-1, config.hidden_size)).eval()
                out.append((Replacement(f"L{layer:02d}-ffn-{variant.name}", layer, "ffn", module,
                                        drops_norm=variant.kind == "no_op"), variant))
    return out


def naive_kl(parent, replacement: Replacement, part, batches) -> tuple[float, float]:
    """(mean KL, seconds) of the naive evaluation: build the child, full forward, full-vocab log-softmax."""
    from tessel.llm.block_config import AttentionConfig, BlockConfig

    started = time.perf_counter()
    shape = ParentShape.of(parent.config)
    blocks = [shape.parent_block()] * shape.num_hidden_layers
    block = blocks[replacement.layer]
    block = BlockConfig(part, block.ffn) if isinstance(part, AttentionConfig) else BlockConfig(block.attention, part)
    child = derive_child(parent, [block if i == replacement.layer else b for i, b in enumerate(blocks)]).eval()
    layer = child.model.layers[replacement.layer]
    getattr(layer, "self_attn" if replacement.subblock == "attention" else "mlp").load_state_dict(
        replacement.module.state_dict())
    kls = []
    with torch.inference_mode():
        for ids in batches:
            log_p = torch.log_softmax(parent(ids).logits[:, :-1], -1)
            log_q = torch.log_softmax(child(ids).logits[:, :-1], -1)
            kls.append(float((log_p.exp() * (log_p - log_q)).sum(-1).mean()))
    return sum(kls) / len(kls), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parent", default="smollm2-135m")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--quick", action="store_true", help=f"layers {QUICK_LAYERS}, 1024 held-out tokens")
    parser.add_argument("--layers", default="", help="comma-separated layers (default: all; --quick: 0,15,29)")
    parser.add_argument("--held-out-tokens", type=int, default=0)
    parser.add_argument("--sequence-length", type=int, default=256)
    parser.add_argument("--batch-sequences", type=int, default=4)
    parser.add_argument("--vocab-chunk", type=int, default=8192)
    parser.add_argument("--naive-variants", type=int, default=3, help="variants also evaluated naively (timing, check)")
    parser.add_argument("--threads", type=int, default=2)
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    torch.set_num_threads(args.threads)
    folder = resolve_model(args.parent)
    model = inputs.load_parent(folder, device)
    layers = tuple(int(x) for x in args.layers.split(",") if x) or (
        QUICK_LAYERS if args.quick else tuple(range(model.config.num_hidden_layers)))
    tokens = args.held_out_tokens or (1024 if args.quick else 8192)
    sequences = inputs.held_out_sequences(args.corpus, folder, tokens=tokens, sequence_length=args.sequence_length,
                                          seed=0, field="corpus")
    ids = torch.from_numpy(sequences.astype("int64")).to(device)
    batches = [ids[i : i + args.batch_sequences] for i in range(0, len(ids) // args.batch_sequences * args.batch_sequences,
                                                               args.batch_sequences)]
    scored_tokens = sum(b.numel() for b in batches)
    calibration = ids[: args.batch_sequences]
    pairs = training_free_variants(model, layers, calibration)
    replacements = [r for r, _ in pairs]

    started = time.perf_counter()
    scores = score_replacements(model, batches, replacements, vocab_chunk=args.vocab_chunk)
    cached_seconds = time.perf_counter() - started
    per_variant = cached_seconds / len(replacements)

    # The same few variants both ways, back to back, so machine load affects both alike.
    step = max(1, len(pairs) // max(args.naive_variants, 1))
    subset = pairs[::step][: args.naive_variants]
    started = time.perf_counter()
    score_replacements(model, batches, [r for r, _ in subset], vocab_chunk=args.vocab_chunk)
    cached_subset_seconds = time.perf_counter() - started
    naive = []
    for replacement, variant in subset:
        kl, seconds = naive_kl(model, replacement, variant, batches)
        naive.append({"variant": replacement.id, "kl_naive": kl, "kl_cached": scores[replacement.id]["kl"].mean,
                      "seconds": seconds})
    naive_seconds = sum(n["seconds"] for n in naive)
    naive_per_variant = naive_seconds / len(naive)
    worst_kl_gap = max(abs(n["kl_naive"] - n["kl_cached"]) / max(n["kl_naive"], 1e-12) for n in naive)

    table: dict[str, dict[int, float]] = defaultdict(dict)
    for replacement, variant in pairs:
        table[variant_label(replacement.subblock, vars(variant))][replacement.layer] = scores[replacement.id]["kl"].mean
    report = {
        "parent": args.parent, "quick": args.quick, "layers": list(layers), "variants": len(replacements),
        "tokens": scored_tokens, "batches": len(batches), "batch_sequences": args.batch_sequences,
        "sequence_length": args.sequence_length, "vocab_chunk": args.vocab_chunk, "threads": args.threads,
        "cached_seconds": cached_seconds, "cached_seconds_per_variant": per_variant,
        "cached_tokens_per_second_per_variant": scored_tokens / per_variant,
        "naive_seconds_per_variant": naive_per_variant,
        "naive_tokens_per_second_per_variant": scored_tokens / naive_per_variant,
        "cached_subset_seconds": cached_subset_seconds, "naive_subset_seconds": naive_seconds,
        "speedup_same_variants": naive_seconds / cached_subset_seconds,
        "speedup_per_variant": naive_per_variant / per_variant, "naive": naive, "worst_relative_kl_gap": worst_kl_gap,
        "scores": {vid: {m: vars(s) for m, s in score.items()} for vid, score in scores.items()},
    }
    lines = [
        f"## Block scorer (quality): {args.parent}{' (quick)' if args.quick else ''}",
        "",
        f"{len(replacements)} variants (default space, training-free init) over {len(layers)} layers; "
        f"{scored_tokens} held-out tokens ({len(batches)} batches of {args.batch_sequences} × {args.sequence_length}), "
        f"vocab chunk {args.vocab_chunk}, {args.threads} torch threads on {device}",
        "",
        f"- cached-prefix scoring: {cached_seconds:.1f} s, {per_variant:.2f} s and "
        f"{report['cached_tokens_per_second_per_variant']:.0f} tokens/s per variant",
        f"- naive (full child, full forward, full-vocab softmax), {len(naive)} variants: {naive_per_variant:.2f} s and "
        f"{report['naive_tokens_per_second_per_variant']:.0f} tokens/s per variant",
        f"- speedup on the same {len(naive)} variants, timed back to back: {report['speedup_same_variants']:.2f}× "
        f"(cached {cached_subset_seconds:.1f} s incl. one parent pass per batch for just these, naive "
        f"{naive_seconds:.1f} s); per variant against the whole library's cached rate: "
        f"{report['speedup_per_variant']:.2f}×",
        f"- worst relative KL difference cached vs naive: {worst_kl_gap:.1e}",
        "",
        "Replace-one-block KL(parent ‖ child) per layer (mean over batches):",
        "",
        "| variant | " + " | ".join(f"L{layer}" for layer in layers) + " |",
        "|---|" + "---|" * len(layers),
    ]
    for label in sorted(table):
        lines.append(f"| {label} | " + " | ".join(f"{table[label].get(layer, float('nan')):.4g}" for layer in layers) + " |")
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    write_results(result_name(NAME, args.quick), report, markdown, out_dir=args.out, device=device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
