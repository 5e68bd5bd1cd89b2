"""The worker entry point every service's `python -m <service>.worker` wraps: parse the shard arguments
(the shard is `--shard-index`, or the pod's `JOB_COMPLETION_INDEX` in an Indexed Job), read the work
order from the artifact store (`TESSEL_ARTIFACTS_URI`), run the service's shard function and report
progress on stdout as JSON lines (the executors turn them into job progress)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from tessel.common.v1 import artifact_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.executors import WorkerProgram
from tessel.runtime.settings import get_settings

Emit = Callable[[dict[str, Any]], None]
# (store, work order, shard index, shard count, emit) -> fields of the final "done" event
RunShard = Callable[[ArtifactStore, dict[str, Any], int, int, Emit], dict[str, Any]]


def emit_event(event: dict) -> None:
    print(json.dumps(event), flush=True)


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it does not inherit the parent's at fork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_worker(program: WorkerProgram, run_shard: RunShard, argv: list[str] | None = None, *,
               description: str = "") -> int:
    parser = argparse.ArgumentParser(prog=program.module, description=description)
    parser.add_argument("--work-order-uri", required=True)
    parser.add_argument("--work-order-sha256", required=True)
    parser.add_argument("--shard-index", type=int, default=None)
    parser.add_argument("--shard-count", type=int, required=True)
    parser.add_argument("--threads", type=int, default=int(os.environ.get(program.threads_env, "1")))
    args = parser.parse_args(argv)
    index = args.shard_index if args.shard_index is not None else int(os.environ.get("JOB_COMPLETION_INDEX", "-1"))
    if not 0 <= index < args.shard_count:
        parser.error(f"shard index {index} is outside 0..{args.shard_count - 1} (pass --shard-index or JOB_COMPLETION_INDEX)")
    import torch

    torch.set_num_threads(max(1, args.threads))
    store = ArtifactStore(get_settings().artifacts_root)
    ref = artifact_pb2.ArtifactRef(uri=args.work_order_uri, sha256=args.work_order_sha256)
    summary = run_shard(store, store.get_json(ref), index, args.shard_count, emit_event)
    emit_event({"event": "done", "shard": index, **summary, "peak_rss_bytes": peak_rss_bytes()})
    return 0
