"""Fault fixtures: a nats-server of the test's own that can be stopped and restarted on the same port
(same JetStream store, so streams and the job bucket survive), and NATS connections closed at the end."""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tessel.runtime.messaging import Messaging
from tessel.stack.local import nats_server_binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartableNats:
    """One nats-server with JetStream on a fixed port; `stop` kills it, `start` brings it back."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            assert self.process.poll() is None and time.monotonic() < deadline, "nats-server did not start"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_nats(tmp_path) -> RestartableNats:
    server = RestartableNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def connect() -> AsyncIterator:
    connections = []

    async def _connect(url: str) -> Messaging:
        messaging = await Messaging.connect(url, name="faults-test")
        connections.append(messaging)
        return messaging

    yield _connect
    for messaging in connections:
        if not messaging.client.is_closed:
            await messaging.close()


@pytest.fixture
def service() -> str:
    """A service name of the test's own (its work consumer and job records are its alone)."""
    return f"faults-{uuid.uuid4().hex[:8]}"
