"""The block-distiller service definition: what `python -m tessel_block_distiller` runs."""

from __future__ import annotations

from tessel.distill.v1 import distill_pb2, distill_pb2_grpc
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel_block_distiller.api.jobs import kind_of, run_distillation_job
from tessel_block_distiller.api.servicer import BlockDistillerServicer

SERVICE = "block-distiller"


def _setup(runtime: ServiceRuntime) -> None:
    jobs = runtime.add_job_manager(
        JobManager(
            service=SERVICE,
            resource="distillation",
            job_type=distill_pb2.DistillationJob,
            messaging=runtime.messaging,
            artifacts=runtime.artifacts,
            run=run_distillation_job,
            kind_of=kind_of,
        )
    )
    distill_pb2_grpc.add_BlockDistillerServiceServicer_to_server(BlockDistillerServicer(jobs), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
