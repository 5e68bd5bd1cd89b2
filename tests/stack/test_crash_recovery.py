"""Crashes of the local stack's processes lose nothing. Only NATS and the selective-trainer run here.

- A service killed mid-job (SIGKILL, no goodbye): `tessel stack up` restarts it and the job resumes on
  the new process and finishes; the job record shows the second attempt. The trainer is frozen
  (SIGSTOP) the moment the job reports progress, so it cannot finish before it is killed.
- NATS killed: `tessel stack up` starts it again on the same port, so the running services reconnect
  by themselves and a job created before the crash still finishes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tessel.common.v1 import job_pb2
from tessel.training.v1 import training_pb2

pytestmark = pytest.mark.nats
TESSEL = str(Path(sys.executable).parent / "tessel")
UP = [TESSEL, "stack", "up", "--service", "selective-trainer", "--json"]


@pytest.fixture(scope="module")
def stack_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("crash-home")
    env = {**os.environ, "TESSEL_HOME": str(home), "TESSEL_WORK_ACK_WAIT_SECONDS": "2"}
    env.pop("TESSEL_SELECTIVE_TRAINER_ADDRESS", None)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("TESSEL_SELECTIVE_TRAINER_ADDRESS", raising=False)
        from tessel.runtime.settings import get_settings

        get_settings.cache_clear()
        subprocess.run(UP, env=env, check=True, capture_output=True, timeout=300)
        yield env
        subprocess.run([TESSEL, "stack", "down"], env=env, capture_output=True, timeout=120)
        get_settings.cache_clear()


def state_of(env) -> dict:
    return json.loads((Path(env["TESSEL_HOME"]) / "stack" / "state.json").read_text())


async def stack_up(env) -> dict:
    result = await asyncio.to_thread(subprocess.run, UP, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return {s["name"]: s for s in json.loads(result.stdout)["services"]}


def spec(epochs: int) -> training_pb2.TrainingJobSpec:
    return training_pb2.TrainingJobSpec(
        dataset="digits", backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP, hidden_sizes=[32]),
        max_epochs=epochs, patience=epochs, seed=1, device="cpu",
    )


async def finish(job_id: str):
    from tessel.client.selective_trainer import SelectiveTrainerClient

    async with SelectiveTrainerClient() as client:
        final = None
        async for final in client.watch(job_id):
            pass
    return final


async def test_killed_trainer_resumes_its_job_after_restart(stack_env):
    from tessel.client.selective_trainer import SelectiveTrainerClient

    pid = state_of(stack_env)["services"]["selective-trainer"]["pid"]
    async with SelectiveTrainerClient() as client:
        job = await client.create(spec(epochs=4))
        async for record in client.watch(job.job.id):
            if record.job.state == job_pb2.JOB_STATE_RUNNING and record.job.progress.done >= 1:
                os.kill(pid, signal.SIGSTOP)  # frozen mid-job: it can neither finish nor ack
                break
    os.kill(pid, signal.SIGKILL)

    services = await stack_up(stack_env)
    assert services["selective-trainer"]["health"] == "SERVING" and services["selective-trainer"]["pid"] != pid
    assert {name for name, s in services.items() if s["health"] == "SERVING"} == {"selective-trainer"}
    final = await finish(job.job.id)
    assert final.job.state == job_pb2.JOB_STATE_SUCCEEDED, final.job.error.reason
    assert final.job.attempt == 2
    assert final.result.model.sha256 and final.result.epochs_run == 4


async def test_nats_restarts_on_its_port_and_the_services_carry_on(stack_env):
    from tessel.client.selective_trainer import SelectiveTrainerClient

    before = state_of(stack_env)
    async with SelectiveTrainerClient() as client:
        job = await client.create(spec(epochs=3))
    os.kill(before["nats"]["pid"], signal.SIGKILL)

    services = await stack_up(stack_env)
    after = state_of(stack_env)
    assert after["nats"]["pid"] != before["nats"]["pid"]
    assert after["nats"]["address"] == before["nats"]["address"] and after["nats_url"] == before["nats_url"]
    assert services["selective-trainer"]["pid"] == before["services"]["selective-trainer"]["pid"]  # not restarted
    final = await finish(job.job.id)
    assert final.job.state == job_pb2.JOB_STATE_SUCCEEDED, final.job.error.reason
    assert final.result.epochs_run == 3
