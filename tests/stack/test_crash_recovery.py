"""A service killed mid-job (SIGKILL, no goodbye) loses nothing: `tessel stack up` restarts it and the
job resumes on the new process and finishes; the job record shows the second attempt."""

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


@pytest.fixture
def stack_env(tmp_path, monkeypatch):
    env = {**os.environ, "TESSEL_HOME": str(tmp_path / "home"), "TESSEL_WORK_ACK_WAIT_SECONDS": "2"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from tessel.runtime.settings import get_settings

    get_settings.cache_clear()
    subprocess.run([TESSEL, "stack", "up"], env=env, check=True, capture_output=True, timeout=300)
    yield env
    subprocess.run([TESSEL, "stack", "down"], env=env, capture_output=True, timeout=120)
    get_settings.cache_clear()


def trainer_pid(env) -> int:
    state = json.loads((Path(env["TESSEL_HOME"]) / "stack" / "state.json").read_text())
    return state["services"]["selective-trainer"]["pid"]


async def test_killed_trainer_resumes_its_job_after_restart(stack_env):
    from tessel.client.selective_trainer import SelectiveTrainerClient

    spec = training_pb2.TrainingJobSpec(
        dataset="mnist1d", backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP),
        max_epochs=40, patience=40, max_train_examples=3000, seed=1,
    )
    async with SelectiveTrainerClient() as client:
        job = await client.create(spec)
        async for record in client.watch(job.job.id):
            if record.job.state == job_pb2.JOB_STATE_RUNNING and record.job.progress.done >= 1:
                break
        os.kill(trainer_pid(stack_env), signal.SIGKILL)

    restarted = await asyncio.to_thread(
        subprocess.run, [TESSEL, "stack", "up", "--json"], env=stack_env, capture_output=True, text=True, timeout=300
    )
    assert all(s["health"] == "SERVING" for s in json.loads(restarted.stdout)["services"])
    async with SelectiveTrainerClient() as client:
        final = None
        async for final in client.watch(job.job.id):
            pass
    assert final.job.state == job_pb2.JOB_STATE_SUCCEEDED, final.job.error.reason
    assert final.job.attempt == 2
    assert final.result.model.sha256
