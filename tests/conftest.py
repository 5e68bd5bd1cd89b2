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
