"""The stack state file: where the local stack's processes listen. Every CLI command reads it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tessel.catalog import BY_NAME
from tessel.runtime.settings import Settings, get_settings

STATE_FILE = "state.json"


class StackNotRunning(Exception):
    """No local stack state and no TESSEL_<SERVICE>_ADDRESS for the service asked for."""


@dataclass
class ProcessRecord:
    pid: int
    address: str
    log: str
    # /proc/<pid>/stat start time (clock ticks since boot): tells our process from a later one that
    # reused its pid, before it is signalled. 0 in state files written before it was recorded.
    start_ticks: int = 0


@dataclass
class StackState:
    nats_url: str
    nats: ProcessRecord
    services: dict[str, ProcessRecord] = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = directory / f".{STATE_FILE}.tmp"
        temporary.write_text(json.dumps(asdict(self), indent=2))
        temporary.replace(directory / STATE_FILE)

    @classmethod
    def load(cls, directory: Path) -> StackState | None:
        path = directory / STATE_FILE
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        return cls(
            nats_url=raw["nats_url"],
            nats=ProcessRecord(**raw["nats"]),
            services={name: ProcessRecord(**record) for name, record in raw["services"].items()},
        )


def service_address(name: str, settings: Settings | None = None) -> str:
    """host:port of a service: TESSEL_<SERVICE>_ADDRESS, else the local stack's state file."""
    info = BY_NAME[name]
    explicit = os.environ.get(info.address_variable)
    if explicit:
        return explicit
    state = StackState.load((settings or get_settings()).stack_path)
    if state is None or name not in state.services:
        raise StackNotRunning(
            f"no Tessel stack is running (start one with `tessel stack up`, or set {info.address_variable})"
        )
    return state.services[name].address
