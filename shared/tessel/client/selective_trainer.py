"""Client of the selective-trainer service: training jobs and SGR risk certificates."""

from __future__ import annotations

import numpy as np

from tessel.client.base import encode_array
from tessel.client.jobs import JobClient
from tessel.training.v1 import training_pb2, training_pb2_grpc

METHODS = {
    "sgr": training_pb2.CERTIFICATION_METHOD_SGR,
    "fixed-sequence": training_pb2.CERTIFICATION_METHOD_FIXED_SEQUENCE,
    "bonferroni": training_pb2.CERTIFICATION_METHOD_BONFERRONI,
}


class SelectiveTrainerClient(JobClient):
    service_name = "selective-trainer"
    stub_type = training_pb2_grpc.SelectiveTrainerServiceStub
    resource = "TrainingJob"
    messages = training_pb2

    async def certify_risk(
        self,
        confidence: np.ndarray,
        errors: np.ndarray,
        *,
        risk_target: float,
        delta: float,
        method: str = "sgr",
        grid_size: int = 0,
    ) -> training_pb2.RiskCertificate:
        request = training_pb2.CertifyRiskRequest(
            confidence=encode_array(confidence), errors=encode_array(errors), risk_target=risk_target,
            delta=delta, method=METHODS[method], grid_size=grid_size,
        )
        return (await self.stub.CertifyRisk(request)).certificate
