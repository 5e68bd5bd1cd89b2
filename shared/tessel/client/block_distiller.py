"""Client of the block-distiller service: library and global-KD jobs."""

from __future__ import annotations

from tessel.client.jobs import JobClient
from tessel.distill.v1 import distill_pb2, distill_pb2_grpc


class BlockDistillerClient(JobClient):
    service_name = "block-distiller"
    stub_type = distill_pb2_grpc.BlockDistillerServiceStub
    resource = "DistillationJob"
    messages = distill_pb2
