"""The active-learner service definition: what `python -m tessel_active_learner` runs."""

from __future__ import annotations

from functools import partial

from tessel.active.v1 import active_pb2, active_pb2_grpc
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel_active_learner.api.servicer import ActiveLearnerServicer
from tessel_active_learner.api.sessions import run_session

SERVICE = "active-learner"


def _setup(runtime: ServiceRuntime) -> None:
    # "sessions" is interactive: a session waiting for labels is parked (JOB_STATE_WAITING), not holding a worker.
    jobs = runtime.add_job_manager(
        JobManager(
            service=SERVICE, resource="sessions", job_type=active_pb2.Session, messaging=runtime.messaging,
            artifacts=runtime.artifacts, run=partial(run_session, messaging=runtime.messaging),
        )
    )
    active_pb2_grpc.add_ActiveLearnerServiceServicer_to_server(ActiveLearnerServicer(jobs, runtime), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
