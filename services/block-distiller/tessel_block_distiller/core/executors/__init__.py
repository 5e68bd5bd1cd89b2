"""Where a library job's variants run: local worker processes or a Kubernetes Indexed Job. Both start
the same entry point (`python -m tessel_block_distiller.worker`) and exchange results only through the
artifact store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tessel.common.v1 import job_pb2
from tessel.runtime.errors import TesselError

OnEvent = Callable[[dict[str, Any]], None]


class WorkerFailed(TesselError):
    """A worker process or pod failed for good; the message carries its reason. The job fails ABORTED
    (a later attempt resumes, skipping the variants already stored)."""

    job_code = job_pb2.ERROR_CODE_ABORTED


class Executor(Protocol):
    def run(self, store, work_order_ref, shard_count: int, on_event: OnEvent) -> None:
        """Run every shard to completion (blocking). `on_event` may raise to stop (cancellation)."""


def worker_command(work_order_ref, shard_count: int) -> list[str]:
    return [
        "-m", "tessel_block_distiller.worker",
        "--work-order-uri", work_order_ref.uri,
        "--work-order-sha256", work_order_ref.sha256,
        "--shard-count", str(shard_count),
    ]
