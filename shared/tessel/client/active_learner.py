"""Client of the active-learner service: sessions, their queries and labels, and coreset selection."""

from __future__ import annotations

import numpy as np

from tessel.active.v1 import active_pb2, active_pb2_grpc
from tessel.client.base import encode_array
from tessel.client.jobs import JobClient

STRATEGIES = {
    "random": active_pb2.QUERY_STRATEGY_RANDOM,
    "least-confidence": active_pb2.QUERY_STRATEGY_LEAST_CONFIDENCE,
    "margin": active_pb2.QUERY_STRATEGY_MARGIN,
    "entropy": active_pb2.QUERY_STRATEGY_ENTROPY,
    "mc-dropout": active_pb2.QUERY_STRATEGY_MC_DROPOUT,
    "coreset": active_pb2.QUERY_STRATEGY_CORESET,
}
ORACLES = {"simulated": active_pb2.ORACLE_SIMULATED, "external": active_pb2.ORACLE_EXTERNAL}
POLICIES = {"fixed": active_pb2.ARCHITECTURE_POLICY_FIXED, "inas": active_pb2.ARCHITECTURE_POLICY_INAS}


class ActiveLearnerClient(JobClient):
    service_name = "active-learner"
    stub_type = active_pb2_grpc.ActiveLearnerServiceStub
    resource = "Session"
    messages = active_pb2
    field = "session"
    plural_field = "sessions"

    async def query(self, session_id: str, count: int = 0) -> active_pb2.QueryResponse:
        return await self.stub.Query(active_pb2.QueryRequest(session_id=session_id, count=count))

    async def submit_labels(self, session_id: str, indices, labels) -> active_pb2.SubmitLabelsResponse:
        request = active_pb2.SubmitLabelsRequest(session_id=session_id, indices=[int(i) for i in indices],
                                                 labels=[int(y) for y in labels])
        return await self.stub.SubmitLabels(request)

    async def select_coreset(self, embeddings: np.ndarray, initial, count: int) -> active_pb2.SelectCoresetResponse:
        request = active_pb2.SelectCoresetRequest(embeddings=encode_array(np.asarray(embeddings)),
                                                  initial=[int(i) for i in initial], count=count)
        return await self.stub.SelectCoreset(request)
