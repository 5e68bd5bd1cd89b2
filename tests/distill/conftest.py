"""Fixtures of the distiller tests: a store and a progress recorder. The session asset cache (tiny random
Llama with the SmolLM2 tokenizer), the data root and the corpus are in tests/conftest.py."""

from __future__ import annotations

import pytest

from tessel.runtime.artifacts import ArtifactStore

PARENT = "tiny-llama-2l"  # 2 layers, hidden 64, 4 heads, 2 KV heads, FFN 128


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
def progress_log():
    """A progress callback that records every report (the JobContext.progress signature)."""
    reports = []

    def progress(**values):
        reports.append(values)

    progress.reports = reports
    return progress
