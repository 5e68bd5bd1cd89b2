"""Where a job's units of work run: local worker processes or a Kubernetes Indexed Job. Both start the
service's worker entry point (`python -m <service>.worker`) on shards of a work order and exchange
results only through the artifact store. Shared by every service that fans work out (block-distiller,
block-scorer); each describes its worker with a `WorkerProgram`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tessel.common.v1 import job_pb2
from tessel.runtime.errors import TesselError

OnEvent = Callable[[dict[str, Any]], None]


class WorkerFailed(TesselError):
    """A worker process or pod failed for good; the message carries its reason. The job fails ABORTED
    (a later attempt resumes, skipping the units already stored)."""

    job_code = job_pb2.ERROR_CODE_ABORTED


@dataclass(frozen=True)
class WorkerProgram:
    """One service's worker: its module, its settings prefix and the names its pods carry."""

    module: str  # e.g. "tessel_block_distiller.worker"
    env_prefix: str  # e.g. "TESSEL_BLOCK_DISTILLER_" (the worker reads <prefix>THREADS_PER_WORKER)
    app: str  # app.kubernetes.io/name of the pods, e.g. "tessel-block-distiller"
    job_label: str  # label carrying the service's job id, e.g. "tessel.dev/distillation-job"
    job_prefix: str  # Kubernetes Job name prefix, e.g. "tessel-distill"

    @property
    def threads_env(self) -> str:
        return f"{self.env_prefix}THREADS_PER_WORKER"

    def job_name(self, job_id: str, attempt: int) -> str:
        slug = re.sub(r"[^a-z0-9-]", "-", job_id.lower()).strip("-")[:40]
        return f"{self.job_prefix}-{slug}-a{attempt}"


class Executor(Protocol):
    def run(self, store, work_order_ref, shard_count: int, on_event: OnEvent) -> None:
        """Run every shard to completion (blocking). `on_event` may raise to stop (cancellation)."""


def worker_command(program: WorkerProgram, work_order_ref, shard_count: int) -> list[str]:
    return [
        "-m", program.module,
        "--work-order-uri", work_order_ref.uri,
        "--work-order-sha256", work_order_ref.sha256,
        "--shard-count", str(shard_count),
    ]


def make_executor(settings, program: WorkerProgram, *, executor: str, job_id: str, attempt: int):
    """The executor a job runs on (`settings`: an `ExecutorSettings`) and the most shards it may use."""
    if executor == "kubernetes":
        from tessel.runtime.executors.kubernetes import KubernetesExecutor

        return KubernetesExecutor(settings, program, job_id=job_id, attempt=attempt), settings.k8s_max_pods
    from tessel.runtime.executors.local import LocalExecutor

    executor_ = LocalExecutor(program, threads_per_worker=settings.threads_per_worker, restarts=settings.worker_restarts)
    return executor_, settings.local_workers()
