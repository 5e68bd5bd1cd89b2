"""The block-distiller as a real process group (service + its worker), SIGKILL'd while a library job
runs, as a pod dies: a new process resumes the job, reuses the variants finished before the kill (by
their stored digests) and ends SUCCEEDED; never RUNNING or QUEUED forever."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tessel.common.v1 import job_pb2
from tessel.distill.v1 import distill_pb2 as pb
from tessel.runtime.jobs import JobManager

pytestmark = [pytest.mark.nats, pytest.mark.slow]
PARENT = "tiny-llama-2l"
WORDS = "the of and to in is was that for it with as his on be at by had not are but from or have an they".split()
TERMINAL = (job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED)


@pytest.fixture
def distiller_env(own_nats, tmp_path):
    corpus = tmp_path / "data" / "corpus"
    corpus.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(20):
        text = " ".join(" ".join(rng.choice(WORDS, size=12)).capitalize() + "." for _ in range(90))
        (corpus / f"doc{index:02d}.txt").write_text(text)
    env = {**os.environ, "TESSEL_HOME": str(tmp_path / "home"), "TESSEL_NATS_URL": own_nats.url,
           "TESSEL_CACHE_DIR": str(tmp_path / "cache"), "TESSEL_DATA_ROOTS": json.dumps([str(tmp_path / "data")]),
           "TESSEL_GRPC_HOST": "127.0.0.1", "TESSEL_GRPC_PORT": "0", "TESSEL_DEVICE": "cpu",
           "TESSEL_WORK_ACK_WAIT_SECONDS": "2", "TESSEL_BLOCK_DISTILLER_WORKERS": "1", "OMP_NUM_THREADS": "1"}
    return env, str(corpus)


def start(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tessel_block_distiller"], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_group(process: subprocess.Popen) -> None:
    with_suppressed = (ProcessLookupError, PermissionError)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except with_suppressed:
        pass
    process.wait(timeout=30)


async def until(jobs, job_id, done, timeout=300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = await jobs.get(job_id)
        if done(record):
            return record
        await asyncio.sleep(0.2)
    raise AssertionError(f"job {job_id} never got there: {record.job}")


async def test_sigkill_mid_library_resumes_with_finished_variants_reused(own_nats, connect, distiller_env):
    env, corpus = distiller_env
    jobs = JobManager(service="block-distiller", resource="distillation", job_type=pb.DistillationJob,
                      messaging=await connect(own_nats.url), artifacts=None, run=None)
    spec = pb.DistillationJobSpec(library=pb.LibrarySpec(
        parent_model=PARENT, corpus=corpus, token_budget=4096, held_out_tokens=1024, sequence_length=64,
        search_space=pb.SearchSpace(kv_heads=[1], ffn_intermediate_sizes=[64], ffn_no_op=True),
    ))
    process = start(env)
    try:
        job_id = (await jobs.create(spec)).job.id
        at_kill = await until(jobs, job_id, lambda r: r.job.progress.unit == "variants" and r.job.progress.done >= 1)
        kill_group(process)
        done_at_kill = at_kill.job.progress.done
        process = start(env)
        final = await until(jobs, job_id, lambda r: r.job.state in TERMINAL)
    finally:
        kill_group(process)
    assert final.job.state == job_pb2.JOB_STATE_SUCCEEDED, final.job.error.reason
    assert final.job.attempt >= 2
    assert final.result.variants_reused >= done_at_kill >= 1
    assert final.result.variants_reused + final.result.variants_trained == 4
    print(f"distiller SIGKILL after {done_at_kill} variants: {final.result.variants_reused} reused, "
          f"{final.result.variants_trained} trained after, attempt {final.job.attempt}")
