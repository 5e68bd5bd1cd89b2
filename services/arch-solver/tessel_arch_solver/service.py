"""The arch-solver service definition: what `python -m tessel_arch_solver` runs."""

from __future__ import annotations

from tessel.arch.v1 import arch_pb2, arch_pb2_grpc
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel_arch_solver.api.jobs import run_assembly_job
from tessel_arch_solver.api.servicer import ArchSolverServicer

SERVICE = "arch-solver"


def _setup(runtime: ServiceRuntime) -> None:
    jobs = runtime.add_job_manager(
        JobManager(
            service=SERVICE, resource="assembly", job_type=arch_pb2.AssemblyJob, messaging=runtime.messaging,
            artifacts=runtime.artifacts, run=run_assembly_job,
        )
    )
    arch_pb2_grpc.add_ArchSolverServiceServicer_to_server(ArchSolverServicer(jobs, runtime), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
