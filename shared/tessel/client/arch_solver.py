"""Client of the arch-solver service: Solve, SolveSweep and assembly jobs."""

from __future__ import annotations

from tessel.arch.v1 import arch_pb2, arch_pb2_grpc
from tessel.client.jobs import JobClient


class ArchSolverClient(JobClient):
    service_name = "arch-solver"
    stub_type = arch_pb2_grpc.ArchSolverServiceStub
    resource = "AssemblyJob"
    messages = arch_pb2

    async def solve(self, request: arch_pb2.SolveRequest) -> arch_pb2.SolveResponse:
        return await self.stub.Solve(request)

    async def solve_sweep(self, request: arch_pb2.SolveSweepRequest) -> arch_pb2.SolveSweepResponse:
        return await self.stub.SolveSweep(request)
