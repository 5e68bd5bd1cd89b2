"""ArchSolverService: Solve and SolveSweep (unary, CPU work off the event loop) and the five
assembly-job RPCs over the runtime's JobManager."""

from __future__ import annotations

import asyncio

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.arch.v1 import arch_pb2, arch_pb2_grpc, events_pb2
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceRuntime
from tessel_arch_solver.api.jobs import validate_spec
from tessel_arch_solver.api.solving import solve_request, sweep_request

ARCHITECTURE_SOLVED_SUBJECT = "tessel.arch.v1.architecture_solved"


class ArchSolverServicer(
    job_rpcs("AssemblyJob", arch_pb2, validate=validate_spec),
    arch_pb2_grpc.ArchSolverServiceServicer,
):
    def __init__(self, jobs: JobManager, runtime: ServiceRuntime) -> None:
        self.jobs = jobs
        self.runtime = runtime

    async def Solve(self, request: arch_pb2.SolveRequest, context) -> arch_pb2.SolveResponse:
        response = await asyncio.to_thread(solve_request, request, self.runtime.artifacts)
        stamp = Timestamp()
        stamp.GetCurrentTime()
        for solution in response.solutions:
            await self.runtime.messaging.publish(ARCHITECTURE_SOLVED_SUBJECT, events_pb2.ArchitectureSolved(
                solution=solution, scored_library=request.scored_library, budget=request.budget, time=stamp))
        return response

    async def SolveSweep(self, request: arch_pb2.SolveSweepRequest, context) -> arch_pb2.SolveSweepResponse:
        return await asyncio.to_thread(sweep_request, request, self.runtime.artifacts)
