"""`python -m tessel_block_distiller.worker`: the worker entry point shared by local worker processes and
Kubernetes pods. It distils one shard of a library job's variants (shard = `--shard-index`, or the pod's
`JOB_COMPLETION_INDEX` in an Indexed Job) and stores each result in the artifact store
(`TESSEL_ARTIFACTS_URI`). Progress goes to stdout as JSON lines."""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch

from tessel.common.v1 import artifact_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
from tessel_block_distiller.core.distill_unit import run_shard


def _emit(event: dict) -> None:
    print(json.dumps(event), flush=True)


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM; unlike ru_maxrss it does not inherit the parent's at fork)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tessel_block_distiller.worker", description=__doc__)
    parser.add_argument("--work-order-uri", required=True)
    parser.add_argument("--work-order-sha256", required=True)
    parser.add_argument("--shard-index", type=int, default=None)
    parser.add_argument("--shard-count", type=int, required=True)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("TESSEL_BLOCK_DISTILLER_THREADS_PER_WORKER", "1")))
    args = parser.parse_args(argv)
    index = args.shard_index if args.shard_index is not None else int(os.environ.get("JOB_COMPLETION_INDEX", "-1"))
    if not 0 <= index < args.shard_count:
        parser.error(f"shard index {index} is outside 0..{args.shard_count - 1} (pass --shard-index or JOB_COMPLETION_INDEX)")
    torch.set_num_threads(max(1, args.threads))
    store = ArtifactStore(get_settings().artifacts_root)
    ref = artifact_pb2.ArtifactRef(uri=args.work_order_uri, sha256=args.work_order_sha256)
    work_order = store.get_json(ref)
    trained = run_shard(store, work_order, index, args.shard_count, _emit)
    _emit({"event": "done", "shard": index, "trained": trained, "peak_rss_bytes": peak_rss_bytes()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
