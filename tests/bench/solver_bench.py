"""Arch-solver benchmark (`make bench`): MIP solve time and optimality gap, HiGHS vs CBC, and a sweep.

Spaces (synthetic scored libraries with an analytic cost model; no real scored library is needed):
  smollm2   SmolLM2-135M's shape: 30 layers, hidden 576, 9 heads; attention {kv3 (parent), kv1, linear,
            no-op}, FFN {1536 (parent), 1280, 1024, 768, 512, 256, linear, no-op}: 4 × 8 per layer.
  llama70b  Llama-3.1-70B's shape (Puzzle's space): 80 layers, hidden 8192, 64 heads; attention {kv8 (parent),
            kv4, kv2, kv1, linear, no-op}, FFN {100, 87, 75, 50, 25, 20, 10 % of 28672, linear, no-op}: 6 × 9.
Costs on a bf16 scenario (batch 64, prompt 128, generation 1024): params from the Llama formulas; KV cache
bytes for the batch and context; prefill = FLOPs / 400 TFLOP/s, decode step = (weights + KV) / 3 TB/s.
Scores (KL stand-ins): seeded, growing as a variant shrinks, scaled by a per-layer sensitivity.
Measured: median wall time of --repeats solves (model build + solve + exact re-check) at a 1.6× speedup
target plus a memory cap, for HiGHS and CBC; the solver's bound and relative gap; a 10-point speedup sweep
(1.1× … 2.0×, no memory cap) on the 80-layer space; and the greedy / max-params / uniform baselines' objectives there.
Targets: 30 layers < 1 s, 80 layers < 10 s, the sweep < 30 s.

    python tests/bench/solver_bench.py [--quick] [--repeats 5]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time

from tessel.llm.scored_library import Cost, Scenario, Score, ScoredLibrary, ScoredVariant
from tessel_arch_solver.core.baselines import solve_baseline
from tessel_arch_solver.core.mip import solve_problem
from tessel_arch_solver.core.problem import make_problem
from tessel_arch_solver.core.sweep import sweep

from common import result_name, write_results

NAME = "solver"
SCENARIO = Scenario(device="synthetic (400 TFLOP/s, 3 TB/s)", dtype="bfloat16", batch_size=64, prompt_length=128,
                    generation_length=1024, name="bench")
FLOPS, BANDWIDTH, BYTES = 400e12, 3e12, 2
SPACES = {
    "smollm2": {"layers": 30, "hidden": 576, "heads": 9, "kv": [3, 1], "ffn": [1536, 1280, 1024, 768, 512, 256],
                "vocab": 49152},
    "llama70b": {"layers": 80, "hidden": 8192, "heads": 64, "kv": [8, 4, 2, 1],
                 "ffn": [round(28672 * f) for f in (1.0, 0.87, 0.75, 0.5, 0.25, 0.2, 0.1)], "vocab": 128256},
}
TARGET_SECONDS = {"smollm2": 1.0, "llama70b": 10.0, "sweep": 30.0}
BASELINE_TIME_LIMIT_S = 10.0  # max-params is a symmetric knapsack: HiGHS proves it slowly, so it is capped
SPEEDUP, MEMORY_FRACTION = 1.6, 0.7  # the single-solve budgets: 1.6× faster, 70% of the parent's memory


def _cost(params: int, kv_bytes: int, tokens_flops: float) -> Cost:
    weights = BYTES * params
    prefill = SCENARIO.batch_size * SCENARIO.prompt_length * tokens_flops / FLOPS
    decode = (weights + kv_bytes) / BANDWIDTH
    return Cost(params=params, weight_bytes=weights, kv_cache_bytes=kv_bytes, prefill_seconds=prefill,
                decode_seconds_per_token=decode)


def synthetic_library(space: str, seed: int = 0) -> ScoredLibrary:
    shape = SPACES[space]
    rng = random.Random(seed)
    hidden, heads = shape["hidden"], shape["heads"]
    head_dim = hidden // heads
    context = SCENARIO.batch_size * (SCENARIO.prompt_length + SCENARIO.generation_length)
    variants = []
    for layer in range(shape["layers"]):
        sensitivity = rng.uniform(0.2, 1.0) * (3.0 if layer in (0, shape["layers"] - 1) else 1.0)
        options = [("attention", {"kind": "gqa", "num_key_value_heads": kv}, kv / shape["kv"][0]) for kv in shape["kv"]]
        options += [("attention", {"kind": "linear"}, 0.05), ("attention", {"kind": "no_op"}, 0.0)]
        options += [("ffn", {"kind": "mlp", "intermediate_size": size}, size / shape["ffn"][0]) for size in shape["ffn"]]
        options += [("ffn", {"kind": "linear"}, 0.03), ("ffn", {"kind": "no_op"}, 0.0)]
        for subblock, config, keep in options:
            is_parent = keep == 1.0
            if config["kind"] == "gqa":
                params = 2 * hidden * hidden + 2 * hidden * config["num_key_value_heads"] * head_dim
                kv_bytes = 2 * config["num_key_value_heads"] * head_dim * context * BYTES
                flops = 2 * params + 4 * SCENARIO.prompt_length * hidden
            elif config["kind"] == "mlp":
                params, kv_bytes = 3 * hidden * config["intermediate_size"], 0
                flops = 2 * params
            elif config["kind"] == "linear":
                params, kv_bytes, flops = hidden * hidden, 0, 2 * hidden * hidden
            else:
                params, kv_bytes, flops = 0, 0, 0
            kl = 0.0 if is_parent else sensitivity * (1.0 - keep) ** 1.5 * rng.uniform(0.5, 1.5) * (
                2.0 if subblock == "ffn" else 1.0)
            variants.append(ScoredVariant(layer=layer, subblock=subblock, config=config, is_parent=is_parent,
                                          scores={"kl": Score(kl, 0.01 * kl)},
                                          cost=_cost(params, kv_bytes, flops),
                                          variant_id="" if is_parent or config["kind"] == "no_op" else
                                          f"L{layer}-{subblock}-{len(variants)}"))
    embedding = 2 * shape["vocab"] * hidden
    return ScoredLibrary(num_layers=shape["layers"], scenario=SCENARIO,
                         overhead=_cost(embedding, 0, 2 * shape["vocab"] * hidden), variants=variants)


def budgets_for(library: ScoredLibrary, speedup: float) -> dict[str, float]:
    parent = make_problem(library)
    memory = parent.totals(parent.parent_choice())["memory_bytes"]
    return {"target_speedup": speedup, "max_memory_bytes": int(MEMORY_FRACTION * memory)}


def cpu_seconds() -> float:
    """This process's CPU time plus its finished children's (CBC runs as a subprocess)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_solves(library: ScoredLibrary, solver: str, repeats: int) -> dict:
    seconds, cpu, solution = [], [], None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), cpu_seconds()
        problem = make_problem(library, budgets=budgets_for(library, SPEEDUP))
        solution = solve_problem(problem, solver=solver, time_limit_s=60.0)
        seconds.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - started_cpu)
    return {"median_seconds": statistics.median(seconds), "seconds": seconds,
            "median_cpu_seconds": statistics.median(cpu), "objective": solution.objective,
            "bound": solution.bound, "gap": solution.gap, "status": solution.status,
            "speedup": solution.costs["speedup"], "memory_bytes": solution.costs["memory_bytes"],
            "variables": len(library.variants)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 repeats, the sweep on 30 layers")
    parser.add_argument("--repeats", type=int, default=None, help="timed solves per space and solver (default 5)")
    parser.add_argument("--out", default=None, help="results folder (default tests/bench/results)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    libraries = {space: synthetic_library(space) for space in SPACES}
    solves = {space: {solver: time_solves(library, solver, repeats) for solver in ("highs", "cbc")}
              for space, library in libraries.items()}

    sweep_space = "smollm2" if args.quick else "llama70b"
    speedups = [round(1.1 + 0.1 * k, 2) for k in range(10)]
    started, started_cpu = time.perf_counter(), cpu_seconds()
    points = sweep(libraries[sweep_space], [{"target_speedup": s} for s in speedups])
    sweep_seconds, sweep_cpu = time.perf_counter() - started, cpu_seconds() - started_cpu
    sweep_rows = [{"target_speedup": s, "objective": p.solution.objective if p.solution else None,
                   "speedup": p.solution.costs["speedup"] if p.solution else None,
                   "tightest": p.infeasible.tightest if p.infeasible else None, "pareto_optimal": p.pareto_optimal,
                   "gap": p.solution.gap if p.solution else None} for s, p in zip(speedups, points, strict=True)]

    baselines = {}
    problem = make_problem(libraries["llama70b"], budgets=budgets_for(libraries["llama70b"], SPEEDUP))
    for method in ("greedy", "max_params", "uniform"):
        started = time.perf_counter()
        try:
            solution = solve_baseline(problem, method, time_limit_s=BASELINE_TIME_LIMIT_S)
            baselines[method] = {"objective": solution.objective, "seconds": time.perf_counter() - started}
        except Exception as error:  # a baseline may find nothing within the budget: that is a result
            baselines[method] = {"objective": None, "error": str(error), "seconds": time.perf_counter() - started}

    report = {
        "parameters": {"repeats": repeats, "scenario": SCENARIO.__dict__, "speedup": SPEEDUP,
                       "memory_fraction": MEMORY_FRACTION, "sweep_space": sweep_space, "targets": TARGET_SECONDS},
        "solves": solves, "sweep": {"seconds": sweep_seconds, "cpu_seconds": sweep_cpu, "points": sweep_rows}, "baselines": baselines,
    }
    lines = [
        f"## Arch-solver MIP (median of {repeats}; {SPEEDUP}× speedup + {MEMORY_FRACTION:.0%} memory)", "",
        "| space | variables | solver | median wall s | median CPU s | target s | objective | bound | gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for space, by_solver in solves.items():
        for solver, r in by_solver.items():
            bound = "n/a" if r["bound"] is None else f"{r['bound']:.4f}"
            gap = "n/a" if r["gap"] is None else f"{r['gap']:.1e}"
            lines.append(f"| {space} ({libraries[space].num_layers} layers) | {r['variables']} | {solver} | "
                         f"{r['median_seconds']:.3f} | {r['median_cpu_seconds']:.3f} | {TARGET_SECONDS[space]:g} | {r['objective']:.4f} | {bound} | "
                         f"{gap} |")
    lines += ["", f"Sweep on {sweep_space}: 10 speedup targets 1.1×–2.0× in {sweep_seconds:.2f} s wall, "
              f"{sweep_cpu:.2f} s CPU "
              f"(target {TARGET_SECONDS['sweep']:g} s); "
              f"{sum(r['pareto_optimal'] for r in sweep_rows)} Pareto-optimal, "
              f"{sum(r['objective'] is None for r in sweep_rows)} infeasible.", "",
              "| target speedup | objective | achieved speedup | gap |", "|---|---|---|---|"]
    for r in sweep_rows:
        if r["objective"] is None:
            lines.append(f"| {r['target_speedup']} | infeasible (tightest {r['tightest']:.3f}×) | | |")
        else:
            lines.append(f"| {r['target_speedup']} | {r['objective']:.4f} | {r['speedup']:.3f} | {r['gap']:.1e} |")
    mip = solves["llama70b"]["highs"]["objective"]
    lines += ["", f"Baselines on llama70b at the same budgets (MIP objective {mip:.4f}):", "",
              "| method | objective | seconds |", "|---|---|---|"]
    for method, r in baselines.items():
        value = "none within budget" if r["objective"] is None else f"{r['objective']:.4f}"
        lines.append(f"| {method} | {value} | {r['seconds']:.2f} |")
    lines += ["", "Wall time is on a shared machine (other jobs running); CPU time is this process and its "
              "CBC subprocesses. The baselines run under a "
              f"{BASELINE_TIME_LIMIT_S:g} s solver limit (max-params: the best assignment found within it)."]
    markdown = "\n".join(lines)
    print(markdown)
    write_results(result_name(NAME, args.quick), report, markdown, out_dir=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
