"""Block-scorer cost-model benchmark (`make bench`): SmolLM2-135M, the block-distiller's default search space,
two scenarios (prefill-heavy: batch 8 × prompt 256 × gen 16; decode-heavy: batch 16 × prompt 64 × gen 128).

For each scenario: the measured cost table (every distinct shape, stack difference), then the parent and 8
random architectures from the library measured end to end, against the additive prediction (overhead +
Σ subblock costs); the worst-case error. The full profile also reports the measurement that justifies the
stack difference: a shape's per-layer decode-heavy cost at stack depths 4, 8 and 30 (it should not depend on the depth),
and what timing hooks would see instead (their own overhead, and the share of time outside the hooked
modules). Weights are random (time does not depend on them), so only the parent's config is needed: where
the asset is not installed (a GPU machine) the bench uses SmolLM2-135M's published config.
Writes <results>/cost.json and cost.md (cost-quick with --quick) through tests/bench/common.py.

    python tests/bench/cost_bench.py --quick
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import torch
from transformers import AutoConfig, DynamicCache, LlamaConfig

from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig, ParentShape
from tessel.llm.model import build_model
from tessel.llm.scored_library import Scenario
from tessel.runtime.errors import TesselError
from tessel_block_distiller.core.spec import default_search_space
from tessel_block_scorer.core.cost import CostOptions, cost_table
from tessel_block_scorer.core.measure import MeasureOptions, measure_architecture

from common import add_device_argument, resolve_device, result_name, write_results

NAME = "cost"
# SmolLM2-135M's config.json (architecture only), for machines without the asset.
SMOLLM2_135M = dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                    num_key_value_heads=3, head_dim=64, vocab_size=49152, max_position_embeddings=8192,
                    rms_norm_eps=1e-5, tie_word_embeddings=True, hidden_act="silu",
                    rope_parameters={"rope_theta": 100000.0, "rope_type": "default"})
SCENARIOS = {"prefill-heavy": (8, 256, 16), "decode-heavy": (16, 64, 128)}
QUICK_GENERATION = {"prefill-heavy": 8, "decode-heavy": 32}
# Where the stack depth matters most: decode streams every layer's weights, so a stack that fits the CPU's
# last-level cache would be optimistic. (Prefill is compute-bound; depth-30 prefill stacks are also slow.)
DEPTH_CHECK_SCENARIO = "decode-heavy"


def parent_config(reference: str) -> tuple[LlamaConfig, str]:
    try:
        from tessel.assets.models import resolve_model

        return AutoConfig.from_pretrained(resolve_model(reference)), reference
    except (TesselError, OSError) as error:
        if reference != "smollm2-135m":
            raise
        print(f"{reference} is not installed here ({error}); using its published config", flush=True)
        return LlamaConfig(**SMOLLM2_135M), f"{reference} (published config)"


def library_shapes(config: LlamaConfig) -> tuple[list[AttentionConfig], list[FFNConfig]]:
    parent = ParentShape.of(config)
    space = default_search_space(parent)
    block = parent.parent_block()
    attention = [block.attention, *(v for v in space.attention_variants() if v != block.attention)]
    ffn = [block.ffn, *(v for v in space.ffn_variants() if v != block.ffn)]
    return attention, ffn


def random_architectures(config: LlamaConfig, attention, ffn, count: int, seed: int) -> list[list[BlockConfig]]:
    rng = random.Random(seed)
    layers = config.num_hidden_layers
    return [[BlockConfig(rng.choice(attention), rng.choice(ffn)) for _ in range(layers)] for _ in range(count)]


def describe(blocks: list[BlockConfig]) -> str:
    gqa = sum(b.attention.kind == "gqa" for b in blocks)
    widths = [b.ffn.intermediate_size or 0 for b in blocks]
    return f"{gqa}/{len(blocks)} attn, FFN mean {statistics.mean(widths):.0f}"


def depth_check(config, scenario: Scenario, shapes, depths, options: CostOptions) -> list[dict]:
    """Per-layer cost of a shape measured with stacks of several depths (fresh cache each)."""
    rows = []
    for subblock, variant in shapes:
        for depth in depths:
            with tempfile.TemporaryDirectory(prefix="tessel-cost-depth-") as cache:
                table = cost_table(config, [(subblock, variant)], scenario, cache_dir=cache,
                                   options=replace(options, stack_depth=depth))
            cost = table.of(subblock, variant)
            rows.append({"scenario": scenario.name, "shape": f"{subblock} {variant.name}", "depth": depth,
                         "prefill_ms": cost.prefill_seconds * 1e3, "prefill_iqr_ms": cost.prefill_spread * 1e3,
                         "decode_ms": cost.decode_seconds_per_token * 1e3, "decode_iqr_ms": cost.decode_spread * 1e3})
    return rows


def hooks_check(config, scenario: Scenario, device: torch.device, repeats: int, clock: str) -> dict:
    """The parent's prefill and one decode step timed plainly and with perf_counter hooks on every attention
    and MLP module: the hooks' own overhead, and the time the hooks do not see (norms, residual adds,
    embeddings, head, glue), which a per-module timing would have to attribute somewhere."""
    if device.type != "cpu":
        return {}
    model = build_model(config, [ParentShape.of(config).parent_block()] * config.num_hidden_layers).eval()
    prompt = torch.randint(config.vocab_size, (scenario.batch_size, scenario.prompt_length))
    inside: list[float] = []
    starts: dict[int, float] = {}
    now = time.process_time if clock == "process" else time.perf_counter

    def before(module, args):
        starts[id(module)] = now()

    def after(module, args, output):
        inside.append(now() - starts.pop(id(module)))

    def prefill() -> float:
        started = now()
        model(input_ids=prompt, cache=DynamicCache(config=model.config), use_cache=True, logits_to_keep=1)
        return now() - started

    with torch.inference_mode():
        prefill()
        plain = statistics.median(prefill() for _ in range(repeats))
        handles = [m.register_forward_pre_hook(before) for layer in model.model.layers for m in (layer.self_attn, layer.mlp)]
        handles += [m.register_forward_hook(after) for layer in model.model.layers for m in (layer.self_attn, layer.mlp)]
        hooked, seen = [], []
        for _ in range(repeats):
            inside.clear()
            hooked.append(prefill())
            seen.append(sum(inside))
        for handle in handles:
            handle.remove()
    hooked_s = statistics.median(hooked)
    return {"plain_prefill_s": plain, "hooked_prefill_s": hooked_s,
            "hook_overhead_pct": 100 * (hooked_s - plain) / plain,
            "outside_hooked_modules_pct": 100 * (1 - statistics.median(seen) / hooked_s)}


def run_scenario(config, name: str, scenario: Scenario, architectures, attention, ffn, *, cache: Path,
                 cost_options: CostOptions, measure_options: MeasureOptions) -> dict:
    started = time.monotonic()
    table = cost_table(config, [("attention", a) for a in attention] + [("ffn", f) for f in ffn], scenario,
                       cache_dir=cache, options=cost_options,
                       progress=lambda done, total, message: print(f"  [{name}] {done}/{total} {message}", flush=True))
    table_seconds = time.monotonic() - started
    shapes = [{"shape": "overhead", **asdict(table.overhead)}]
    shapes += [{"shape": f"attention {v.name}", **asdict(c)} for v, c in table.attention.items()]
    shapes += [{"shape": f"ffn {v.name}", **asdict(c)} for v, c in table.ffn.items()]
    rows = []
    for label, blocks in architectures:
        m = measure_architecture(config, blocks, scenario, table=table, options=measure_options)
        rows.append({"architecture": label, "description": describe(blocks), "params": m.params,
                     "predicted_prefill_s": m.predicted.prefill_seconds, "prefill_s": m.prefill_seconds,
                     "prefill_error_pct": m.prefill_error_pct,
                     "predicted_decode_s": m.predicted.decode_seconds_per_token, "decode_s": m.decode_seconds_per_token,
                     "decode_error_pct": m.decode_error_pct, "decode_tokens_per_s": m.decode_tokens_per_second,
                     "predicted_total_s": m.predicted_total_seconds, "total_s": m.total_seconds, "error_pct": m.error_pct,
                     "predicted_memory_bytes": m.predicted_memory_bytes, "peak_memory_bytes": m.peak_memory_bytes,
                     "blocks": [b.to_dict() for b in blocks]})
        print(f"  [{name}] {label}: predicted {m.predicted_total_seconds:.3f} s, measured {m.total_seconds:.3f} s "
              f"({m.error_pct:+.1f} %)", flush=True)
    random_rows = [r for r in rows if r["architecture"] != "parent"]
    return {"scenario": asdict(scenario), "device": table.device, "cost_table_seconds": table_seconds,
            "measured_shapes": table.measured, "shapes": shapes, "architectures": rows,
            "worst_error_pct": max((r["error_pct"] for r in random_rows), key=abs),
            "worst_prefill_error_pct": max((r["prefill_error_pct"] for r in rows), key=abs),
            "worst_decode_error_pct": max((r["decode_error_pct"] for r in rows), key=abs),
            "mean_abs_error_pct": statistics.mean(abs(r["error_pct"]) for r in random_rows)}


def markdown(report: dict) -> str:
    lines = [f"## Block-scorer cost model: {report['parent']}{' (quick)' if report['quick'] else ''}", "",
             f"{report['dtype']} on {report['device']}, {report['clock']} clock; cost table: stack depth {report['stack_depth']}, "
             f"{report['cost_repeats']} paired repeats; end to end: {report['measure_repeats']} repeats after a warm-up; "
             f"errors are (predicted − measured) / measured. Load average {report['load_before']} before, "
             f"{report['load_after']} after ({report['minutes']:.1f} min).", ""]
    for result in report["scenarios"]:
        s = result["scenario"]
        lines += [f"### {s['name']}: batch {s['batch_size']} × prompt {s['prompt_length']} × gen {s['generation_length']}",
                  "", f"Worst total-time error over the random architectures: **{result['worst_error_pct']:+.1f} %** "
                  f"(mean |error| {result['mean_abs_error_pct']:.1f} %); worst prefill {result['worst_prefill_error_pct']:+.1f} %, "
                  f"worst decode step {result['worst_decode_error_pct']:+.1f} % (all rows). Cost table measured in "
                  f"{result['cost_table_seconds']:.0f} s ({result['measured_shapes']} timed shapes).", "",
                  "| architecture | shape | params (M) | prefill pred / meas (s) | err | decode step pred / meas (ms) | err "
                  "| total pred / meas (s) | err | decode tok/s |", "|---|---|---|---|---|---|---|---|---|---|"]
        for r in result["architectures"]:
            lines.append(
                f"| {r['architecture']} | {r['description']} | {r['params'] / 1e6:.1f} | {r['predicted_prefill_s']:.3f} / "
                f"{r['prefill_s']:.3f} | {r['prefill_error_pct']:+.1f} % | {r['predicted_decode_s'] * 1e3:.2f} / "
                f"{r['decode_s'] * 1e3:.2f} | {r['decode_error_pct']:+.1f} % | {r['predicted_total_s']:.3f} / "
                f"{r['total_s']:.3f} | {r['error_pct']:+.1f} % | {r['decode_tokens_per_s']:.0f} |")
        lines += ["", "| shape | params | KV MiB | prefill ms (IQR) | decode step ms (IQR) |", "|---|---|---|---|---|"]
        for c in result["shapes"]:
            lines.append(f"| {c['shape']} | {c['params']:,} | {c['kv_cache_bytes'] / 2**20:.2f} | "
                         f"{c['prefill_seconds'] * 1e3:.2f} ({c['prefill_spread'] * 1e3:.2f}) | "
                         f"{c['decode_seconds_per_token'] * 1e3:.3f} ({c['decode_spread'] * 1e3:.3f}) |")
        lines.append("")
    if report["depth_check"]:
        lines += ["### Why a stack difference: per-layer cost vs stack depth", "",
                  "| scenario | shape | depth | prefill ms (IQR) | decode step ms (IQR) |", "|---|---|---|---|---|"]
        lines += [f"| {r['scenario']} | {r['shape']} | {r['depth']} | {r['prefill_ms']:.2f} ({r['prefill_iqr_ms']:.2f}) | "
                  f"{r['decode_ms']:.3f} ({r['decode_iqr_ms']:.3f}) |" for r in report["depth_check"]]
        lines.append("")
    if report["hooks_check"]:
        h = report["hooks_check"]
        lines += [f"Timing hooks instead (parent prefill, {report['scenarios'][0]['scenario']['name']}): "
                  f"{h['plain_prefill_s']:.3f} s plain, {h['hooked_prefill_s']:.3f} s hooked "
                  f"({h['hook_overhead_pct']:+.1f} %); {h['outside_hooked_modules_pct']:.1f} % of the time is outside "
                  "the hooked attention/MLP modules (norms, residuals, embeddings, head), which hooks cannot attribute.", ""]
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parent", default="smollm2-135m")
    parser.add_argument("--quick", action="store_true",
                        help="generation 8 / 32 tokens, 3 random architectures, fewer repeats, no depth/hooks check")
    parser.add_argument("--architectures", type=int, default=None, help="random architectures per scenario (8)")
    parser.add_argument("--cost-repeats", type=int, default=None, help="paired repeats per shape (5; quick 3)")
    parser.add_argument("--repeats", type=int, default=None, help="end-to-end repeats per architecture (3; quick 2)")
    parser.add_argument("--stack-depth", type=int, default=None, help="layers per cost stack (default: cost.py's)")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    parser.add_argument("--threads", type=int, default=2, help="torch threads (CPU)")
    parser.add_argument("--clock", choices=("wall", "process"), default="wall",
                        help="wall time (CUDA events on a GPU), or the process's CPU time (CPU only: leaves out other "
                             "tenants of a shared machine; a latency only with --threads 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of the two")
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: tests/bench/results, or $TESSEL_BENCH_RESULTS)")
    args = parser.parse_args(argv)
    device_name = resolve_device(parser, args.device)
    torch.set_num_threads(args.threads)
    config, parent_label = parent_config(args.parent)
    attention, ffn = library_shapes(config)
    count = args.architectures or (3 if args.quick else 8)
    parent = [ParentShape.of(config).parent_block()] * config.num_hidden_layers
    architectures = [("parent", parent)] + [
        (f"random {i + 1}", blocks) for i, blocks in enumerate(random_architectures(config, attention, ffn, count, args.seed))]
    cost_options = CostOptions(repeats=args.cost_repeats or (3 if args.quick else 5), stack_depth=args.stack_depth,
                               clock=args.clock)
    measure_options = MeasureOptions(warmup=1, repeats=args.repeats or (2 if args.quick else 3), clock=args.clock)
    started, load_before = time.monotonic(), load_average()
    results, depth_rows, hooks = [], [], {}
    with tempfile.TemporaryDirectory(prefix="tessel-cost-bench-") as cache:
        for name in args.scenarios.split(","):
            batch, prompt, generation = SCENARIOS[name]
            scenario = Scenario(device=device_name, dtype=args.dtype, batch_size=batch, prompt_length=prompt,
                                generation_length=QUICK_GENERATION[name] if args.quick else generation, name=name)
            print(f"== {name}: {scenario}", flush=True)
            results.append(run_scenario(config, name, scenario, architectures, attention, ffn, cache=Path(cache),
                                        cost_options=cost_options, measure_options=measure_options))
            if not args.quick and name == DEPTH_CHECK_SCENARIO:
                print(f"== {name}: depth check", flush=True)
                depth_rows += depth_check(config, scenario, [("attention", attention[0]), ("ffn", ffn[0])],
                                          sorted({4, 8, config.num_hidden_layers}), cost_options)
        if not args.quick:
            first = results[0]["scenario"]
            hooks = hooks_check(config, Scenario(**first), torch.device(device_name), measure_options.repeats, args.clock)
    report = {"parent": parent_label, "quick": args.quick, "dtype": args.dtype, "threads": args.threads, "clock": args.clock,
              "device": results[0]["device"], "seed": args.seed, "stack_depth": args.stack_depth or "default (8)",
              "cost_repeats": cost_options.repeats, "measure_repeats": measure_options.repeats,
              "architectures_per_scenario": count, "scenarios": results, "depth_check": depth_rows,
              "hooks_check": hooks, "load_before": load_before, "load_after": load_average(),
              "minutes": (time.monotonic() - started) / 60}
    text = markdown(report)
    print(text)
    write_results(result_name(NAME, args.quick), report, text, out_dir=args.out, device=device_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
