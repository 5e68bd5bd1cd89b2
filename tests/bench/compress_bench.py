"""Compression baselines benchmark: at each target speedup, the MIP (Puzzle) against the arch-solver's
baselines (greedy, random architectures from the library meeting the budget over 3 seeds, uniform), each
the same pipeline job (`tessel compress`) over the same library and scores (reused by content: built once)
and healed with the same KD token budget; every child evaluated on the held-out split and timed end to end.

Needs the local stack (`tessel stack up`, started here when none runs). Reports, per (target, method): the
measured latency and prefill speedup, KL(parent || child), perplexity, cloze accuracy retention
(child / parent), and the solver's predicted speedup.

  compress_bench.py              targets 1.5 and 2.0, the quick profile's library, default KD tokens
  compress_bench.py --quick      target 1.5, MIP and greedy only, 4096 KD tokens

Not here yet: ShortGPT-style layer dropping (whole layers no-op by block influence) needs a solver method or
explicit block configs in the pipeline spec.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from common import result_name, write_results

from tessel.arch.v1 import arch_pb2
from tessel.client.compression import CompressionClient
from tessel.common.v1 import job_pb2
from tessel.compress.v1 import compress_pb2 as pb

NAME = "compress"
METHODS = {"mip": (arch_pb2.METHOD_MIP, 0), "greedy": (arch_pb2.METHOD_GREEDY, 0),
           "random-0": (arch_pb2.METHOD_RANDOM, 0), "random-1": (arch_pb2.METHOD_RANDOM, 1),
           "random-2": (arch_pb2.METHOD_RANDOM, 2), "uniform": (arch_pb2.METHOD_UNIFORM, 0)}
QUICK_METHODS = ("mip", "greedy")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--parent", default="smollm2-135m")
    parser.add_argument("--targets", default=None, help="comma-separated target speedups (default 1.5,2.0)")
    parser.add_argument("--methods", default=None, help=f"comma-separated, of {', '.join(METHODS)}")
    parser.add_argument("--kd-tokens", type=int, default=None)
    return parser.parse_args(argv)


async def run_one(client: CompressionClient, spec: pb.CompressionJobSpec) -> pb.CompressionJob:
    record = await client.create(spec, {"bench": NAME})
    async for record in client.watch(record.job.id):
        pass
    return record


def row(target: float, method: str, record: pb.CompressionJob, seconds: float) -> dict:
    job = record.job
    if job.state != job_pb2.JOB_STATE_SUCCEEDED:
        return {"target": target, "method": method, "job_id": job.id, "error": job.error.reason, "seconds": seconds}
    e = record.result.evaluation
    reused = [pb.Stage.Name(s.stage).removeprefix("STAGE_").lower() for s in record.result.stages if s.reused]
    return {
        "target": target, "method": method, "job_id": job.id, "seconds": round(seconds, 1), "reused": reused,
        "predicted_speedup": record.result.solution.costs.speedup, "latency_speedup": e.latency_speedup,
        "prefill_speedup": e.prefill_speedup, "decode_speedup": e.decode_speedup, "kl": e.kl,
        "top1_agreement": e.top1_agreement, "perplexity": e.child.perplexity, "parent_perplexity": e.parent.perplexity,
        "cloze_retention": e.child.cloze_accuracy / e.parent.cloze_accuracy if e.parent.cloze_accuracy else None,
        "child_params": e.child.params, "parent_params": e.parent.params,
    }


def markdown(rows: list[dict], parameters: dict) -> str:
    lines = [f"# Compression baselines ({parameters['parent']}, profile quick, KD tokens {parameters['kd_tokens']})", "",
             "| target | method | measured latency × | prefill × | predicted × | KL | PPL | cloze retention | job |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['target']} | {r['method']} | failed: {r['error'][:80]} | | | | | | {r['job_id']} |")
            continue
        cloze = f"{r['cloze_retention']:.3f}" if r["cloze_retention"] is not None else "-"
        lines.append(f"| {r['target']} | {r['method']} | {r['latency_speedup']:.2f} | {r['prefill_speedup']:.2f} | "
                     f"{r['predicted_speedup']:.2f} | {r['kl']:.4f} | {r['perplexity']:.2f} | {cloze} | {r['job_id']} |")
    lines += ["", "Layer dropping (ShortGPT) is not measured yet (see the bench's docstring)."]
    return "\n".join(lines)


async def bench(args: argparse.Namespace) -> tuple[list[dict], dict]:
    targets = [float(t) for t in (args.targets or ("1.5" if args.quick else "1.5,2.0")).split(",")]
    methods = args.methods.split(",") if args.methods else (list(QUICK_METHODS) if args.quick else list(METHODS))
    kd_tokens = args.kd_tokens if args.kd_tokens is not None else (4096 if args.quick else None)
    parameters = {"parent": args.parent, "targets": targets, "methods": methods, "kd_tokens": kd_tokens or "profile"}
    rows = []
    async with CompressionClient() as client:
        for target in targets:
            for method in methods:
                kind, seed = METHODS[method]
                spec = pb.CompressionJobSpec(parent_model=args.parent, profile=pb.PROFILE_QUICK, method=kind,
                                             method_seed=seed, budget=arch_pb2.Budget(target_speedup=target))
                if kd_tokens is not None:
                    spec.kd_tokens = kd_tokens
                started = time.monotonic()
                record = await run_one(client, spec)
                rows.append(row(target, method, record, time.monotonic() - started))
                print(rows[-1], flush=True)
    return rows, parameters


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    subprocess.run([str(Path(sys.executable).parent / "tessel"), "stack", "up"], check=True)
    rows, parameters = asyncio.run(bench(args))
    write_results(result_name(NAME, args.quick), {"parameters": parameters, "results": rows}, markdown(rows, parameters))
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
