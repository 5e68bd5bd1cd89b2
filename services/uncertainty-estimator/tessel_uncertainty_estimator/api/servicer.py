"""UncertaintyEstimatorService: the five estimation-job RPCs (generic runtime plumbing), EstimateConfidence and
EstimateClozeConfidence."""

from __future__ import annotations

import asyncio

from tessel.runtime.arrays import array_from_proto, array_to_proto
from tessel.runtime.cpu import run_cpu
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceRuntime
from tessel.uncertainty.v1 import uncertainty_pb2, uncertainty_pb2_grpc
from tessel_uncertainty_estimator.api.cloze import cloze_request, estimate_cloze
from tessel_uncertainty_estimator.api.conversions import MC_CONFIDENCES, METHODS, enum_value, validate_spec
from tessel_uncertainty_estimator.api.jobs import check_artifacts
from tessel_uncertainty_estimator.core.outputs import confidence_from_outputs

OUTPUT_FIELDS = ("logits", "probabilities", "stacked_probabilities")


def servicer_for(jobs: JobManager, runtime: ServiceRuntime) -> uncertainty_pb2_grpc.UncertaintyEstimatorServiceServicer:
    def validate(spec: uncertainty_pb2.EstimationJobSpec) -> None:  # Create: spec fields, then the artifacts
        validate_spec(spec)
        check_artifacts(runtime.artifacts, spec)

    class UncertaintyEstimatorServicer(
        job_rpcs("EstimationJob", uncertainty_pb2, validate=validate),
        uncertainty_pb2_grpc.UncertaintyEstimatorServiceServicer,
    ):
        async def EstimateConfidence(self, request, context) -> uncertainty_pb2.EstimateConfidenceResponse:
            method = enum_value(METHODS, request.method, "method")
            mc_kind = enum_value(MC_CONFIDENCES, request.mc_dropout_confidence, "mc_dropout_confidence")
            # inline only: this RPC is for small sets (estimation jobs read artifacts)
            arrays = {name: array_from_proto(getattr(request, name), field=name)
                      for name in OUTPUT_FIELDS if request.HasField(name)}
            labels = array_from_proto(request.labels, field="labels") if request.HasField("labels") else None
            result = await asyncio.to_thread(confidence_from_outputs, method, mc_kind=mc_kind, labels=labels, **arrays)
            response = uncertainty_pb2.EstimateConfidenceResponse(
                predictions=array_to_proto(result.predictions), confidence=array_to_proto(result.confidence))
            if result.errors is not None:
                response.errors.CopyFrom(array_to_proto(result.errors))
            return response

        async def EstimateClozeConfidence(self, request, context) -> uncertainty_pb2.EstimateClozeConfidenceResponse:
            # resolving a shipped name may build it, so both steps run off the event loop
            cloze = await run_cpu(cloze_request, request)
            return await run_cpu(estimate_cloze, cloze, runtime.artifacts)

    servicer = UncertaintyEstimatorServicer()
    servicer.jobs = jobs
    return servicer
