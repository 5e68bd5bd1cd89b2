"""The selective-trainer as a real process, killed while a training job runs: SIGTERM (it checkpoints,
yields within the grace period and exits) and SIGKILL at several moments (no goodbye). Each time a new
process resumes the job after its last checkpointed epoch; the job ends SUCCEEDED or FAILED with a
reason, never RUNNING or QUEUED forever. Epochs finished before a kill are not rerun: their recorded
wall times in the final checkpoint are the ones measured before the kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tessel.common.v1 import job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.jobs import JobManager
from tessel.training.v1 import training_pb2 as pb
from tessel.zoo.training import checkpoint_from_bytes

pytestmark = pytest.mark.nats

EPOCHS = 8
GRACE_SECONDS = 10.0
SPEC = pb.TrainingJobSpec(dataset="digits", backbone=pb.Backbone(architecture=pb.ARCHITECTURE_MLP, hidden_sizes=[64]),
                          max_epochs=EPOCHS, patience=EPOCHS, seed=5, batch_size=32)


class Trainer:
    def __init__(self, own_nats, home):
        self.env = {**os.environ, "TESSEL_HOME": str(home), "TESSEL_NATS_URL": own_nats.url,
                    "TESSEL_GRPC_HOST": "127.0.0.1", "TESSEL_GRPC_PORT": "0", "TESSEL_DEVICE": "cpu",
                    "TESSEL_WORK_ACK_WAIT_SECONDS": "2", "TESSEL_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
                    "OMP_NUM_THREADS": "1"}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tessel_selective_trainer"], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def signal(self, signum) -> float:
        """Send the signal; the seconds until the process was gone."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        self.process.wait(timeout=60)
        return time.monotonic() - sent

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def trainer(own_nats, tmp_path):
    process = Trainer(own_nats, tmp_path / "home")
    yield process
    process.stop()


async def _jobs(connect, own_nats) -> JobManager:
    """The job resource as the test sees it (never started: only the trainer process runs work)."""
    return JobManager(service="selective-trainer", resource="training", job_type=pb.TrainingJob,
                      messaging=await connect(own_nats.url), artifacts=None, run=None)


async def _until(jobs, job_id, done, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = await jobs.get(job_id)
        if done(record):
            return record
        await _sleep(0.2)
    raise AssertionError(f"job {job_id} never got there: {record.job}")


async def _sleep(seconds):
    import asyncio

    await asyncio.sleep(seconds)


def _checkpoint(store, job_id):
    ref = store.lookup(f"training/{job_id}/checkpoint")
    return checkpoint_from_bytes(store.get_bytes(ref)) if ref is not None else None


async def _kill_and_resume(trainer, jobs, store, signum, *, after_epochs):
    """Start a job, kill the trainer once `after_epochs` are done (0: as soon as it runs), restart it,
    follow the job to its end. Returns (final record, epochs checkpointed at the kill, exit seconds)."""
    trainer.start()
    job_id = (await jobs.create(SPEC)).job.id
    await _until(jobs, job_id, lambda r: r.job.state == job_pb2.JOB_STATE_RUNNING and (
        after_epochs == 0 or r.job.progress.unit == "epochs" and r.job.progress.done >= after_epochs))
    exit_seconds = trainer.signal(signum)
    before = _checkpoint(store, job_id)
    trainer.start()
    final = await _until(jobs, job_id, lambda r: r.job.state in (job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED,
                                                                 job_pb2.JOB_STATE_CANCELLED))
    trainer.stop()
    assert final.job.state == job_pb2.JOB_STATE_SUCCEEDED, final.job.error.reason
    assert final.job.attempt >= 2 and final.result.epochs_run == EPOCHS
    assert [s.epoch for s in final.result.snapshots] == list(range(1, EPOCHS + 1))
    after = _checkpoint(store, job_id)
    if before is not None:  # the epochs finished before the kill kept their first run's timings
        assert [r.seconds for r in after.history[: before.epoch]] == [r.seconds for r in before.history]
    return final, before.epoch if before else 0, exit_seconds


@pytest.mark.slow
async def test_sigterm_checkpoints_yields_within_the_grace_period_and_the_job_resumes(trainer, own_nats, connect,
                                                                                     tmp_path):
    jobs = await _jobs(connect, own_nats)
    store = ArtifactStore((tmp_path / "home" / "artifacts").as_uri())
    final, kept, exit_seconds = await _kill_and_resume(trainer, jobs, store, signal.SIGTERM, after_epochs=2)
    assert exit_seconds < GRACE_SECONDS, f"SIGTERM exit took {exit_seconds:.1f} s"
    assert kept >= 2
    print(f"SIGTERM: exit {exit_seconds:.2f} s, {kept} of {EPOCHS} epochs kept, attempt {final.job.attempt}")


@pytest.mark.slow
@pytest.mark.parametrize("after_epochs", [0, 1, 4])
async def test_sigkill_at_several_moments_resumes_with_finished_epochs_kept(trainer, own_nats, connect, tmp_path,
                                                                           after_epochs):
    jobs = await _jobs(connect, own_nats)
    store = ArtifactStore((tmp_path / "home" / "artifacts").as_uri())
    final, kept, _ = await _kill_and_resume(trainer, jobs, store, signal.SIGKILL, after_epochs=after_epochs)
    assert kept >= after_epochs
    print(f"SIGKILL after {after_epochs} epochs: {kept} kept, attempt {final.job.attempt}")
