"""The pipeline service definition: one job resource, `compression` (the compression pipeline)."""

from __future__ import annotations

from tessel.compress.v1 import compress_pb2, compress_pb2_grpc
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel_pipeline.api.jobs import run_compression_job
from tessel_pipeline.api.servicer import CompressionServicer

SERVICE = "pipeline"


def _setup(runtime: ServiceRuntime) -> None:
    jobs = runtime.add_job_manager(JobManager(
        service=SERVICE, resource="compression", job_type=compress_pb2.CompressionJob, messaging=runtime.messaging,
        artifacts=runtime.artifacts, run=run_compression_job,
    ))
    compress_pb2_grpc.add_CompressionServiceServicer_to_server(CompressionServicer(jobs), runtime.server)


DEFINITION = ServiceDefinition(name=SERVICE, setup=_setup)
