"""Under load the event loop stays free: CPU work runs on a bounded pool, calls past the cap are refused
with RESOURCE_EXHAUSTED, and health checks answer promptly (the chart's probes time out at a few seconds).
The load comes from another process, so only the service's own loop is measured."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tessel_metrics.service import DEFINITION

pytestmark = pytest.mark.nats

LOAD = """
import asyncio, json, sys
import grpc, numpy as np
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc
from tessel.runtime.arrays import array_to_proto

async def main(address, calls, n):
    rng = np.random.default_rng(0)
    request = metrics_pb2.ComputeRiskCoverageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE, labels=array_to_proto(rng.integers(0, 2, n)),
        predictions=array_to_proto(rng.integers(0, 2, n)), confidence=array_to_proto(rng.random(n)),
        max_curve_points=10)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = metrics_pb2_grpc.MetricsServiceStub(channel)
        async def one():
            try:
                await stub.ComputeRiskCoverage(request, timeout=120)
                return "OK"
            except grpc.aio.AioRpcError as error:
                return error.code().name
        print("ready", flush=True)
        print(json.dumps(await asyncio.gather(*[one() for _ in range(calls)])), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""


async def _load(address: str, calls: int, n: int) -> tuple[list[str], list[float]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOAD, address, str(calls), str(n), stdout=asyncio.subprocess.PIPE
    )
    assert (await process.stdout.readline()).strip() == b"ready"
    latencies = []
    async with grpc.aio.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while process.returncode is None:
            started = time.monotonic()
            reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            latencies.append(time.monotonic() - started)
            try:
                await asyncio.wait_for(process.wait(), 0.05)
            except asyncio.TimeoutError:
                pass
    codes = json.loads((await process.stdout.read()).decode())
    return codes, latencies


async def test_health_answers_promptly_under_concurrent_heavy_calls(start):
    service = await start(DEFINITION)
    codes, latencies = await _load(service.address, calls=20, n=200_000)
    assert codes == ["OK"] * 20
    assert len(latencies) >= 3 and max(latencies) < 1.0, latencies


async def test_calls_past_the_cap_are_refused_with_resource_exhausted(start, settings):
    from tessel.runtime.server import start_service

    service = await start_service(DEFINITION, settings.model_copy(update={"max_concurrent_rpcs": 2}))
    try:
        codes, _ = await _load(service.address, calls=12, n=200_000)
    finally:
        await service.stop()
    assert set(codes) == {"OK", "RESOURCE_EXHAUSTED"} and codes.count("OK") >= 2
