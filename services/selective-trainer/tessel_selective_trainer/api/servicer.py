"""SelectiveTrainerService: the five training-job RPCs (generic runtime plumbing) and CertifyRisk."""

from __future__ import annotations

from tessel.runtime.cpu import run_cpu


from google.protobuf.timestamp_pb2 import Timestamp

from tessel.runtime.arrays import array_from_proto
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceRuntime
from tessel.training.v1 import events_pb2, training_pb2, training_pb2_grpc
from tessel_selective_trainer.api.conversions import METHODS, certificate_to_proto
from tessel_selective_trainer.api.jobs import validate_spec
from tessel_selective_trainer.core.certification import certify_risk

CERTIFIED_SUBJECT = "tessel.training.v1.risk_certified"


class SelectiveTrainerServicer(
    job_rpcs("TrainingJob", training_pb2, validate=validate_spec),
    training_pb2_grpc.SelectiveTrainerServiceServicer,
):
    def __init__(self, jobs: JobManager, runtime: ServiceRuntime) -> None:
        self.jobs = jobs
        self.runtime = runtime

    async def CertifyRisk(self, request: training_pb2.CertifyRiskRequest, context) -> training_pb2.CertifyRiskResponse:
        # Decoding and the certificate are CPU work: off the event loop.
        message = await run_cpu(self._certify, request)
        stamp = Timestamp()
        stamp.GetCurrentTime()
        await self.runtime.messaging.publish(CERTIFIED_SUBJECT, events_pb2.RiskCertified(certificate=message, time=stamp))
        return training_pb2.CertifyRiskResponse(certificate=message)

    def _certify(self, request: training_pb2.CertifyRiskRequest) -> training_pb2.RiskCertificate:
        confidence = array_from_proto(request.confidence, field="confidence", kinds="fiub", ndim=1,
                                      artifacts=self.runtime.artifacts)
        errors = array_from_proto(request.errors, field="errors", kinds="fiub", ndim=1, artifacts=self.runtime.artifacts)
        if request.method not in METHODS:
            raise InvalidArgument(f"unknown value {request.method}", field="method")
        certificate = certify_risk(
            confidence, errors, risk_target=request.risk_target, delta=request.delta,
            method=METHODS[request.method], grid_size=request.grid_size or None,
        )
        return certificate_to_proto(certificate)

