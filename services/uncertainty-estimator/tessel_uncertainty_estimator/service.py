"""The uncertainty-estimator service definition: what `python -m tessel_uncertainty_estimator` runs."""

from __future__ import annotations

from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel.uncertainty.v1 import uncertainty_pb2, uncertainty_pb2_grpc
from tessel_uncertainty_estimator.api.jobs import run_estimation_job
from tessel_uncertainty_estimator.api.servicer import servicer_for

SERVICE = "uncertainty-estimator"


def _setup(runtime: ServiceRuntime) -> None:
    jobs = runtime.add_job_manager(
        JobManager(
            service=SERVICE, resource="estimation", job_type=uncertainty_pb2.EstimationJob,
            messaging=runtime.messaging, artifacts=runtime.artifacts, run=run_estimation_job,
        )
    )
    uncertainty_pb2_grpc.add_UncertaintyEstimatorServiceServicer_to_server(servicer_for(jobs, runtime), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
