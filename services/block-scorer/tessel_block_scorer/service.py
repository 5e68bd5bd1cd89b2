"""The block-scorer service definition. Its capability is not built yet: the contract is served and
every RPC answers UNIMPLEMENTED with a message naming the missing capability."""

from __future__ import annotations

from tessel.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from tessel.runtime.placeholder import unimplemented_servicer
from tessel.runtime.server import ServiceDefinition, ServiceRuntime

_SERVICE = scoring_pb2.DESCRIPTOR.services_by_name["BlockScorerService"]


def _setup(runtime: ServiceRuntime) -> None:
    servicer = unimplemented_servicer(scoring_pb2_grpc.BlockScorerServiceServicer, _SERVICE, "the block-scorer capability (replace-one-block KL scoring and cost measurement)")
    scoring_pb2_grpc.add_BlockScorerServiceServicer_to_server(servicer, runtime.server)


DEFINITION = ServiceDefinition(name="block-scorer", setup=_setup)
