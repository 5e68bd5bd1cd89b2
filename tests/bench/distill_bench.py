"""Block-distiller benchmark (`make bench`): SmolLM2-135M, default search space (or `--quick`).

Reports the capture wall time, BLD seconds per variant per 1k tokens, BLD vs training-free init loss per
variant type, and peak memory of the coordinator (capture) and of the workers (BLD). `--device` picks where
the parent runs for capture and where the workers train (BLD). Prints the table and writes
<results>/distill.json and distill.md (distill-quick with --quick) through tests/bench/common.py.

    python tests/bench/distill_bench.py --quick --threads 2
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

from tessel.llm.library_manifest import loss_summary
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
from tessel.runtime.executors.local import LocalExecutor
from tessel_block_distiller.core.library import build_library
from tessel_block_distiller.core.spec import LibraryRequest, SearchSpace
from tessel_block_distiller.core.settings import WORKER

from common import add_device_argument, resolve_device, result_name, write_results

NAME = "distill"
# Sized from the prototype's measurements (≈0.045 s per 1k tokens per variant on 2 cores).
QUICK_SPACE = SearchSpace(kv_heads=(3, 1), ffn_sizes=(1536, 768))
QUICK_TOKENS = 8_192
QUICK_HELD_OUT = 2_048


class _PeakRecordingExecutor:
    """Passes events through and keeps the workers' largest reported peak RSS."""

    def __init__(self, inner: LocalExecutor) -> None:
        self.inner = inner
        self.peak_rss_bytes = 0

    def run(self, store, work_order_ref, shard_count, on_event) -> None:
        def record(event):
            self.peak_rss_bytes = max(self.peak_rss_bytes, event.get("peak_rss_bytes", 0))
            on_event(event)

        self.inner.run(store, work_order_ref, shard_count, record)


def use_device(device: str) -> None:
    """The distiller reads its device from TESSEL_DEVICE: the coordinator's capture through the cached
    settings, the worker processes through the environment they inherit."""
    os.environ["TESSEL_DEVICE"] = device
    get_settings.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parent", default="smollm2-135m")
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--quick", action="store_true", help="KV heads 3/1, FFN 1536/768, no-ops (trains KV 1 and FFN 768), 8k tokens per variant")
    parser.add_argument("--token-budget", type=int, default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="torch threads per process")
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: tests/bench/results, or $TESSEL_BENCH_RESULTS)")
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    use_device(device)
    torch.set_num_threads(args.threads)
    request = LibraryRequest(
        parent_model=args.parent, corpus=args.corpus,
        search_space=QUICK_SPACE if args.quick else None,
        token_budget=args.token_budget or (QUICK_TOKENS if args.quick else 65_536),
        held_out_tokens=QUICK_HELD_OUT if args.quick else 8_192,
    )
    started = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="tessel-distill-bench-") as scratch:
        store = ArtifactStore(Path(scratch).as_uri())
        executor = _PeakRecordingExecutor(LocalExecutor(WORKER, threads_per_worker=args.threads))
        outcome = build_library(request, job_id="bench", store=store, executor=executor, progress=lambda **values: None,
                                max_shards=args.workers)
        capture = store.get_json(store.lookup("distill/bench/capture"))
    total = time.monotonic() - started
    manifest = outcome.manifest
    trained = [v for v in manifest["variants"] if v["trained"]]
    per_1k = [v["seconds"] / (v["tokens"] / 1000) for v in trained]
    rows = loss_summary(manifest)
    report = {
        "parent": args.parent,
        "quick": args.quick,
        "threads": args.threads,
        "workers": args.workers,
        "train_tokens_per_variant": manifest["data"]["train_tokens"],
        "held_out_tokens": manifest["data"]["held_out_tokens"],
        "variants_trained": len(trained),
        "variants_listed": len(manifest["variants"]),
        "capture_seconds": capture["seconds"],
        "capture_tokens": capture["train_tokens"] + capture["held_out_tokens"],
        "bld_seconds_per_variant_per_1k_tokens": sum(per_1k) / len(per_1k),
        "total_seconds": total,
        # ru_maxrss is in KiB on Linux
        "peak_rss_coordinator_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
        "peak_rss_worker_gib": executor.peak_rss_bytes / 2**30,
        "loss_by_variant_type": rows,
    }
    lines = [
        f"## Block distiller: {args.parent}{' (quick)' if args.quick else ''}",
        "",
        f"{report['train_tokens_per_variant']} tokens per variant, {report['variants_trained']} trained variants, "
        f"{args.workers} worker(s) × {args.threads} torch threads, on {device}",
        "",
        f"- capture: {report['capture_seconds']:.1f} s for {report['capture_tokens']} tokens (all layers, bf16 shards)",
        f"- BLD: {report['bld_seconds_per_variant_per_1k_tokens']:.4f} s per variant per 1k tokens",
        f"- peak RSS: coordinator {report['peak_rss_coordinator_gib']:.2f} GiB, worker {report['peak_rss_worker_gib']:.2f} GiB",
        f"- total wall time {total:.1f} s",
        "",
        "| variant | layers | init nMSE | BLD nMSE | BLD better in | s/variant |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['variant']} | {row['layers']} | {row['init_loss']:.4f} | {row['final_loss']:.4f} | "
        f"{row['improved_layers']}/{row['layers']} | {row['seconds']:.2f} |"
        for row in rows
    ]
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    write_results(result_name(NAME, args.quick), report, markdown, out_dir=args.out, device=device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
