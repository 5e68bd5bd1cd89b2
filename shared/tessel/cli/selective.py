"""`tessel selective sgr|train|get|watch|list|cancel`: risk certificates (SGR / Learn-then-Test) and
training jobs (the job commands come from `tessel.cli.jobs`)."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from pathlib import Path

import click

from tessel.cli.errors import flags_from_spec
from tessel.cli.jobs import EnumNames, JobKit, submit_options
from tessel.cli.metrics import NPY, load_npy
from tessel.cli.output import SEED, emit_json, json_option, table
from tessel.client.selective_trainer import METHODS, SelectiveTrainerClient
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
from tessel.training.v1 import training_pb2 as pb

ARCHITECTURES = EnumNames(pb.Architecture, "ARCHITECTURE_")
OBJECTIVES = EnumNames(pb.Objective, "OBJECTIVE_")
CONFIDENCES = EnumNames(pb.ConfidenceFunction, "CONFIDENCE_FUNCTION_", unspecified="default")
CERTIFICATION_METHODS = EnumNames(pb.CertificationMethod, "CERTIFICATION_METHOD_")
TASKS = EnumNames(pb.Task, "TASK_")
# TrainingJobSpec fields whose flag has another name (same-named ones, e.g. --dataset, are found).
TRAIN_FLAGS = {
    "backbone.architecture": "--architecture", "backbone.hidden_sizes": "--hidden", "backbone.blocks_per_stack": "--blocks",
    "backbone.base_width": "--width", "backbone.dropout": "--dropout", "max_epochs": "--epochs",
    "learning_rate": "--lr", "max_train_examples": "--max-train", "confidence_function": "--confidence",
    "selectivenet.target_coverage": "--coverage", "selectivenet.risk_normalization": "--reference-loss",
}


@click.group()
def selective() -> None:
    """Selective prediction: train (standard, SelectiveNet) and certify a risk level (SGR)."""


def certificate_document(certificate: pb.RiskCertificate) -> dict:
    feasible = certificate.feasible
    return {
        "feasible": feasible,
        "threshold": certificate.threshold if feasible else None,
        "coverage": certificate.coverage,
        "selective_risk": certificate.selective_risk if feasible else None,
        "bound": certificate.bound if feasible else None,
        "risk_target": certificate.risk_target,
        "delta": certificate.delta,
        "method": CERTIFICATION_METHODS.name(certificate.method),
        "tests": certificate.tests,
        "per_test_delta": certificate.per_test_delta,
        "min_achievable_bound": certificate.min_achievable_bound,
        "covered_count": certificate.covered_count,
        "covered_errors": certificate.covered_errors,
        "num_examples": certificate.num_examples,
    }


@selective.command()
@click.option("--confidence", type=NPY, required=True, help="Confidence per example, higher = surer (.npy).")
@click.option("--errors", type=NPY, required=True, help="0/1 error per example (.npy).")
@click.option("--risk", type=float, required=True, help="Target selective risk r* in (0, 1).")
@click.option("--delta", type=float, default=0.001, show_default=True, help="P(risk > bound) < delta.")
@click.option("--method", type=click.Choice(sorted(METHODS)), default="sgr", show_default=True)
@click.option("--grid-size", type=int, default=0, help="Bonferroni grid size (0 = 100).")
@json_option
def sgr(confidence, errors, risk, delta, method, grid_size, as_json) -> None:
    """Certify a selective risk: the threshold, its coverage and a bound that holds with probability 1 - delta."""

    async def call():
        async with SelectiveTrainerClient() as client:
            return await client.certify_risk(
                load_npy(confidence, "--confidence"), load_npy(errors, "--errors"),
                risk_target=risk, delta=delta, method=method, grid_size=grid_size,
            )

    document = certificate_document(asyncio.run(call()))
    if as_json:
        emit_json(document)
        return
    verdict = "certified" if document["feasible"] else "infeasible"
    rows = [["result", verdict], *([k, "n/a" if v is None else v] for k, v in list(document.items())[1:])]
    table(f"Selective risk certificate ({document['method']})", ["field", "value"], rows)


@selective.command()
@click.option("--dataset", required=True, help="Dataset name (mnist1d, fashion-mnist, mnist, digits, diabetes, ...).")
@click.option("--dataset-root", default="", help="Directory with the dataset's files (user data).")
@click.option("--objective", type=click.Choice(OBJECTIVES.choices), default="standard", show_default=True)
@click.option("--coverage", type=float, default=0.0, help="SelectiveNet target coverage in (0, 1].")
@click.option("--reference-loss", is_flag=True, help="SelectiveNet loss without dividing r by coverage (authors' code).")
@click.option("--architecture", type=click.Choice(ARCHITECTURES.choices), default="mlp", show_default=True)
@click.option("--hidden", default="", help="MLP widths, comma-separated (default 256,256).")
@click.option("--blocks", default="", help="ResNet blocks per stack, comma-separated (default 1,1).")
@click.option("--width", type=int, default=0, help="Conv base width (0 = default).")
@click.option("--dropout", type=float, default=0.0, show_default=True)
@click.option("--confidence", type=click.Choice(CONFIDENCES.choices), default="default", show_default=True)
@click.option("--epochs", type=int, default=0, help="Max epochs (0 = 20).")
@click.option("--patience", type=int, default=0, help="Early-stopping patience (0 = 5).")
@click.option("--batch-size", type=int, default=0, help="0 = 128.")
@click.option("--lr", type=float, default=0.0, help="0 = 1e-3 (Adam).")
@click.option("--max-train", type=int, default=0, help="Train on at most this many examples (0 = all).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--device", type=click.Choice(["", "auto", "cpu", "cuda"]), default="")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Copy the model and test outputs here.")
@submit_options
def train(dataset, dataset_root, objective, coverage, reference_loss, architecture, hidden, blocks, width, dropout,
          confidence, epochs, patience, batch_size, lr, max_train, seed, device, out, submit) -> None:
    """Run a training job and follow it; prints the result (and the risk-coverage table)."""
    spec = pb.TrainingJobSpec(
        dataset=dataset, dataset_root=dataset_root, seed=seed, objective=OBJECTIVES[objective],
        backbone=pb.Backbone(architecture=ARCHITECTURES[architecture], hidden_sizes=_ints(hidden, "--hidden"),
                             blocks_per_stack=_ints(blocks, "--blocks"), base_width=width, dropout=dropout),
        max_epochs=epochs, patience=patience, batch_size=batch_size, learning_rate=lr, max_train_examples=max_train,
        confidence_function=CONFIDENCES[confidence], device=device,
    )
    if objective == "selectivenet":
        spec.selectivenet.target_coverage = coverage
        if reference_loss:
            spec.selectivenet.risk_normalization = pb.RISK_NORMALIZATION_NONE
    flags = flags_from_spec(pb.TrainingJobSpec.DESCRIPTOR, click.get_current_context().command.params,
                            renamed=TRAIN_FLAGS)
    kit = dataclasses.replace(KIT, show=lambda record, as_json: _show(record, as_json, out=out)) if out else KIT
    kit.submit(spec, submit, flags=flags)


def _show(record, as_json: bool, *, out: Path | None = None) -> None:
    """A finished training job: its numbers (and files copied to `out`), then the test risk-coverage table."""
    document = _result_document(record.job.id, record.result)
    if out is not None:
        document["files"] = _download(record.result, out)
    if as_json:
        emit_json(document)
        return
    scalars = {k: v for k, v in document.items() if k not in ("risk_coverage", "files")}
    table(f"Training job {record.job.id}", ["field", "value"], [[k, v] for k, v in scalars.items()])
    if document["risk_coverage"]:
        table("Test risk-coverage", ["coverage", "selective risk"],
              [[p["coverage"], p["selective_risk"]] for p in document["risk_coverage"]])


KIT = JobKit(SelectiveTrainerClient, noun="training job", command="tessel selective", show=_show,
             metric_names=("train_loss", "validation_loss", "validation_risk"))
KIT.add_commands(selective)


def _result_document(job_id: str, result: pb.TrainingJobResult) -> dict:
    document = {
        "job_id": job_id, "task": TASKS.name(result.task), "device": result.device,
        "epochs_run": result.epochs_run, "best_epoch": result.best_epoch, "early_stopped": result.early_stopped,
        "test_risk": result.test_risk,
        "confidence_function": CONFIDENCES.name(result.confidence_function),
        "model": result.model.uri,
    }
    if result.target_coverage:
        document |= {
            "target_coverage": result.target_coverage, "selection_threshold": result.selection_threshold,
            "validation_coverage": result.validation_coverage, "calibration_coverage": result.calibration_coverage,
            "test_coverage": result.test_coverage,
            "test_selective_risk": None if math.isnan(result.test_selective_risk) else result.test_selective_risk,
        }
    document["risk_coverage"] = [{"coverage": p.coverage, "selective_risk": p.selective_risk}
                                 for p in result.test_risk_coverage]
    return document


def _download(result: pb.TrainingJobResult, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    store = ArtifactStore(get_settings().artifacts_root)
    files = {}
    for name, ref in (("model.safetensors", result.model), ("test_predictions.npy", result.test_predictions),
                      ("test_confidence.npy", result.test_confidence), ("test_losses.npy", result.test_losses)):
        if ref.uri:
            (out / name).write_bytes(store.get_bytes(ref))
            files[name] = str(out / name)
    return files


def _ints(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=option) from error
