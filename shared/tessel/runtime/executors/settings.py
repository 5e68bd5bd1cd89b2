"""Executor settings every fanning-out service shares; a service subclasses them with its own
`TESSEL_<SERVICE>_` prefix (docs/conventions.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings


class ExecutorSettings(BaseSettings):
    executor: Literal["local", "kubernetes"] = "local"
    # Local worker processes; 0 = one per two CPU cores.
    workers: int = Field(default=0, ge=0)
    threads_per_worker: int = Field(default=1, ge=1)
    # A crashed local worker is restarted this many times (it skips the units it already stored).
    worker_restarts: int = Field(default=2, ge=0)
    k8s_image: str = ""
    k8s_namespace: str = "default"
    k8s_service_account: str = ""
    k8s_gpus_per_pod: int = Field(default=0, ge=0)
    k8s_node_selector: dict[str, str] = Field(default_factory=dict)
    k8s_tolerations: list[dict] = Field(default_factory=list)
    # Base pod template the Helm chart mounts (volumes, hardening, runtime env, NetworkPolicy labels).
    k8s_pod_template: Path | None = None
    # Pods of the Indexed Job (each takes a contiguous shard of the pending units).
    k8s_max_pods: int = Field(default=8, ge=1)
    k8s_poll_seconds: float = Field(default=5.0, gt=0)

    def local_workers(self) -> int:
        return self.workers or max(1, (os.cpu_count() or 2) // 2)

