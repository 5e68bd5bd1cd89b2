"""NATS JetStream: the streams, events, work queues with a dead-letter subject, and the job KV bucket.

Layout (docs/conventions.md): stream TESSEL_EVENTS on `tessel.<domain>.v1.>` for every domain, stream TESSEL_WORK on
`tessel.work.>` (work-queue retention, one durable pull consumer per job resource: subject
`tessel.work.<service>.<resource>`), stream TESSEL_DLQ on `tessel.dlq.>`, KV bucket `tessel_jobs`. Every publish carries the trace context, the proto's full
name and a Nats-Msg-Id (so a retried publish is deduplicated).

While NATS is unreachable the client keeps reconnecting; calls that need it answer `Unavailable` at once
(`require_connected`) instead of waiting out a request timeout, and listeners (`on_connection_change`:
health, job reconciliation) hear when the connection goes and comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api
from nats.js.errors import NotFoundError, ServiceUnavailableError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from tessel.catalog import SERVICES
from tessel.runtime.errors import Unavailable
from tessel.runtime.tracing import extract_context, inject_headers

log = logging.getLogger(__name__)

EVENTS_STREAM = "TESSEL_EVENTS"
WORK_STREAM = "TESSEL_WORK"
DLQ_STREAM = "TESSEL_DLQ"
JOBS_BUCKET = "tessel_jobs"
MESSAGE_TYPE_HEADER = "Tessel-Msg-Type"
DLQ_REASON_HEADER = "Tessel-Dead-Letter-Reason"

# Shutdown must fit in a pod's termination grace period (30 s by default), with room to spare.
DRAIN_TIMEOUT_SECONDS = 5.0
RECONNECT_WAIT_SECONDS = 1.0
# Errors that mean "NATS cannot be reached now", not "the request is wrong": UNAVAILABLE to a client.
TRANSPORT_ERRORS = (
    nats.errors.TimeoutError, nats.errors.ConnectionClosedError, nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError, nats.errors.OutboundBufferLimitError, nats.errors.StaleConnectionError,
    nats.errors.NoRespondersError, nats.errors.ConnectionDrainingError, ServiceUnavailableError,
)
ConnectionListener = Callable[[bool], Awaitable[None]]


class WorkInterrupted(Exception):
    """Raised by a work handler that stopped early for a shutdown: the message is nak'ed for immediate
    redelivery (to a live replica, or this service once it is back) instead of waiting out the ack wait."""


def unavailable_from(error: BaseException) -> Unavailable | None:
    """The `Unavailable` a NATS transport failure means to a caller (None for any other error)."""
    if isinstance(error, TRANSPORT_ERRORS):
        return Unavailable(f"the message bus is unavailable ({type(error).__name__}); retry later")
    return None

_tracer = trace.get_tracer("tessel.messaging")


@dataclass(frozen=True)
class WorkQueuePolicy:
    """Redelivery policy of a service's work queue."""

    # Without a heartbeat for this long, a message is redelivered (the worker is presumed dead).
    ack_wait_seconds: float = 30.0
    # Attempts before the message is dead-lettered. JetStream has no DLQ of its own: the consumer
    # allows one delivery more, and that extra delivery is routed to tessel.dlq.<service>.<resource>.
    max_attempts: int = 3


