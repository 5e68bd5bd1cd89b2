"""`tessel active coreset|run|query|label` against the service in-process."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from click.testing import CliRunner

from tessel.assets.datasets import load_dataset
from tessel.cli.active import active
from tessel.zoo.coreset import greedy_k_center
from tessel_active_learner.service import DEFINITION

pytestmark = pytest.mark.nats

RUN = ["run", "--dataset", "digits", "--strategy", "coreset", "--budget", "30", "--initial", "20", "--batch", "10",
       "--pool-size", "300", "--hidden", "32", "--epochs", "3", "--train-batch", "10", "--lr", "0.01",
       "--seed", "3", "--device", "cpu"]


@pytest.fixture
async def invoke(start, monkeypatch):
    service = await start(DEFINITION)
    monkeypatch.setenv("TESSEL_ACTIVE_LEARNER_ADDRESS", service.address)
    runner = CliRunner()

    async def _invoke(*args):
        return await asyncio.to_thread(runner.invoke, active, list(args), catch_exceptions=False)

    return _invoke


async def test_coreset_json_gives_picks_and_radii(invoke, tmp_path):
    x = np.random.default_rng(1).normal(size=(200, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "l.npy", np.array([0, 5]))
    out = await invoke("coreset", "--embeddings", str(tmp_path / "x.npy"), "--labeled", str(tmp_path / "l.npy"),
                       "--budget", "12", "--json")
    assert out.exit_code == 0, out.output
    document = json.loads(out.output)
    want = greedy_k_center(x, [0, 5], 12, device="cpu")
    assert document["indices"] == want.indices
    np.testing.assert_allclose(document["radii"], want.radii, rtol=1e-6)


async def test_run_json_gives_the_learning_curve(invoke):
    out = await invoke(*RUN, "--json")
    assert out.exit_code == 0, out.output
    document = json.loads(out.output)
    assert document["state"] == "succeeded" and document["labelled"] == 30
    again = await invoke("get", document["session_id"], "--json")
    assert json.loads(again.output)["rounds"] == document["rounds"]
    assert [r["labelled"] for r in document["rounds"]] == [20, 30]
    assert all(r["architecture"] == "mlp[32]" and 0 <= r["test_accuracy"] <= 1 for r in document["rounds"])


async def test_a_person_labels_through_query_and_label(invoke, tmp_path):
    started = await invoke(*RUN, "--oracle", "external", "--json")
    assert started.exit_code == 0, started.output
    session = json.loads(started.output)["session_id"]
    sheet = tmp_path / "labels.csv"
    asked = await invoke("query", session, "--csv", str(sheet), "--json")
    indices = json.loads(asked.output)["indices"]
    assert len(indices) == 20 and sheet.read_text().splitlines()[0] == "index,label"
    truth = load_dataset("digits", seed=3).train.y
    sheet.write_text("index,label\n" + "".join(f"{i},{truth[i]}\n" for i in indices))
    labelled = await invoke("label", session, "--labels", str(sheet), "--json")
    assert labelled.exit_code == 0, labelled.output
    assert json.loads(labelled.output)["pending"] == 0
    listed = await invoke("list", "--json")
    assert session in [row["id"] for row in json.loads(listed.output)["jobs"]]
    bad = tmp_path / "bad.csv"
    bad.write_text("index,label\n5,\n")
    refused = await invoke("label", session, "--labels", str(bad))
    assert refused.exit_code == 2 and "index,label" in refused.output
