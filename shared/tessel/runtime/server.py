"""Service bootstrap: NATS, artifacts, tracing, the grpc.aio server with health and reflection,
and graceful shutdown on SIGTERM (NOT_SERVING → stop consumers → drain RPCs → close NATS → flush traces).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc
import nats.errors
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from tessel.catalog import BY_NAME
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.interceptors import ConcurrencyLimitInterceptor, ErrorInterceptor
from tessel.runtime.jobs import JobManager
from tessel.runtime.messaging import Messaging
from tessel.runtime.settings import Settings, get_settings
from tessel.runtime.transport import add_server_port, nats_options
from tessel.runtime.tracing import setup_tracing, shutdown_tracing

log = logging.getLogger(__name__)

NATS_RETRY_SECONDS = 1.0
NATS_RETRY_MAX_SECONDS = 10.0
# About five minutes of trying at start-up (then exit non-zero; Kubernetes restarts with its own backoff).
NATS_CONNECT_ATTEMPTS = 35


def channel_options(settings: Settings) -> list[tuple[str, int]]:
    """Message limits shared by servers and clients (inline arrays up to ~10^6 points need 64 MiB)."""
    limit = settings.grpc_max_message_bytes
    return [("grpc.max_send_message_length", limit), ("grpc.max_receive_message_length", limit)]


@dataclass
class ServiceDefinition:
    """What a service contributes: its catalog name and a setup hook that adds its servicers (and job
    managers) to the runtime. Port and proto service come from the catalog."""

    name: str
    setup: Callable[[ServiceRuntime], Awaitable[None] | None]

    @property
    def default_port(self) -> int:
        return BY_NAME[self.name].port

    @property
    def proto_services(self) -> list[str]:
        return [BY_NAME[self.name].proto_service]


@dataclass
class ServiceRuntime:
    settings: Settings
    server: grpc.aio.Server
    messaging: Messaging
    artifacts: ArtifactStore
    job_managers: list[JobManager] = field(default_factory=list)

    def add_job_manager(self, manager: JobManager) -> JobManager:
        self.job_managers.append(manager)
        return manager


@dataclass
class RunningService:
    """Handle on a started service (tests and `serve`)."""

    definition: ServiceDefinition
    runtime: ServiceRuntime
    health: health.aio.HealthServicer
    port: int
    # {"up": False} once shutting down, so a NATS reconnect does not report SERVING again.
    serving: dict = field(default_factory=lambda: {"up": True})
    # Plaintext grpc.health.v1 only, for kubelet probes when the API port speaks TLS (TESSEL_HEALTH_PORT).
    probe_server: grpc.aio.Server | None = None

    @property
    def address(self) -> str:
        host = self.runtime.settings.grpc_host
        return f"{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{self.port}"

    async def stop(self) -> None:
        grace = self.runtime.settings.shutdown_grace_seconds
        self.serving["up"] = False
        deadline = asyncio.get_running_loop().time() + grace
        await self.health.enter_graceful_shutdown()
        # Running jobs are told to yield at once and stop together, within the one grace period.
        await asyncio.gather(*(manager.stop(grace) for manager in self.runtime.job_managers))
        await self.runtime.server.stop(max(0.0, deadline - asyncio.get_running_loop().time()))
        if self.probe_server is not None:
            await self.probe_server.stop(0)
        await self.runtime.messaging.close()
        shutdown_tracing()


class StartAborted(Exception):
    """Shutdown was asked for before the service was up (e.g. SIGTERM while NATS was unreachable)."""


async def connect_messaging(settings: Settings, name: str, stop: asyncio.Event | None = None) -> Messaging:
    """Connect to NATS, retrying with backoff NATS_CONNECT_ATTEMPTS times (a service is not ready without
    it; past that it exits and its supervisor restarts it). `stop` ends the wait at once (StartAborted)."""
    stop = stop or asyncio.Event()
    delay = NATS_RETRY_SECONDS
    for attempt in range(1, NATS_CONNECT_ATTEMPTS + 1):
        connecting = asyncio.ensure_future(Messaging.connect(
            settings.nats_url, name=name, options=nats_options(settings), stream_replicas=settings.nats_stream_replicas
        ))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            connecting.cancel()
            with contextlib.suppress(BaseException):
                messaging = await connecting
                await messaging.close()
            raise StartAborted("shutdown requested while connecting to NATS")
        try:
            return connecting.result()
        except (OSError, asyncio.TimeoutError, nats.errors.Error) as error:
            log.warning("NATS at %s not reachable (%s: %s); attempt %d of %d, next in %.0f s", settings.nats_url,
                        type(error).__name__, error, attempt, NATS_CONNECT_ATTEMPTS, delay)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, NATS_RETRY_MAX_SECONDS)
    raise ConnectionError(f"NATS at {settings.nats_url} unreachable after {NATS_CONNECT_ATTEMPTS} attempts")


async def start_service(
    definition: ServiceDefinition, settings: Settings | None = None, stop: asyncio.Event | None = None
) -> RunningService:
    settings = settings or get_settings()
    setup_tracing(f"tessel-{definition.name}")
    messaging = await connect_messaging(settings, f"tessel-{definition.name}", stop)
    # Calls past a cap are refused (handlers' CPU work runs on tessel.runtime.cpu's bounded pool): under
    # load the event loop stays free for health checks and streams.
    server = grpc.aio.server(
        interceptors=[ConcurrencyLimitInterceptor(settings.max_concurrent_rpcs), ErrorInterceptor()],
        options=channel_options(settings),
    )
    runtime = ServiceRuntime(
        settings=settings, server=server, messaging=messaging,
        artifacts=ArtifactStore(
            settings.artifacts_root, cache_dir=settings.cache_path, max_read_bytes=settings.artifact_max_read_bytes
        ),
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ["", *definition.proto_services]:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    maybe_awaitable = definition.setup(runtime)
    if maybe_awaitable is not None:
        await maybe_awaitable
    if settings.grpc_reflection:
        reflection.enable_server_reflection(
            [*definition.proto_services, health.SERVICE_NAME, reflection.SERVICE_NAME], server
        )
    port = settings.grpc_port if settings.grpc_port is not None else definition.default_port
    bound = add_server_port(server, f"{settings.grpc_host}:{port}", settings)
    await server.start()
    probe_server = None
    if settings.health_port is not None:
        probe_server = grpc.aio.server()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, probe_server)
        probe_server.add_insecure_port(f"{settings.grpc_host}:{settings.health_port}")
        await probe_server.start()
    for manager in runtime.job_managers:
        await manager.start()
    serving = {"up": True}

    async def follow_nats(connected: bool) -> None:
        # Without NATS no job call can be answered: tell load balancers and probes (NOT_SERVING) until it is back.
        status = health_pb2.HealthCheckResponse.SERVING if connected else health_pb2.HealthCheckResponse.NOT_SERVING
        if serving["up"]:
            for name in ["", *definition.proto_services]:
                await health_servicer.set(name, status)

    messaging.on_connection_change(follow_nats)
    await follow_nats(messaging.connected)
    log.info("tessel-%s serving on %s:%d", definition.name, settings.grpc_host, bound)
    return RunningService(definition, runtime, health_servicer, bound, serving, probe_server)


async def serve(definition: ServiceDefinition) -> None:
    """Run until SIGTERM/SIGINT, then shut down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        running = await start_service(definition, stop=stop)
    except StartAborted:
        log.info("tessel-%s: shutdown requested before start-up finished", definition.name)
        return
    await stop.wait()
    log.info("tessel-%s shutting down", definition.name)
    with contextlib.suppress(asyncio.CancelledError):
        await running.stop()


def main(definition: ServiceDefinition) -> None:
    """Entry point body for `python -m tessel_<service>`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(definition))
    except ConnectionError as error:  # NATS never came: one line, not a traceback; the supervisor restarts us
        log.error("tessel-%s: %s", definition.name, error)
        raise SystemExit(1) from None