class Messaging:
    """One NATS connection with JetStream, shared by a process."""

    def __init__(self, client: Client, listeners: list[ConnectionListener] | None = None) -> None:
        self.client = client
        self.js = client.jetstream()
        self._jobs_kv = None
        self._listeners = listeners if listeners is not None else []

    @classmethod
    async def connect(
        cls, url: str, *, name: str, connect_timeout: float = 5.0, options: dict | None = None,
        stream_replicas: int = 1,
    ) -> Messaging:
        """One connection attempt (callers retry); once connected, reconnects without end while the
        server is away, logging one line per failed attempt (no traceback)."""
        listeners: list[ConnectionListener] = []
        failures = {"count": 0}

        async def notify(connected: bool) -> None:
            for listener in list(listeners):
                try:
                    await listener(connected)
                except Exception:  # noqa: BLE001 - one listener's failure must not stop the others
                    log.exception("NATS connection listener failed")

        async def on_error(error: Exception) -> None:
            failures["count"] += 1
            if failures["count"] <= 3 or failures["count"] % 30 == 0:  # a long outage logs once a ~minute
                log.warning("NATS at %s: %s: %s (failure %d)", url, type(error).__name__, error, failures["count"])

        async def on_disconnected() -> None:
            await notify(False)

        async def on_reconnected() -> None:
            failures["count"] = 0
            log.info("NATS at %s reachable again", url)
            await notify(True)

        client = await nats.connect(
            url, name=name, connect_timeout=connect_timeout, allow_reconnect=False, max_reconnect_attempts=1,
            reconnect_time_wait=RECONNECT_WAIT_SECONDS, drain_timeout=DRAIN_TIMEOUT_SECONDS, error_cb=on_error,
            disconnected_cb=on_disconnected, reconnected_cb=on_reconnected,
            **(options or {}),  # credentials and TLS (tessel.runtime.transport.nats_options)
        )
        # The first connect tries twice and fails (the caller retries or gives up); once connected, the
        # client reconnects for as long as the server is away.
        client.options["allow_reconnect"] = True
        client.options["max_reconnect_attempts"] = -1
        messaging = cls(client, listeners)
        messaging.stream_replicas = stream_replicas
        try:
            await messaging.ensure_layout()
        except BaseException:
            await client.close()
            raise
        return messaging

    def on_connection_change(self, listener: ConnectionListener) -> None:
        """Call `listener(False)` when the connection is lost and `listener(True)` when it is back."""
        self._listeners.append(listener)

    @property
    def connected(self) -> bool:
        return self.client.is_connected

    def require_connected(self) -> None:
        """Fail fast while NATS is away: a request must not wait out a 5 s timeout to learn it."""
        if not self.client.is_connected:
            raise Unavailable("the message bus is unreachable; retry later")

    # Copies of each stream and of the job bucket on a JetStream cluster (TESSEL_NATS_STREAM_REPLICAS).
    stream_replicas = 1

    async def ensure_layout(self) -> None:
        """Create the streams and the job bucket when missing (idempotent, any replica may do it)."""
        streams = [
            # Domains are listed one by one: a `tessel.*.v1.>` wildcard would overlap the work and DLQ streams.
            api.StreamConfig(name=EVENTS_STREAM, subjects=[f"tessel.{s.domain}.v1.>" for s in SERVICES], retention=api.RetentionPolicy.LIMITS,
                             max_age=30 * 24 * 3600, duplicate_window=120, num_replicas=self.stream_replicas),
            api.StreamConfig(name=WORK_STREAM, subjects=["tessel.work.>"], retention=api.RetentionPolicy.WORK_QUEUE,
                             duplicate_window=120, num_replicas=self.stream_replicas),
            api.StreamConfig(name=DLQ_STREAM, subjects=["tessel.dlq.>"], retention=api.RetentionPolicy.LIMITS,
                             num_replicas=self.stream_replicas),
        ]
        for config in streams:
            try:
                await self.js.stream_info(config.name)
            except NotFoundError:
                await self.js.add_stream(config)
        try:
            self._jobs_kv = await self.js.key_value(JOBS_BUCKET)
        except NotFoundError:
            self._jobs_kv = await self.js.create_key_value(
                api.KeyValueConfig(bucket=JOBS_BUCKET, history=1, replicas=self.stream_replicas)
            )

    @property
    def jobs_kv(self):
        return self._jobs_kv

    async def close(self) -> None:
        """Drain (deliver what is in flight), and close outright if that takes too long."""
        try:
            await self.client.drain()
        except Exception:  # noqa: BLE001 - shutting down either way
            log.warning("NATS drain did not finish in %ss; closing", DRAIN_TIMEOUT_SECONDS)
        finally:
            if not self.client.is_closed:
                with contextlib.suppress(Exception):
                    await self.client.close()

    # -- events ----------------------------------------------------------------------------------

    async def publish(self, subject: str, message: Message, *, msg_id: str | None = None) -> None:
        """Publish a proto message to JetStream in a PRODUCER span, trace context in the headers."""
        with _tracer.start_as_current_span(f"{subject} publish", kind=SpanKind.PRODUCER) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.destination.name", subject)
            headers = inject_headers(
                {MESSAGE_TYPE_HEADER: message.DESCRIPTOR.full_name, "Nats-Msg-Id": msg_id or uuid.uuid4().hex}
            )
            await self.js.publish(subject, message.SerializeToString(), headers=headers)

    async def subscribe(
        self, subject: str, handler: Callable[[Msg], Awaitable[None]], *, durable: str | None = None
    ):
        """Consume events (push, from now on) with a CONSUMER span linked to the producer's trace."""

        async def traced(msg: Msg) -> None:
            with _tracer.start_as_current_span(
                f"{msg.subject} process", context=extract_context(msg.headers), kind=SpanKind.CONSUMER
            ) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", msg.subject)
                await handler(msg)
            await msg.ack()

        return await self.js.subscribe(
            subject, cb=traced, durable=durable, manual_ack=True,
            deliver_policy=api.DeliverPolicy.NEW if durable is None else None,
        )

    # -- work queues -----------------------------------------------------------------------------

    async def submit_work(self, service: str, resource: str, payload: bytes, *, msg_id: str) -> None:
        subject = work_subject(service, resource)
        with _tracer.start_as_current_span(f"{subject} publish", kind=SpanKind.PRODUCER) as span:
            span.set_attribute("messaging.system", "nats")
            span.set_attribute("messaging.destination.name", subject)
            headers = inject_headers({"Nats-Msg-Id": msg_id})
            await self.js.publish(subject, payload, headers=headers)

    async def pending_work(self, service: str, resource: str) -> set[bytes]:
        """The payloads (job ids) of the work messages of a resource still in the work stream: waiting or
        being worked on (a work-queue stream drops a message once it is acked)."""
        subject = work_subject(service, resource)
        payloads: set[bytes] = set()
        sequence = 1
        while True:
            try:
                message = await self.js.get_msg(WORK_STREAM, seq=sequence, subject=subject, next=True)
            except NotFoundError:
                return payloads
            payloads.add(message.data or b"")
            sequence = message.seq + 1

    async def work_subscription(self, service: str, resource: str, policy: WorkQueuePolicy):
        """The job resource's durable pull consumer, shared by all the service's replicas."""
        # Before job resources, one consumer per service took `tessel.work.<service>.>`; a work-queue
        # stream refuses overlapping consumers, so that one goes (its subjects are no longer published).
        with contextlib.suppress(NotFoundError):
            await self.js.delete_consumer(WORK_STREAM, f"{service}-work")
        config = api.ConsumerConfig(
            ack_policy=api.AckPolicy.EXPLICIT,
            ack_wait=policy.ack_wait_seconds,
            max_deliver=policy.max_attempts + 1,
            max_ack_pending=1000,
        )
        return await self.js.pull_subscribe(
            work_subject(service, resource), durable=f"{service}-{resource}-work", stream=WORK_STREAM, config=config
        )

    async def dead_letter(self, service: str, resource: str, msg: Msg, reason: str) -> None:
        """Republish to tessel.dlq.<service>.<resource> with the reason, then terminate the original."""
        headers = dict(msg.headers or {})
        headers[DLQ_REASON_HEADER] = reason
        headers.pop("Nats-Msg-Id", None)
        await self.js.publish(f"tessel.dlq.{service}.{resource}", msg.data, headers=headers)
        await msg.term()


