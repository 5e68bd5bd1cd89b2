"""The four services of a pipeline started in-process on real NATS. The session asset cache, the data
root and the corpus are in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _llm_assets(llm_assets):
    """The session asset cache and data root (tests/conftest.py) for every test here."""
    return llm_assets


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    return one_torch_thread


@pytest.fixture
async def services(start, settings, monkeypatch, tmp_path):
    """block-distiller, block-scorer, arch-solver and the pipeline, each on its own port; the pipeline's
    clients find the others through TESSEL_<SERVICE>_ADDRESS. Returns {name: RunningService}."""
    from tessel_arch_solver.service import DEFINITION as SOLVER
    from tessel_block_distiller.service import DEFINITION as DISTILLER
    from tessel_block_distiller.core.settings import get_distiller_settings
    from tessel_block_scorer.core.settings import get_scorer_settings
    from tessel_block_scorer.service import DEFINITION as SCORER
    from tessel_pipeline.service import DEFINITION as PIPELINE

    monkeypatch.setenv("TESSEL_BLOCK_DISTILLER_WORKERS", "1")
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_WORKERS", "1")
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_GROUP_VARIANTS", "8")
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_COST_CACHE_DIR", str(tmp_path / "costs"))
    get_scorer_settings.cache_clear()
    get_distiller_settings.cache_clear()
    running = {}
    for name, definition in (("block-distiller", DISTILLER), ("block-scorer", SCORER), ("arch-solver", SOLVER),
                             ("pipeline", PIPELINE)):
        running[name] = await start(definition)
        monkeypatch.setenv(f"TESSEL_{name.upper().replace('-', '_')}_ADDRESS", running[name].address)
    yield running
    get_scorer_settings.cache_clear()
    get_distiller_settings.cache_clear()
