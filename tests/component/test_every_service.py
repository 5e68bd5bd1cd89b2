"""Every service in-process on port 0 against a real nats-server: health and reflection. (Every RPC's
answers to invalid input are fuzzed in tests/security/test_fuzz.py.)"""

from __future__ import annotations

import importlib

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tessel.catalog import SERVICES

pytestmark = pytest.mark.nats


@pytest.mark.parametrize("info", SERVICES, ids=[s.name for s in SERVICES])
async def test_service_serves_health_and_reflection(start, info):
    definition = importlib.import_module(f"{info.package}.service").DEFINITION
    assert definition.default_port == info.port
    assert definition.proto_services == [info.proto_service]
    service = await start(definition)
    async with grpc.aio.insecure_channel(service.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", info.proto_service):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = [s.name async for reply in replies for s in reply.list_services_response.service]
    assert info.proto_service in names

