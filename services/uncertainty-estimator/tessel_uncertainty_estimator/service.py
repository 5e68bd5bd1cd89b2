"""The uncertainty-estimator service definition. Its capability is not built yet: the contract is served and
every RPC answers UNIMPLEMENTED with a message naming the missing capability."""

from __future__ import annotations

from tessel.uncertainty.v1 import uncertainty_pb2, uncertainty_pb2_grpc
from tessel.runtime.placeholder import unimplemented_servicer
from tessel.runtime.server import ServiceDefinition, ServiceRuntime

_SERVICE = uncertainty_pb2.DESCRIPTOR.services_by_name["UncertaintyEstimatorService"]


def _setup(runtime: ServiceRuntime) -> None:
    servicer = unimplemented_servicer(uncertainty_pb2_grpc.UncertaintyEstimatorServiceServicer, _SERVICE, "the uncertainty-estimator capability (SR, MC-dropout, PES/AES)")
    uncertainty_pb2_grpc.add_UncertaintyEstimatorServiceServicer_to_server(servicer, runtime.server)


DEFINITION = ServiceDefinition(name="uncertainty-estimator", setup=_setup)
