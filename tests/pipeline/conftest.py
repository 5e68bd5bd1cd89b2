"""Shared fixtures: a session asset cache (tiny random Llama with the SmolLM2 tokenizer), a generated text
corpus in the operator data root, and the four services of a pipeline started in-process on real NATS."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tessel.runtime.settings import get_settings

WORDS = (
    "the of and to in is was that for it with as his on be at by had not are but from or have an they which one "
    "you were her all she there would their we him been has when who will more no if out so said what up its "
    "about into than them can only other new some could time these two may then do first any my now such like "
    "our over man me even most made after also did many before must through back years where much your way well "
    "down should because each just those people how too little state good very make world still own see men work "
    "long get here between both life being under never day same another know while last might us great old year"
).split()


def data_root(factory) -> Path:
    return factory.getbasetemp() / "data-root"


@pytest.fixture(scope="session", autouse=True)
def asset_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TESSEL_CACHE_DIR", str(tmp_path_factory.mktemp("asset-cache")))
        patch.setenv("TESSEL_DATA_ROOTS", json.dumps([str(data_root(tmp_path_factory))]))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory):
    """40 documents of seeded word salad (~1.5k tokens each): real tokenizer, deterministic, offline."""
    folder = data_root(tmp_path_factory) / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(40):
        sentences = [" ".join(rng.choice(WORDS, size=rng.integers(6, 16))).capitalize() + "." for _ in range(90)]
        (folder / f"doc{index:02d}.txt").write_text(" ".join(sentences))
    return str(folder)


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
