"""BlockDistillerService: the five job RPCs over the runtime's JobManager."""

from __future__ import annotations

from tessel.distill.v1 import distill_pb2, distill_pb2_grpc
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel_block_distiller.api.jobs import validate_spec


class BlockDistillerServicer(
    job_rpcs("DistillationJob", distill_pb2, validate=validate_spec),
    distill_pb2_grpc.BlockDistillerServiceServicer,
):
    def __init__(self, jobs: JobManager) -> None:
        self.jobs = jobs

