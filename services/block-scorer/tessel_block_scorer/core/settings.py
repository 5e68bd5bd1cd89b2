"""Block-scorer settings from `TESSEL_BLOCK_SCORER_*` (docs/conventions.md): the shared executor
settings under the scorer's prefix, and where measured costs are cached."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path  # noqa: TC003 - pydantic resolves the annotation at runtime

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tessel.runtime.executors import WorkerProgram
from tessel.runtime.executors.settings import ExecutorSettings
from tessel.runtime.settings import get_settings

# What the executors start: `python -m tessel_block_scorer.worker` on a shard of the pending variants.
WORKER = WorkerProgram(
    module="tessel_block_scorer.worker", env_prefix="TESSEL_BLOCK_SCORER_", app="tessel-block-scorer",
    job_label="tessel.dev/scoring-job", job_prefix="tessel-score",
)


class ScorerSettings(ExecutorSettings):
    model_config = SettingsConfigDict(env_prefix="TESSEL_BLOCK_SCORER_", extra="ignore")

    k8s_image: str = "tessel-block-scorer:0.1.0"
    # Variants a worker scores per pass over the held-out batches: the parent's forward and logits are
    # computed once per batch per group, and each variant's result is stored when its group ends (what a
    # restart keeps). Larger groups amortise the parent better and hold more variant weights.
    group_variants: int = Field(default=32, ge=1, le=1024)
    # Server-side cost cache (shape × scenario × device × software); empty: $TESSEL_CACHE_DIR/block-scorer/costs.
    cost_cache_dir: Path | None = None

    def cost_cache(self) -> Path:
        return self.cost_cache_dir or get_settings().cache_path / "block-scorer" / "costs"


@lru_cache(maxsize=1)
def get_scorer_settings() -> ScorerSettings:
    return ScorerSettings()