def work_subject(service: str, resource: str) -> str:
    return f"tessel.work.{service}.{resource}"


class WorkConsumer:
    """Pulls one job resource's work queue and runs a handler per message, one at a time per slot.

    The handler gets (msg, attempt). While it runs, a heartbeat extends the ack deadline; success
    acks. A handler exception naks (redelivered up to the policy's attempts). A process that dies
    mid-message stops heartbeating, so the message is redelivered to a live replica. The delivery
    past the last attempt goes to `on_dead_letter` and then to the DLQ stream.
    """

    def __init__(
        self,
        messaging: Messaging,
        service: str,
        resource: str,
        handler: Callable[[Msg, int], Awaitable[None]],
        on_dead_letter: Callable[[Msg, str], Awaitable[None]],
        policy: WorkQueuePolicy = WorkQueuePolicy(),
        concurrency: int = 1,
    ) -> None:
        self._messaging = messaging
        self._service = service
        self._resource = resource
        self._handler = handler
        self._on_dead_letter = on_dead_letter
        self._policy = policy
        self._concurrency = concurrency
        self._tasks: list[asyncio.Task] = []
        self._subscription = None
        self._handling: set[asyncio.Task] = set()  # pull loops in the middle of a message
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        subscription = await self._messaging.work_subscription(self._service, self._resource, self._policy)
        self._subscription = subscription
        self._tasks = [asyncio.create_task(self._loop(subscription)) for _ in range(self._concurrency)]

    async def stop(self, grace: float = 0.0) -> None:
        """Take no new messages; give the ones being handled `grace` seconds to finish (the job runner
        asks its jobs to yield), then cancel them (their messages are nak'ed for redelivery)."""
        self._stopping.set()
        busy = [task for task in self._tasks if task in self._handling]
        if busy and grace > 0:  # idle pullers are cancelled at once, not after their fetch times out
            await asyncio.wait(busy, timeout=grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._subscription is not None:
            # A pull subscription left open holds the connection's drain until its timeout, idle or not.
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
            self._subscription = None

    async def _loop(self, subscription) -> None:
        while not self._stopping.is_set():
            try:
                messages = await subscription.fetch(1, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            except (nats.errors.ConnectionClosedError, nats.errors.DrainTimeoutError):
                return
            except TRANSPORT_ERRORS:  # NATS is away: the client reconnects; pull again once it is back
                await asyncio.sleep(RECONNECT_WAIT_SECONDS)
                continue
            for msg in messages:
                if self._stopping.is_set():  # fetched as the stop came: leave it to the next worker
                    with contextlib.suppress(Exception):
                        await msg.nak()
                    continue
                self._handling.add(asyncio.current_task())
                try:
                    await self._process(msg)
                finally:
                    self._handling.discard(asyncio.current_task())

    async def _process(self, msg: Msg) -> None:
        attempt = msg.metadata.num_delivered
        if attempt > self._policy.max_attempts:
            reason = f"gave up after {self._policy.max_attempts} attempts (the worker died or failed each time)"
            await self._on_dead_letter(msg, reason)
            await self._messaging.dead_letter(self._service, self._resource, msg, reason)
            return
        heartbeat = asyncio.create_task(self._heartbeat(msg))
        try:
            with _tracer.start_as_current_span(
                f"{msg.subject} process", context=extract_context(msg.headers), kind=SpanKind.CONSUMER
            ):
                await self._handler(msg, attempt)
        except WorkInterrupted:
            with contextlib.suppress(Exception):
                await msg.nak()
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):  # redelivered now, not after the ack wait
                await asyncio.shield(msg.nak())
            raise
        except Exception:
            log.exception("work message on %s failed (attempt %d)", msg.subject, attempt)
            await msg.nak(delay=min(2.0 ** attempt, 30.0))
        else:
            await msg.ack()
        finally:
            heartbeat.cancel()

    async def _heartbeat(self, msg: Msg) -> None:
        interval = max(self._policy.ack_wait_seconds / 3.0, 0.2)
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(Exception):
                await msg.in_progress()
