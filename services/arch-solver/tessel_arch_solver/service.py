"""The arch-solver service definition. Its capability is not built yet: the contract is served and
every RPC answers UNIMPLEMENTED with a message naming the missing capability."""

from __future__ import annotations

from tessel.arch.v1 import arch_pb2, arch_pb2_grpc
from tessel.runtime.placeholder import unimplemented_servicer
from tessel.runtime.server import ServiceDefinition, ServiceRuntime

_SERVICE = arch_pb2.DESCRIPTOR.services_by_name["ArchSolverService"]


def _setup(runtime: ServiceRuntime) -> None:
    servicer = unimplemented_servicer(arch_pb2_grpc.ArchSolverServiceServicer, _SERVICE, "the arch-solver capability (MIP search and assembly)")
    arch_pb2_grpc.add_ArchSolverServiceServicer_to_server(servicer, runtime.server)


DEFINITION = ServiceDefinition(name="arch-solver", setup=_setup)
