"""`python -m tessel_block_distiller.worker`: the worker entry point shared by local worker processes and
Kubernetes pods. It distils one shard of a library job's variants and stores each result in the
artifact store (`tessel.runtime.executors.worker` parses the shard and reports progress)."""

from __future__ import annotations

import sys

from tessel.runtime.executors.worker import run_worker
from tessel_block_distiller.core.settings import WORKER


def _run_shard(store, work_order, index: int, count: int, emit) -> dict:
    from tessel_block_distiller.core.distill_unit import run_shard

    return {"trained": run_shard(store, work_order, index, count, emit)}


def main(argv: list[str] | None = None) -> int:
    return run_worker(WORKER, _run_shard, argv, description=__doc__)


if __name__ == "__main__":
    sys.exit(main())
