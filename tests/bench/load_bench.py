"""Load benchmark (`make bench`): the metrics service under many concurrent clients.

The service runs as its own process (`python -m tessel_metrics`, real nats-server); 200 clients (4 client
processes x 50 concurrent callers) send ComputeRiskCoverage calls of 10^4 points for a fixed time, while a
separate prober checks grpc.health.v1 every 100 ms. Reported: requests/s, latency p50/p99, the service's
peak RSS, errors by code (RESOURCE_EXHAUSTED counts: the cap refusing a call is load shedding, not a
failure, and is shown apart), and the health checks' p99 and maximum (the chart's probes time out at 1 s).
Absolute figures are context for this machine; the claims are errors = 0 and health staying prompt.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, result_name, write_results

NAME = "load"
CLIENT = r"""
import asyncio, json, sys, time
import grpc, numpy as np
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc
from tessel.runtime.arrays import array_to_proto

async def main(address, callers, seconds, points):
    rng = np.random.default_rng(0)
    request = metrics_pb2.ComputeRiskCoverageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE, labels=array_to_proto(rng.integers(0, 2, points)),
        predictions=array_to_proto(rng.integers(0, 2, points)), confidence=array_to_proto(rng.random(points)),
        max_curve_points=100)
    latencies, codes = [], {}
    async with grpc.aio.insecure_channel(address) as channel:
        stub = metrics_pb2_grpc.MetricsServiceStub(channel)
        deadline = time.monotonic() + seconds
        async def caller():
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    await stub.ComputeRiskCoverage(request, timeout=60)
                    code = "OK"
                except grpc.aio.AioRpcError as error:
                    code = error.code().name
                codes[code] = codes.get(code, 0) + 1
                if code == "OK":
                    latencies.append(time.monotonic() - started)
        await asyncio.gather(*[caller() for _ in range(callers)])
    print(json.dumps({"latencies": latencies, "codes": codes}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])))
"""
PROBER = r"""
import json, sys, time
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
channel = grpc.insecure_channel(sys.argv[1])
stub = health_pb2_grpc.HealthStub(channel)
deadline, latencies, failures = time.monotonic() + float(sys.argv[2]), [], 0
while time.monotonic() < deadline:
    started = time.monotonic()
    try:
        stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        latencies.append(time.monotonic() - started)
    except grpc.RpcError:
        failures += 1
    time.sleep(0.1)
print(json.dumps({"latencies": latencies, "failures": failures}))
"""


def _start_nats(store: Path) -> tuple[subprocess.Popen, str]:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import start_nats_server

    return start_nats_server(store)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_serving(address: str, timeout: float) -> None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=2).status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"the metrics service at {address} did not become SERVING")


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else float("nan")


def run(clients: int, processes: int, seconds: float, points: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="tessel-load-bench-") as scratch:
        nats, nats_url = _start_nats(Path(scratch))
        port = _free_port()
        address = f"127.0.0.1:{port}"
        env = {**os.environ, "TESSEL_HOME": str(Path(scratch) / "home"), "TESSEL_NATS_URL": nats_url,
               "TESSEL_GRPC_HOST": "127.0.0.1", "TESSEL_GRPC_PORT": str(port)}
        service = subprocess.Popen([sys.executable, "-m", "tessel_metrics"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_serving(address, 120)
            rss_idle = _peak_rss_mib(service.pid)
            per_process = clients // processes
            started = time.monotonic()
            load = [subprocess.Popen([sys.executable, "-c", CLIENT, address, str(per_process), str(seconds), str(points)],
                                     env=env, stdout=subprocess.PIPE) for _ in range(processes)]
            prober = subprocess.Popen([sys.executable, "-c", PROBER, address, str(seconds)], env=env, stdout=subprocess.PIPE)
            outputs = [json.loads(p.communicate(timeout=seconds + 300)[0]) for p in load]
            elapsed = time.monotonic() - started
            probes = json.loads(prober.communicate(timeout=60)[0])
            rss_peak = _peak_rss_mib(service.pid)
        finally:
            service.terminate()
            service.wait(timeout=30)
            nats.terminate()
            nats.wait(timeout=10)
    latencies = [value for output in outputs for value in output["latencies"]]
    codes: dict[str, int] = {}
    for output in outputs:
        for code, count in output["codes"].items():
            codes[code] = codes.get(code, 0) + count
    errors = sum(count for code, count in codes.items() if code not in ("OK", "RESOURCE_EXHAUSTED"))
    return {
        "clients": per_process * processes, "client_processes": processes, "seconds": elapsed, "points_per_call": points,
        "requests_ok": codes.get("OK", 0), "requests_per_second": codes.get("OK", 0) / elapsed,
        "shed_resource_exhausted": codes.get("RESOURCE_EXHAUSTED", 0), "errors": errors, "codes": codes,
        "latency_p50_ms": 1e3 * _percentile(latencies, 50), "latency_p99_ms": 1e3 * _percentile(latencies, 99),
        "service_rss_idle_mib": rss_idle, "service_rss_peak_mib": rss_peak,
        "health_checks": len(probes["latencies"]), "health_failures": probes["failures"],
        "health_p99_ms": 1e3 * _percentile(probes["latencies"], 99),
        "health_max_ms": 1e3 * max(probes["latencies"], default=float("nan")),
    }


def markdown(result: dict) -> str:
    return "\n".join([
        "## Load: the metrics service under concurrent clients", "",
        f"{result['clients']} clients in {result['client_processes']} processes, ComputeRiskCoverage of "
        f"{result['points_per_call']:,} points, {result['seconds']:.0f} s; the service in its own process.", "",
        "| req/s | p50 ms | p99 ms | errors | shed (RESOURCE_EXHAUSTED) | RSS idle → peak MiB | health p99 / max ms | health failures |",
        "|---|---|---|---|---|---|---|---|",
        f"| {result['requests_per_second']:.1f} | {result['latency_p50_ms']:.0f} | {result['latency_p99_ms']:.0f} | "
        f"{result['errors']} | {result['shed_resource_exhausted']} | {result['service_rss_idle_mib']:.0f} → "
        f"{result['service_rss_peak_mib']:.0f} | {result['health_p99_ms']:.0f} / {result['health_max_ms']:.0f} | "
        f"{result['health_failures']} |",
        "", "Absolute figures are for this machine; the claim is errors = 0 with health answering promptly.",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="50 clients for 10 s")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds = 50, 10.0
    result = run(args.clients, args.processes, args.seconds, args.points)
    write_results(result_name(NAME, args.quick), {"parameters": vars(args) | {"out": None}, "result": result},
                  markdown(result), args.out)
    print(markdown(result))
    return 0 if result["errors"] == 0 and result["health_failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
