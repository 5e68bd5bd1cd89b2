"""Fixtures of the scorer tests: a store and a small block library in it (scoring_helpers.write_library).
The session asset cache, the data root and the corpus are in tests/conftest.py."""

from __future__ import annotations

import pytest
from scoring_helpers import write_library

from tessel.runtime.artifacts import ArtifactStore


@pytest.fixture(scope="session", autouse=True)
def _llm_assets(llm_assets):
    """The session asset cache and data root (tests/conftest.py) for every test here."""
    return llm_assets


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    return one_torch_thread


@pytest.fixture
def store(tmp_path):
    return ArtifactStore((tmp_path / "artifacts").as_uri())


@pytest.fixture
def library_ref(store, corpus_dir):
    return write_library(store, corpus_dir)
