"""The active-learner service definition. Its capability is not built yet: the contract is served and
every RPC answers UNIMPLEMENTED with a message naming the missing capability."""

from __future__ import annotations

from tessel.active.v1 import active_pb2, active_pb2_grpc
from tessel.runtime.placeholder import unimplemented_servicer
from tessel.runtime.server import ServiceDefinition, ServiceRuntime

_SERVICE = active_pb2.DESCRIPTOR.services_by_name["ActiveLearnerService"]


def _setup(runtime: ServiceRuntime) -> None:
    servicer = unimplemented_servicer(active_pb2_grpc.ActiveLearnerServiceServicer, _SERVICE, "the active-learner capability (coreset, uncertainty sampling, iNAS)")
    active_pb2_grpc.add_ActiveLearnerServiceServicer_to_server(servicer, runtime.server)


DEFINITION = ServiceDefinition(name="active-learner", setup=_setup)
