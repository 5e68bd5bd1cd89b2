"""The selective-trainer service definition: what `python -m tessel_selective_trainer` runs."""

from __future__ import annotations

from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel.training.v1 import training_pb2, training_pb2_grpc
from tessel_selective_trainer.api.jobs import run_training_job
from tessel_selective_trainer.api.servicer import SelectiveTrainerServicer

SERVICE = "selective-trainer"


def _setup(runtime: ServiceRuntime) -> None:
    jobs = runtime.add_job_manager(
        JobManager(
            service=SERVICE, resource="training", job_type=training_pb2.TrainingJob, messaging=runtime.messaging,
            artifacts=runtime.artifacts, run=run_training_job,
        )
    )
    training_pb2_grpc.add_SelectiveTrainerServiceServicer_to_server(SelectiveTrainerServicer(jobs, runtime), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
