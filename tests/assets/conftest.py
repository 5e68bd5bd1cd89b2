"""Shared fixtures: one cache for the real assets, so the parent is converted once per machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def _two_threads() -> None:
    torch.set_num_threads(2)


@pytest.fixture(scope="session")
def asset_cache() -> Path:
    """TESSEL_CACHE_DIR when set (e.g. the user's cache), else <repo>/.cache/test-assets: reused across runs."""
    path = Path(os.environ.get("TESSEL_CACHE_DIR") or REPO / ".cache" / "test-assets")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def default_corpus(asset_cache: Path):
    from tessel.assets.corpus import load_corpus

    return load_corpus(cache_dir=asset_cache)


@pytest.fixture(scope="session")
def smollm2_tokenizer(asset_cache: Path):
    from tessel.assets.models import load_tokenizer

    return load_tokenizer(cache_dir=asset_cache)


@pytest.fixture(scope="session")
def smollm2_folder(asset_cache: Path) -> Path:
    """The converted parent (converted on first use, ~20 s; reused after that)."""
    from tessel.assets.models import resolve_model

    return resolve_model("smollm2-135m", cache_dir=asset_cache)
