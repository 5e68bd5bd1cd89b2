"""Property-based fuzzing of every RPC of every service (hypothesis): random, truncated, oversized and
semantically invalid requests get a client-error status with a message — never INTERNAL or UNKNOWN for
a client's mistake — and the service stays SERVING.

Requests are drawn from each method's proto descriptor: every field type, extreme integers, NaN/inf,
hostile strings (NUL bytes, path traversal, server paths and foreign URIs), unknown enum values, nested
messages and repeated fields; plus raw bytes that are not a valid message at all. Each service runs in
its own thread and event loop, against the suite's real nats-server, for the whole module.

`make test` runs a short budget per service (TESSEL_FUZZ_EXAMPLES, default 25); set it higher for a
longer campaign.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import os
import threading
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import DecodeError
from google.protobuf.descriptor import FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tessel.catalog import SERVICES
from tessel.runtime.settings import Settings

pytestmark = pytest.mark.nats

EXAMPLES = int(os.environ.get("TESSEL_FUZZ_EXAMPLES", "25"))
CLIENT_ERRORS = {
    grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.NOT_FOUND, grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.UNIMPLEMENTED,
}
HOSTILE_TEXT = st.sampled_from([
    "", "\x00", "a\x00b", "../../../../etc/passwd", "/etc", "/etc/passwd", "file:///etc/passwd",
    "file:///proc/self/environ", "s3://bucket/key", "memory://x", "x" * 5000, "tiny-llama-2l", "corpus",
    "mnist1d", "smollm2-135m", "-1", "NaN", "☃", "%00", "sha256/00/" + "0" * 64,
])
INT_BOUNDS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1), FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1), FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1), FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1), FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = [v for v in (low, high, 0, 1, -1, 2, 2**31 - 1, 2**40, 2**62) if low <= v <= high]
    return st.one_of(st.sampled_from(edges), st.integers(low, high), st.integers(max(low, -3), min(high, 1000)))


def _scalar(field: FieldDescriptor) -> st.SearchStrategy:
    if field.type in INT_BOUNDS:
        return _integers(*INT_BOUNDS[field.type])
    if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        values = st.floats(allow_nan=True, allow_infinity=True, width=64 if field.type == FieldDescriptor.TYPE_DOUBLE else 32)
        return st.one_of(st.sampled_from([0.0, -1.0, 0.5, 1.0, 2.0, math.nan, math.inf, 1e300]), values)
    if field.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type == FieldDescriptor.TYPE_STRING:
        return st.one_of(HOSTILE_TEXT, st.text(max_size=40))
    if field.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=256)
    if field.type == FieldDescriptor.TYPE_ENUM:
        return st.one_of(st.sampled_from([v.number for v in field.enum_type.values]), st.integers(-5, 1000))
    raise AssertionError(f"unhandled field type {field.type}")


@st.composite
def messages(draw, descriptor, depth: int = 0):
    message = message_factory.GetMessageClass(descriptor)()
    for field in descriptor.fields:
        if not draw(st.booleans()):
            continue
        repeated = field.is_repeated
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
            if value.message_type is None:
                for _ in range(draw(st.integers(0, 3))):
                    getattr(message, field.name)[draw(_scalar(key))] = draw(_scalar(value))
            continue
        if field.message_type is not None:
            if depth >= 3 or field.message_type.full_name.startswith("google.protobuf."):
                continue
            count = draw(st.integers(0, 3)) if repeated else 1
            for _ in range(count):
                child = draw(messages(field.message_type, depth + 1))
                target = getattr(message, field.name).add() if repeated else getattr(message, field.name)
                target.CopyFrom(child)
                if not repeated and child.ByteSize() == 0:
                    target.SetInParent()
            continue
        if repeated:
            getattr(message, field.name).extend(draw(st.lists(_scalar(field), max_size=6)))
        else:
            setattr(message, field.name, draw(_scalar(field)))
    return message


class _ServiceThread:
    """One service in its own thread and event loop for the whole module (hypothesis reuses it)."""

    def __init__(self, definition, settings_: Settings) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        from tessel.runtime.server import start_service

        self.service = asyncio.run_coroutine_threadsafe(start_service(definition, settings_), self.loop).result(120)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.service.stop(), self.loop).result(60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module", params=SERVICES, ids=[s.name for s in SERVICES])
def running(request, nats_url, tmp_path_factory) -> Iterator[tuple]:
    info = request.param
    home = tmp_path_factory.mktemp(f"fuzz-{info.name}")
    settings_ = Settings(home=home, nats_url=nats_url, grpc_host="127.0.0.1", grpc_port=0)
    definition = importlib.import_module(f"{info.package}.service").DEFINITION
    thread = _ServiceThread(definition, settings_)
    channel = grpc.insecure_channel(thread.service.address)
    try:
        yield info, channel
    finally:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        channel.close()
        thread.stop()
        assert health.status == health_pb2.HealthCheckResponse.SERVING, f"{info.name} stopped serving after the fuzz"


def _methods(info):
    return list(descriptor_pool.Default().FindServiceByName(info.proto_service).methods)


def _call(channel, info, method, payload: bytes) -> grpc.StatusCode:
    path = f"/{info.proto_service}/{method.name}"
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path)(payload, timeout=5)
            next(iter(stream), None)
            stream.cancel()
        else:
            channel.unary_unary(path)(payload, timeout=30)
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        code = error.code()
        if method.server_streaming and code in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
            return grpc.StatusCode.OK  # a valid Watch that simply has nothing new yet
        assert code in CLIENT_ERRORS, f"{path} answered {code.name}: {error.details()}"
        assert error.details(), f"{path} answered {code.name} without a message"
        return code


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_random_and_invalid_requests_get_client_errors(running, data):
    info, channel = running
    method = data.draw(st.sampled_from(_methods(info)), label="method")
    request = data.draw(messages(method.input_type), label="request")
    _call(channel, info, method, request.SerializeToString())


@settings(max_examples=max(5, EXAMPLES // 3), deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_bytes_that_are_not_a_message_are_invalid_argument(running, data):
    info, channel = running
    method = data.draw(st.sampled_from(_methods(info)), label="method")
    valid = data.draw(messages(method.input_type), label="request").SerializeToString()
    garbage = data.draw(st.one_of(
        st.just(b"\xff\xff\xff\xff\x0f"),  # a varint past 64 bits
        st.just(b"\x0a\xff\xff\xff\xff\x0f"),  # a length far past the payload
        st.binary(min_size=1, max_size=64).map(lambda b: b"\x0a" + bytes([len(b) + 40]) + b),  # truncated
        st.just(valid[: max(0, len(valid) - 1)] + b"\x0a"),
    ), label="garbage")
    code = _call(channel, info, method, garbage)  # never INTERNAL, whatever the bytes
    try:
        message_factory.GetMessageClass(method.input_type).FromString(garbage)
    except DecodeError:
        assert code == grpc.StatusCode.INVALID_ARGUMENT, f"{method.name}: undecodable bytes answered {code.name}"
