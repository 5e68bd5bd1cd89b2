"""Servicers for contracts whose capability is not built yet: every RPC answers UNIMPLEMENTED with
a message saying which capability is missing (instead of a bare status)."""

from __future__ import annotations

from google.protobuf.descriptor import ServiceDescriptor

from tessel.runtime.errors import Unimplemented


def unimplemented_servicer(base: type, descriptor: ServiceDescriptor, capability: str) -> object:
    def error(name: str) -> Unimplemented:
        return Unimplemented(f"{descriptor.full_name}/{name} is part of {capability}, which is not built yet")

    def unary(name: str):
        async def rpc(self, request, context):
            raise error(name)

        return rpc

    def stream(name: str):
        async def rpc(self, request, context):
            raise error(name)
            yield  # pragma: no cover - makes this an async generator

        return rpc

    methods = {
        method.name: (stream if method.server_streaming else unary)(method.name) for method in descriptor.methods
    }
    return type(f"Unimplemented{descriptor.name}", (base,), methods)()
