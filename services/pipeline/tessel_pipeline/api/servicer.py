"""CompressionService: the five job-resource RPCs over the `compression` JobManager."""

from __future__ import annotations

from tessel.compress.v1 import compress_pb2, compress_pb2_grpc
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel_pipeline.api.jobs import validate_compression_spec


class CompressionServicer(job_rpcs("CompressionJob", compress_pb2, validate=validate_compression_spec),
                          compress_pb2_grpc.CompressionServiceServicer):
    def __init__(self, jobs: JobManager) -> None:
        self.jobs = jobs
