"""The local stack end to end through the real CLI: up → every service SERVING (progress per service) →
work commands → down, with no process or port left behind. The one test module that starts them all."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import numpy as np
import pytest

from tessel.catalog import SERVICES

pytestmark = pytest.mark.nats
TESSEL = str(Path(sys.executable).parent / "tessel")


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("stack-home")
    env = {**os.environ, "TESSEL_HOME": str(home)}
    for service in SERVICES:
        env.pop(service.address_variable, None)
    yield env
    subprocess.run([TESSEL, "stack", "down"], env=env, capture_output=True, timeout=120)


def tessel(env, *args, check=True):
    result = subprocess.run([TESSEL, *args], env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def started(stack_env):
    return tessel(stack_env, "stack", "up", "--json")


@pytest.fixture(scope="module")
def running_stack(started):
    return json.loads(started.stdout)["services"]


def test_up_brings_every_service_to_serving(running_stack):
    assert [s["name"] for s in running_stack] == [s.name for s in SERVICES]
    assert all(s["health"] == "SERVING" for s in running_stack), running_stack


def test_up_reports_each_service_started_and_healthy_with_its_time(started):
    lines = started.stderr.splitlines()
    assert re.fullmatch(r"nats +started after \d+\.\ds", lines[0])
    for service in SERVICES:
        assert f"{service.name:<22} started" in lines
        (healthy,) = [line for line in lines if line.startswith(f"{service.name} ") and "healthy" in line]
        assert re.fullmatch(rf"{service.name} +healthy after \d+\.\ds", healthy)
    assert re.fullmatch(r"stack up in \d+\.\ds", lines[-1])


def test_up_is_idempotent(stack_env, running_stack):
    again = json.loads(tessel(stack_env, "stack", "up", "--json").stdout)["services"]
    assert [s["pid"] for s in again] == [s["pid"] for s in running_stack]


def test_status_prints_one_row_per_service(stack_env, running_stack):
    table = tessel(stack_env, "stack", "status").stdout
    for service in running_stack:
        assert service["name"] in table and service["address"] in table


def test_metrics_commands_give_correct_numbers(stack_env, running_stack, tmp_path):
    labels, predictions = np.array([0, 0, 0, 1, 1, 2]), np.array([0, 0, 1, 1, 1, 2])
    confidence = np.array([0.9, 0.8, 0.3, 0.7, 0.6, 0.5])
    for name, values in {"y": labels, "p": predictions, "c": confidence}.items():
        np.save(tmp_path / f"{name}.npy", values)
    y, p, c = (str(tmp_path / f"{n}.npy") for n in "ypc")

    pa = json.loads(tessel(stack_env, "metrics", "pa", "--loss", "zero_one", "--labels", y, "--predictions", p, "--json").stdout)
    assert pa == pytest.approx({"prediction_advantage": 1 - (1 / 6) / 0.5, "risk": 1 / 6, "baseline_risk": 0.5,
                                "loss": "zero_one", "n": 6})

    aurc = json.loads(tessel(stack_env, "metrics", "aurc", "--labels", y, "--predictions", p, "--confidence", c, "--json").stdout)
    curve = [0, 0, 0, 0, 0, 1 / 6]  # the one error has the lowest confidence
    assert aurc["aurc"] == pytest.approx(np.mean(curve)) and aurc["e_aurc"] == pytest.approx(0.0)
    assert set(aurc) == {"aurc", "e_aurc", "optimal_aurc", "error_rate", "n"}

    plot = tmp_path / "rc.png"
    rc = json.loads(tessel(stack_env, "metrics", "rc", "--labels", y, "--predictions", p, "--confidence", c,
                           "--coverage", "0.5", "--risk", "0.1", "--plot", str(plot), "--json").stdout)
    assert rc["risk_at_coverage"] == 0.0 and rc["coverage_at_risk"] == pytest.approx(5 / 6)
    assert rc["curve"]["risk"] == pytest.approx(curve)
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bad_input_exits_2_with_one_line(stack_env, running_stack, tmp_path):
    np.save(tmp_path / "y.npy", np.array([0, 1, 1]))
    np.save(tmp_path / "p.npy", np.array([0, 1]))
    result = tessel(stack_env, "metrics", "pa", "--loss", "zero_one", "--labels", str(tmp_path / "y.npy"),
                    "--predictions", str(tmp_path / "p.npy"), check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "predictions" in result.stderr
    assert "Traceback" not in result.stderr


def test_arch_solver_refuses_a_solve_without_its_scored_library(running_stack):
    from tessel.arch.v1 import arch_pb2, arch_pb2_grpc

    address = next(s["address"] for s in running_stack if s["name"] == "arch-solver")
    with grpc.insecure_channel(address) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            arch_pb2_grpc.ArchSolverServiceStub(channel).Solve(arch_pb2.SolveRequest(), timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "scored_library" in caught.value.details()


def test_down_leaves_no_process_or_port_behind(stack_env, running_stack):
    state = json.loads((Path(stack_env["TESSEL_HOME"]) / "stack" / "state.json").read_text())
    pids = [state["nats"]["pid"], *(record["pid"] for record in state["services"].values())]
    addresses = [state["nats"]["address"], *(record["address"] for record in state["services"].values())]
    down = json.loads(tessel(stack_env, "stack", "down", "--json").stdout)
    assert down["stopped"] == [*(s.name for s in SERVICES), "nats"]
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split(") ")[1][:1]
    for address in addresses:
        host, port = address.rsplit(":", 1)
        with socket.socket() as probe:
            assert probe.connect_ex((host, int(port))) != 0, f"{address} still accepts connections"
    assert json.loads(tessel(stack_env, "stack", "status", "--json").stdout)["services"] == [
        {"name": s.name, "address": "-", "health": "STOPPED", "pid": 0} for s in SERVICES
    ]


def test_work_commands_without_a_stack_say_so(stack_env, tmp_path):
    np.save(tmp_path / "y.npy", np.array([0, 1]))
    y = str(tmp_path / "y.npy")
    env = {**stack_env, "TESSEL_HOME": str(tmp_path / "empty-home")}
    result = tessel(env, "metrics", "pa", "--loss", "zero_one", "--labels", y, "--predictions", y, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no Tessel stack is running (start one with `tessel stack up`, or set TESSEL_METRICS_ADDRESS)"
    )


def test_up_of_an_unknown_service_names_the_flag(stack_env, tmp_path):
    env = {**stack_env, "TESSEL_HOME": str(tmp_path / "other-home")}
    result = tessel(env, "stack", "up", "--service", "metrcs", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --service: no such service: metrcs (have metrics, ")
    assert not (tmp_path / "other-home" / "stack" / "state.json").exists()
