"""Client of the pipeline service: compression jobs (library -> scoring -> solve -> assembly -> global KD ->
evaluation, driven over the other services)."""

from __future__ import annotations

from tessel.client.jobs import JobClient
from tessel.compress.v1 import compress_pb2, compress_pb2_grpc


class CompressionClient(JobClient):
    service_name = "pipeline"
    stub_type = compress_pb2_grpc.CompressionServiceStub
    resource = "CompressionJob"
    messages = compress_pb2
