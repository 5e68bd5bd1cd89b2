"""Shared fixtures: a session asset cache (tiny random Llama with the SmolLM2 tokenizer), a generated text
corpus folder, a store and a small block library in it (scoring_helpers.write_library)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scoring_helpers import write_library

from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
WORDS = (
    "the of and to in is was that for it with as his on be at by had not are but from or have an they which one "
    "you were her all she there would their we him been has when who will more no if out so said what up its "
    "about into than them can only other new some could time these two may then do first any my now such like "
    "our over man me even most made after also did many before must through back years where much your way well"
).split()


def data_root(factory) -> Path:
    """The session's operator data root (TESSEL_DATA_ROOTS): the only place user corpora may be read from."""
    return factory.getbasetemp() / "data-root"


@pytest.fixture(scope="session", autouse=True)
def asset_cache(tmp_path_factory):
    """One asset cache for the session (TESSEL_CACHE_DIR), so the tiny parent is built once, and one
    operator data root (TESSEL_DATA_ROOTS) where the test corpus lives."""
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
def store(tmp_path):
    return ArtifactStore((tmp_path / "artifacts").as_uri())


@pytest.fixture
def library_ref(store, corpus_dir):
    return write_library(store, corpus_dir)
