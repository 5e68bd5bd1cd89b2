"""`python -m tessel_block_scorer.worker`: the worker entry point shared by local worker processes and
Kubernetes pods. It scores one shard of a scoring job's variants and stores each result in the artifact
store (`tessel.runtime.executors.worker` parses the shard and reports progress)."""

from __future__ import annotations

import sys

from tessel.runtime.executors.worker import run_worker
from tessel_block_scorer.core.settings import WORKER


def _run_shard(store, work_order, index: int, count: int, emit) -> dict:
    from tessel_block_scorer.core.quality import run_shard

    return run_shard(store, work_order, index, count, emit)


def main(argv: list[str] | None = None) -> int:
    return run_worker(WORKER, _run_shard, argv, description=__doc__)


if __name__ == "__main__":
    sys.exit(main())
