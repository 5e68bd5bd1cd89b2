"""The block-scorer service definition: what `python -m tessel_block_scorer` runs (two job resources:
`scoring` replace-one-block quality + costs of a library, `measurement` the end-to-end cost-model check)."""

from __future__ import annotations

from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from tessel_block_scorer.api.jobs import run_measurement_job, run_scoring_job
from tessel_block_scorer.api.servicer import BlockScorerServicer

SERVICE = "block-scorer"


def _setup(runtime: ServiceRuntime) -> None:
    def manager(resource: str, job_type, run) -> JobManager:
        return runtime.add_job_manager(JobManager(
            service=SERVICE, resource=resource, job_type=job_type, messaging=runtime.messaging,
            artifacts=runtime.artifacts, run=run,
        ))

    scoring = manager("scoring", scoring_pb2.ScoringJob, run_scoring_job)
    measurement = manager("measurement", scoring_pb2.MeasurementJob, run_measurement_job)
    scoring_pb2_grpc.add_BlockScorerServiceServicer_to_server(BlockScorerServicer(scoring, measurement), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
