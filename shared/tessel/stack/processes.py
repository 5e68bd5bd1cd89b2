"""The local stack's processes: is a recorded pid still the process we started, and stopping many at once.

A pid alone is not an identity: after a crash or a reboot the number may belong to another process,
and signalling it would kill a stranger. Each record keeps the process start time from
/proc/<pid>/stat; a pid whose start time differs is not ours and is left alone.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from pathlib import Path

from tessel.stack.state import ProcessRecord

POLL_SECONDS = 0.05


def start_ticks(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); None when there is no such
    process or it is a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else int(fields[19])


def is_ours(record: ProcessRecord) -> bool:
    """The process is alive and is the one the record was written for (same start time)."""
    if record.pid <= 0:
        return False
    _reap(record.pid)
    ticks = start_ticks(record.pid)
    if ticks is None:
        return False
    return record.start_ticks in (0, ticks)


def stop_all(records: Mapping[str, ProcessRecord], timeout: float) -> list[str]:
    """SIGTERM every process that is still ours at once, SIGKILL what outlives `timeout`, and return
    once each is gone (in the order given); processes that are not ours are skipped."""
    mine = {name: record for name, record in records.items() if is_ours(record)}
    for record in mine.values():
        _signal(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(is_ours(r) for r in mine.values()) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    for record in mine.values():
        if is_ours(record):
            _signal(record.pid, signal.SIGKILL)
    while any(is_ours(r) for r in mine.values()):
        time.sleep(POLL_SECONDS)
    return list(mine)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Collect the exit status when it is our own child (tests start stacks in-process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
