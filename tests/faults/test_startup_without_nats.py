"""A service started while NATS is unreachable: it retries with one log line per attempt (no
traceback), gives up after a bounded number of attempts, and exits promptly on SIGTERM meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tessel.runtime import server
from tessel.runtime.settings import Settings


def dead_nats_url() -> str:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return f"nats://127.0.0.1:{sock.getsockname()[1]}"


def test_sigterm_while_nats_is_unreachable_exits_within_two_seconds(tmp_path):
    env = {**os.environ, "TESSEL_HOME": str(tmp_path / "home"), "TESSEL_NATS_URL": dead_nats_url(),
           "TESSEL_GRPC_HOST": "127.0.0.1", "TESSEL_GRPC_PORT": "0"}
    process = subprocess.Popen([sys.executable, "-m", "tessel_metrics"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        lines = []
        while not any("not reachable" in line for line in lines):  # it is in its retry loop
            assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
            lines.append(process.stdout.readline())
        time.sleep(1.5)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
        took = time.monotonic() - sent
        output = "".join(lines) + process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, output
    assert took < 2.0, f"exit took {took:.2f} s after SIGTERM"
    assert "Traceback" not in output, output
    assert "attempt 1 of" in output


async def test_start_up_gives_up_after_the_bounded_attempts(monkeypatch):
    monkeypatch.setattr(server, "NATS_CONNECT_ATTEMPTS", 3)
    monkeypatch.setattr(server, "NATS_RETRY_SECONDS", 0.05)
    started = time.monotonic()
    with pytest.raises(ConnectionError, match="after 3 attempts"):
        await server.connect_messaging(Settings(nats_url=dead_nats_url()), "test")
    assert time.monotonic() - started < 5
