"""NATS keeps its port across `down`/`up` of the local stack when the port is free, and takes another
when something else holds it. (A NATS crash under running services: tests/stack/test_crash_recovery.py.)"""

from __future__ import annotations

import socket

import pytest

from tessel.runtime.settings import get_settings
from tessel.stack import local

pytestmark = pytest.mark.nats


@pytest.fixture
def stack_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSEL_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield get_settings()
    local.down()
    get_settings.cache_clear()


def test_nats_takes_its_last_port_again_unless_it_is_taken(stack_settings):
    first = local.up(stack_settings, only=[]).nats
    assert local.down(stack_settings) == ["nats"]
    again = local.up(stack_settings, only=[]).nats
    assert again.pid != first.pid and again.address == first.address
    local.down(stack_settings)

    host, port = again.address.rsplit(":", 1)
    with socket.socket() as squatter:
        squatter.bind((host, int(port)))
        squatter.listen()
        moved = local.up(stack_settings, only=[]).nats
    assert moved.address != again.address
    moved_host, moved_port = moved.address.rsplit(":", 1)
    socket.create_connection((moved_host, int(moved_port)), timeout=5).close()  # the new one serves
