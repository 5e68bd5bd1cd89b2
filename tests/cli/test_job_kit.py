"""The CLI job kit (tessel.cli.jobs) and the field-path -> flag mapping (tessel.cli.errors), through
`tessel selective` against an in-process selective-trainer, and as plain functions."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from tessel.cli import errors
from tessel.cli.errors import describe_field, flag_for, flags_from_spec
from tessel.cli.jobs import STATES, parse_labels, state_name
from tessel.common.v1 import job_pb2
from tessel.training.v1 import training_pb2


def selective_train_flags() -> dict[str, str]:
    from tessel.cli.selective import TRAIN_FLAGS, train

    return flags_from_spec(training_pb2.TrainingJobSpec.DESCRIPTOR, train.params, renamed=TRAIN_FLAGS)


def test_spec_fields_map_to_the_flags_that_fill_them():
    flags = selective_train_flags()
    assert flags["spec.max_epochs"] == "--epochs"
    assert flags["spec.dataset"] == "--dataset" and flags["spec.seed"] == "--seed"  # found by name
    assert flags["spec.backbone.hidden_sizes"] == "--hidden"
    assert "spec.mc_dropout_passes" not in flags  # no flag fills it
    assert describe_field("spec.max_epochs", "must be at least 1", flags) == "--epochs: must be at least 1"
    # the nearest field above a path that no flag fills by itself; list items are counted from 1
    assert describe_field("spec.backbone.hidden_sizes[2]", "must be positive", flags) == "--hidden (item 3): must be positive"
    assert flag_for("spec.selectivenet.target_coverage", flags) == ("--coverage", "spec.selectivenet.target_coverage")
    # a path no flag fills stays a path; a description that repeats the path loses the repeat
    assert describe_field("spec.mc_dropout_passes", "spec.mc_dropout_passes: too many", flags) == (
        "spec.mc_dropout_passes: too many"
    )
    assert flag_for("spec", flags) is None and flag_for("spec.max_epochsx", flags) is None


def test_distill_flags_name_the_nested_library_fields():
    from tessel.cli.distill import LIBRARY_FLAGS, library
    from tessel.distill.v1 import distill_pb2

    flags = flags_from_spec(distill_pb2.LibrarySpec.DESCRIPTOR, library.params, prefix="spec.library.",
                            renamed=LIBRARY_FLAGS)
    assert describe_field("spec.library.search_space.kv_heads[0]", "3 is not a divisor", flags) == (
        "--kv-heads (item 1): 3 is not a divisor"
    )
    assert flag_for("spec.library.token_budget", flags)[0] == "--token-budget"
    assert flag_for("spec.library.parent_model", flags)[0] == "--parent"


def test_state_names_are_the_proto_enum_spelled_one_way():
    assert set(STATES) == {"queued", "running", "succeeded", "failed", "cancelled", "waiting"}
    assert all(state_name(number) == name for name, number in STATES.items())
    assert parse_labels(("team=a", "note=x=y")) == {"team": "a", "note": "x=y"}
    with pytest.raises(Exception, match="KEY=VALUE"):
        parse_labels(("novalue",))


# -- against a running selective-trainer -----------------------------------------------------------


@pytest.fixture
async def trainer(start, monkeypatch):
    from tessel_selective_trainer.service import DEFINITION

    service = await start(DEFINITION)
    monkeypatch.setenv("TESSEL_SELECTIVE_TRAINER_ADDRESS", service.address)
    return service


async def tessel(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """`tessel ARGS` in-process through the real entry point (its error handling included)."""
    from tessel.cli.main import main

    monkeypatch.setattr(sys, "argv", ["tessel", *args])
    capsys.readouterr()

    def run() -> int:
        try:
            main()
        except SystemExit as done:
            return done.code or 0
        return 0

    code = await asyncio.to_thread(run)
    errors.use_flags({})
    out, err = capsys.readouterr()
    return code, out, err


TINY = ["--dataset", "digits", "--hidden", "16", "--epochs", "1", "--max-train", "200", "--device", "cpu"]


@pytest.mark.nats
async def test_a_bad_value_is_reported_by_the_flag_the_user_typed(trainer, capsys, monkeypatch):
    code, out, err = await tessel(capsys, monkeypatch, "selective", "train", "--dataset", "digits", "--epochs", "-3")
    assert code == 2 and out == ""
    assert err.startswith("error: --epochs: ") and "spec.max_epochs" not in err
    assert err.count("\n") == 1


@pytest.mark.nats
async def test_detached_jobs_are_found_by_label_and_state_and_a_request_id_is_idempotent(trainer, capsys, monkeypatch):
    submit = ["selective", "train", *TINY, "--detach", "--json", "--label", "team=a", "--request-id", "cli-1"]
    code, out, _ = await tessel(capsys, monkeypatch, *submit)
    assert code == 0, out
    first = json.loads(out)
    assert first["labels"] == {"team": "a"} and first["state"] in STATES
    code, out, _ = await tessel(capsys, monkeypatch, *submit)
    assert json.loads(out)["job_id"] == first["job_id"]  # the retry is the same job
    code, out, _ = await tessel(capsys, monkeypatch, "selective", "train", *TINY, "--detach", "--json", "--label", "team=b")
    other = json.loads(out)["job_id"]

    code, out, _ = await tessel(capsys, monkeypatch, "selective", "list", "--label", "team=a", "--json")
    assert [j["id"] for j in json.loads(out)["jobs"]] == [first["job_id"]]
    code, out, _ = await tessel(capsys, monkeypatch, "selective", "list", "--label", "team=a")
    assert first["job_id"] in out and "team=a" in out  # the table never cuts the id a user copies
    code, out, _ = await tessel(capsys, monkeypatch, "selective", "list", "--limit", "1", "--json")
    assert len(json.loads(out)["jobs"]) == 1

    code, out, _ = await tessel(capsys, monkeypatch, "selective", "cancel", other, "--reason", "not needed", "--json")
    assert code == 0 and json.loads(out)["cancel_requested"] is True
    code, out, err = await tessel(capsys, monkeypatch, "selective", "watch", first["job_id"], "--json")
    assert code == 0, err
    document = json.loads(out)  # stdout is the result alone; the summary line went to stderr
    assert document["job_id"] == first["job_id"] and document["epochs_run"] == 1
    assert f"training job {first['job_id']} succeeded after" in err
    code, out, _ = await tessel(capsys, monkeypatch, "selective", "list", "--state", "succeeded", "--json")
    assert first["job_id"] in [j["id"] for j in json.loads(out)["jobs"]]
    assert all(j["state"] == "succeeded" for j in json.loads(out)["jobs"])

    code, out, err = await tessel(capsys, monkeypatch, "selective", "watch", other)
    assert code == 1 and f"training job {other} cancelled" in err and "not needed" in err
    code, out, _ = await tessel(capsys, monkeypatch, "selective", "get", first["job_id"], "--json")
    assert json.loads(out)["epochs_run"] == 1


def test_a_job_that_fails_on_a_field_names_its_flag():
    record = job_pb2.Job(id="j1", state=job_pb2.JOB_STATE_FAILED, error=job_pb2.JobError(
        code=job_pb2.ERROR_CODE_INVALID_ARGUMENT, reason="spec.backbone.base_width: too wide", field="spec.backbone.base_width"))
    from tessel.cli.selective import KIT

    errors.use_flags(selective_train_flags())
    with pytest.raises(Exception) as raised:
        KIT.finish(training_pb2.TrainingJob(job=record), as_json=False)
    errors.use_flags({})
    assert raised.value.format_message() == "training job j1 failed: --width: too wide"
    assert raised.value.exit_code == 2


def test_enum_names_are_one_spelling_for_flags_and_output():
    from tessel.cli.jobs import EnumNames
    from tessel.cli.selective import ARCHITECTURES, CONFIDENCES

    assert ARCHITECTURES.choices == ["mlp", "resnet", "small-cnn"]
    assert ARCHITECTURES["small-cnn"] == training_pb2.ARCHITECTURE_SMALL_CNN
    assert ARCHITECTURES.name(training_pb2.ARCHITECTURE_SMALL_CNN) == "small-cnn"
    assert CONFIDENCES["default"] == 0 and CONFIDENCES.name(0) == "default"
    assert CONFIDENCES.name(training_pb2.CONFIDENCE_FUNCTION_MC_DROPOUT) == "mc-dropout"
    every = EnumNames(training_pb2.ConfidenceFunction, "CONFIDENCE_FUNCTION_", unspecified="default")
    assert all(every.name(every[name]) == name for name in every.choices)


class InterruptedClient:
    """A job client whose Watch is interrupted by Ctrl-C after one update; records cancels."""

    cancelled: list[tuple[str, str]] = []

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        return None

    async def watch(self, job_id):
        yield training_pb2.TrainingJob(job=job_pb2.Job(id=job_id, state=job_pb2.JOB_STATE_RUNNING))
        raise KeyboardInterrupt

    async def cancel(self, job_id, reason):
        self.cancelled.append((job_id, reason))
        return training_pb2.TrainingJob(job=job_pb2.Job(id=job_id, state=job_pb2.JOB_STATE_RUNNING, cancel_requested=True))


@pytest.mark.parametrize("cancel_on_interrupt", [False, True], ids=["detaches", "cancels"])
def test_ctrl_c_while_following_detaches_or_cancels(capsys, cancel_on_interrupt):
    import click

    from tessel.cli.jobs import JobKit

    InterruptedClient.cancelled = []
    kit = JobKit(InterruptedClient, noun="training job", command="tessel selective", show=lambda *_: None)
    with pytest.raises(click.exceptions.Exit) as stopped:
        kit.follow("j7", as_json=True, cancel_on_interrupt=cancel_on_interrupt)
    assert stopped.value.exit_code == 130
    err = capsys.readouterr().err
    if cancel_on_interrupt:
        assert InterruptedClient.cancelled == [("j7", "interrupted from the CLI")] and "cancel requested" in err
    else:
        assert InterruptedClient.cancelled == []
        assert "`tessel selective watch j7`" in err and "`tessel selective cancel j7`" in err
