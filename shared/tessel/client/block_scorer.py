"""Client of the block-scorer service: scoring jobs (replace-one-block quality + costs of a library) and
measurement jobs (an assembled architecture end to end vs the additive prediction)."""

from __future__ import annotations

from tessel.client.base import ServiceClient
from tessel.client.jobs import JobClient
from tessel.scoring.v1 import scoring_pb2, scoring_pb2_grpc


class _ScorerJobs(JobClient):
    """One job resource of the block-scorer, on the channel of its `BlockScorerClient`."""

    service_name = "block-scorer"
    stub_type = scoring_pb2_grpc.BlockScorerServiceStub
    messages = scoring_pb2

    def __init__(self, owner: ServiceClient, resource: str) -> None:  # shares the owner's channel
        self.address, self.channel, self.stub = owner.address, owner.channel, owner.stub
        self.resource = resource


class BlockScorerClient(ServiceClient):
    """`scoring` and `measurement` each have create/get/watch/cancel/list/submit_and_watch."""

    service_name = "block-scorer"
    stub_type = scoring_pb2_grpc.BlockScorerServiceStub

    def __init__(self, address: str | None = None, **kwargs) -> None:
        super().__init__(address, **kwargs)
        self.scoring = _ScorerJobs(self, "ScoringJob")
        self.measurement = _ScorerJobs(self, "MeasurementJob")
