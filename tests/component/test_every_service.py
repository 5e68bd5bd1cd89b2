"""Every service in-process on port 0 against a real nats-server: health, reflection, and a clear
status (never a bare INTERNAL) for RPCs whose capability is not built yet."""

from __future__ import annotations

import importlib

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
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


def _unary_methods_of_placeholders():
    for info in SERVICES:
        module = importlib.import_module(f"{info.package}.service")
        if "unimplemented_servicer" not in vars(module):
            continue
        descriptor = descriptor_pool.Default().FindServiceByName(info.proto_service)
        for method in descriptor.methods:
            yield pytest.param(info, method, id=f"{info.name}/{method.name}")


@pytest.mark.parametrize("info, method", list(_unary_methods_of_placeholders()))
async def test_missing_capabilities_answer_unimplemented_with_a_reason(start, info, method):
    service = await start(importlib.import_module(f"{info.package}.service").DEFINITION)
    request_type = message_factory.GetMessageClass(method.input_type)
    response_type = message_factory.GetMessageClass(method.output_type)
    path = f"/{info.proto_service}/{method.name}"
    async with grpc.aio.insecure_channel(service.address) as channel:
        kind = channel.unary_stream if method.server_streaming else channel.unary_unary
        call = kind(path, request_serializer=request_type.SerializeToString, response_deserializer=response_type.FromString)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            if method.server_streaming:
                async for _ in call(request_type()):
                    pass
            else:
                await call(request_type())
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert info.name in caught.value.details() and method.name in caught.value.details()
