"""A recorded pid is signalled only while it is still the process that was started (start time check);
stopping signals every process at once and returns when each is gone."""

from __future__ import annotations

import subprocess
import time

from tessel.stack.processes import is_ours, start_ticks, stop_all
from tessel.stack.state import ProcessRecord


def sleeper() -> subprocess.Popen:
    return subprocess.Popen(["sleep", "60"])


def test_a_pid_now_owned_by_another_process_is_left_alone():
    stranger = sleeper()
    try:
        ticks = start_ticks(stranger.pid)
        assert ticks is not None
        # what the state file would hold if our process had died and the pid been reused
        reused = ProcessRecord(stranger.pid, "127.0.0.1:1", "log", start_ticks=ticks - 1)
        assert not is_ours(reused)
        assert stop_all({"old": reused}, timeout=1) == []
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_processes_stop_in_parallel_and_are_gone_when_it_returns():
    children = [sleeper() for _ in range(4)]
    records = {f"p{i}": ProcessRecord(c.pid, "-", "log", start_ticks(c.pid)) for i, c in enumerate(children)}
    began = time.monotonic()
    assert stop_all(records, timeout=5) == list(records)
    assert time.monotonic() - began < 2  # one SIGTERM round for all, not one wait each
    assert all(start_ticks(c.pid) is None for c in children)  # gone (and reaped), not merely signalled


def test_one_that_ignores_sigterm_is_killed_after_the_timeout():
    stubborn = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 60 & wait"])
    time.sleep(0.2)  # let the shell install its trap
    record = ProcessRecord(stubborn.pid, "-", "log", start_ticks(stubborn.pid))
    began = time.monotonic()
    assert stop_all({"stubborn": record}, timeout=0.5) == ["stubborn"]
    assert 0.5 <= time.monotonic() - began < 3  # SIGTERM ignored for the timeout, then SIGKILL
    assert start_ticks(stubborn.pid) is None
