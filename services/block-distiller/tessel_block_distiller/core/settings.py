"""Block-distiller settings from `TESSEL_BLOCK_DISTILLER_*` (docs/conventions.md): the shared executor
settings under the distiller's prefix."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from tessel.runtime.executors import WorkerProgram
from tessel.runtime.executors.settings import ExecutorSettings

# What the executors start: `python -m tessel_block_distiller.worker` on a shard of the pending variants.
WORKER = WorkerProgram(
    module="tessel_block_distiller.worker", env_prefix="TESSEL_BLOCK_DISTILLER_", app="tessel-block-distiller",
    job_label="tessel.dev/distillation-job", job_prefix="tessel-distill",
)


class DistillerSettings(ExecutorSettings):
    model_config = SettingsConfigDict(env_prefix="TESSEL_BLOCK_DISTILLER_", extra="ignore")

    k8s_image: str = "tessel-block-distiller:0.1.0"


@lru_cache(maxsize=1)
def get_distiller_settings() -> DistillerSettings:
    return DistillerSettings()
