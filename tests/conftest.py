"""Fixtures shared by the whole suite: a real nats-server, an isolated TESSEL_HOME, in-process services."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tessel.runtime.settings import Settings, get_settings
from tessel.stack.local import nats_server_binary


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory) -> Iterator[str]:
    """A real JetStream nats-server on a free loopback port (or TESSEL_TEST_NATS_URL to use an external one)."""
    external = os.environ.get("TESSEL_TEST_NATS_URL")
    if external:
        yield external
        return
    process, url = start_nats_server(tmp_path_factory.mktemp("nats"))
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def start_nats_server(store: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", str(store), "--ports_file_dir", str(store)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    ports_file = store / f"nats-server_{process.pid}.ports"
    deadline = time.monotonic() + 20
    while not ports_file.exists():
        assert process.poll() is None and time.monotonic() < deadline, "nats-server did not start"
        time.sleep(0.05)
    time.sleep(0.05)
    return process, json.loads(ports_file.read_text())["nats"][0]


@pytest.fixture
def settings(tmp_path, nats_url, monkeypatch) -> Settings:
    """Settings for one test: its own TESSEL_HOME, the test NATS, any free port."""
    monkeypatch.setenv("TESSEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSEL_NATS_URL", nats_url)
    monkeypatch.setenv("TESSEL_GRPC_HOST", "127.0.0.1")
    monkeypatch.setenv("TESSEL_GRPC_PORT", "0")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
async def start(settings) -> AsyncIterator:
    """Start service definitions in-process on port 0; all are stopped at the end of the test."""
    from tessel.runtime.server import start_service

    running = []

    async def _start(definition):
        service = await start_service(definition, settings)
        running.append(service)
        return service

    yield _start
    for service in running:
        await service.stop()


# -- language-model tests (tests/distill, tests/scoring, tests/pipeline) -------------------------------------
# One copy of their session fixtures; each of those folders' conftest turns `llm_assets` and
# `one_torch_thread` on for its tests (autouse there, not here: the rest of the suite does not need them).

CORPUS_WORDS = (
    "the of and to in is was that for it with as his on be at by had not are but from or have an they which one "
    "you were her all she there would their we him been has when who will more no if out so said what up its "
    "about into than them can only other new some could time these two may then do first any my now such like "
    "our over man me even most made after also did many before must through back years where much your way well "
    "down should because each just those people how too little state good very make world still own see men work "
    "long get here between both life being under never day same another know while last might us great old year"
).split()


@pytest.fixture(scope="session")
def data_root(tmp_path_factory) -> Path:
    """The session's operator data root (TESSEL_DATA_ROOTS): the only place services read user corpora from."""
    folder = tmp_path_factory.getbasetemp() / "data-root"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def llm_assets(tmp_path_factory, data_root) -> Iterator[None]:
    """One asset cache for the session (TESSEL_CACHE_DIR), so the tiny parent is built once, and the data root."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TESSEL_CACHE_DIR", str(tmp_path_factory.mktemp("asset-cache")))
        patch.setenv("TESSEL_DATA_ROOTS", json.dumps([str(data_root)]))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def corpus_dir(data_root) -> str:
    """40 documents of seeded word salad (~1.5k tokens each): real tokenizer, deterministic, offline."""
    import numpy as np

    folder = data_root / "corpus"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(40):
        sentences = [" ".join(rng.choice(CORPUS_WORDS, size=rng.integers(6, 16))).capitalize() + "." for _ in range(90)]
        (folder / f"doc{index:02d}.txt").write_text(" ".join(sentences))
    return str(folder)


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Tests on 2 shared cores: one torch thread each, restored afterwards."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
