"""`tessel uncertainty estimate` against in-process services: a training job id (model, snapshots and
seed from the selective-trainer) and a local model file."""

from __future__ import annotations

import asyncio
import json

import pytest
from click.testing import CliRunner

from tessel.client.selective_trainer import SelectiveTrainerClient
from tessel.training.v1 import training_pb2
from tessel_selective_trainer.api import jobs as training_jobs
from tessel_selective_trainer.service import DEFINITION as TRAINER
from tessel_uncertainty_estimator.api import jobs as estimation_jobs
from tessel_uncertainty_estimator.service import DEFINITION

pytestmark = pytest.mark.nats


async def test_estimate_from_a_training_job_and_from_a_file(start, digits, digits_run, monkeypatch, tmp_path):
    from tessel.cli.uncertainty import uncertainty

    monkeypatch.setattr(training_jobs, "load_splits", lambda spec: digits)
    monkeypatch.setattr(estimation_jobs, "load_splits", lambda spec: digits)
    trainer, estimator = await start(TRAINER), await start(DEFINITION)
    monkeypatch.setenv("TESSEL_SELECTIVE_TRAINER_ADDRESS", trainer.address)
    monkeypatch.setenv("TESSEL_UNCERTAINTY_ESTIMATOR_ADDRESS", estimator.address)
    spec = training_pb2.TrainingJobSpec(dataset="digits", seed=0, max_epochs=3, device="cpu",
                                        backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP,
                                                                       hidden_sizes=[32]))
    async with SelectiveTrainerClient(trainer.address) as client:
        training = await client.submit_and_watch(spec)
    runner = CliRunner()

    def invoke(args):
        return runner.invoke(uncertainty, ["estimate", "--dataset", "digits", "--json", *args])

    pes = await asyncio.to_thread(invoke, ["--model", training.job.id, "--method", "pes", "--split", "test"])
    assert pes.exit_code == 0, pes.output
    document = json.loads(pes.stdout)
    assert document["method"] == "pes" and document["split"] == "test" and document["n"] == len(digits.test)
    assert {"step": "learn pes rules", "split": "validation"} in document["split_uses"]
    assert document["snapshot_epochs"][-1] == training.result.best_epoch and document["pes_rules"]
    fetched = await asyncio.to_thread(runner.invoke, uncertainty, ["get", document["job_id"], "--json"])
    assert json.loads(fetched.stdout)["e_aurc"] == document["e_aurc"]  # the job commands come from the kit

    model = tmp_path / "model.safetensors"
    model.write_bytes(digits_run.model_bytes)
    sr = await asyncio.to_thread(invoke, ["--model", str(model), "--out", str(tmp_path / "out")])
    assert sr.exit_code == 0, sr.output
    document = json.loads(sr.stdout)
    assert document["method"] == "softmax_response" and (tmp_path / "out" / "confidence.npy").is_file()
    refused = await asyncio.to_thread(invoke, ["--model", str(model), "--method", "aes"])
    assert refused.exit_code != 0 and "spec.snapshots" in refused.exception.details()  # main prints it as one line
