"""`tessel uncertainty estimate|get|watch|list|cancel`: per-example predictions and confidences of a trained
classifier (SR, margin, entropy, MC-dropout, AES, PES) through estimation jobs (the job commands come from
`tessel.cli.jobs`)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import click

from tessel.cli.errors import flags_from_spec
from tessel.cli.jobs import JobKit, submit_options
from tessel.cli.output import emit_json, table
from tessel.client.uncertainty_estimator import MC_CONFIDENCES, METHODS, SPLITS, UncertaintyEstimatorClient
from tessel.common.v1 import job_pb2
from tessel.runtime.arrays import array_from_proto
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
from tessel.uncertainty.v1 import uncertainty_pb2 as pb

MODEL_MEDIA_TYPE = "application/x-safetensors"
# EstimationJobSpec fields whose flag has another name (same-named ones, e.g. --dataset, are found).
FLAGS = {
    "model": "--model", "snapshots": "--model", "mc_dropout.passes": "--passes", "mc_dropout.rate": "--rate",
    "mc_dropout.confidence": "--mc-confidence", "mc_dropout.prediction": "--serve-mc-mean",
    "snapshot_options.aes_snapshots": "--aes-snapshots", "learning_split": "--split",
}


@click.group()
def uncertainty() -> None:
    """Confidence estimation: softmax response, MC-dropout and the snapshot methods AES and PES."""


@uncertainty.command()
@click.option("--model", required=True,
              help="A selective-trainer training job id (its model, snapshots and seed), or a .safetensors zoo model file.")
@click.option("--snapshot", "snapshots", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With a model file: snapshot files in epoch order (repeat the option).")
@click.option("--dataset", required=True, help="Dataset name (fashion-mnist, mnist1d, mnist, digits, ...).")
@click.option("--dataset-root", default="", help="Directory with the dataset's files (user data).")
@click.option("--dataset-seed", type=int, default=None, help="Split seed (default: the training job's seed, else 0).")
@click.option("--split", type=click.Choice(["train", "validation", "test"]), default="test", show_default=True)
@click.option("--method", type=click.Choice(sorted(METHODS)), default="sr", show_default=True)
@click.option("--passes", type=int, default=0, help="MC-dropout passes (0 = 100).")
@click.option("--rate", type=float, default=0.0, help="MC-dropout rate (0 = the model's own).")
@click.option("--mc-confidence", type=click.Choice(sorted(MC_CONFIDENCES)), default="mean-probability", show_default=True)
@click.option("--serve-mc-mean", is_flag=True, help="MC-dropout: serve the MC-mean prediction (default: deterministic).")
@click.option("--aes-snapshots", type=int, default=0, help="AES: snapshots averaged (0 = 10).")
@click.option("--device", type=click.Choice(["", "auto", "cpu", "cuda"]), default="")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write predictions/confidence/labels/errors .npy here.")
@submit_options
def estimate(model, snapshots, dataset, dataset_root, dataset_seed, split, method, passes, rate, mc_confidence,
             serve_mc_mean, aes_snapshots, device, out, submit) -> None:
    """Run an estimation job and follow it; prints AURC, E-AURC and what each split was used for."""
    spec = pb.EstimationJobSpec(
        dataset=dataset, dataset_root=dataset_root, split=SPLITS[split], method=METHODS[method], device=device,
        mc_dropout=pb.MCDropoutOptions(
            passes=passes, rate=rate, confidence=MC_CONFIDENCES[mc_confidence],
            prediction=pb.SERVED_PREDICTION_MC_MEAN if serve_mc_mean else pb.SERVED_PREDICTION_DETERMINISTIC),
        snapshot_options=pb.SnapshotOptions(aes_snapshots=aes_snapshots),
    )
    if split == "test":
        spec.learning_split = pb.SPLIT_VALIDATION
    elif split == "validation":
        spec.learning_split = pb.SPLIT_TEST
    seed = asyncio.run(_model_source(spec, model, snapshots))
    spec.dataset_seed = dataset_seed if dataset_seed is not None else seed
    flags = flags_from_spec(pb.EstimationJobSpec.DESCRIPTOR, click.get_current_context().command.params, renamed=FLAGS)
    kit = dataclasses.replace(KIT, show=lambda record, as_json: _show(record, as_json, out=out)) if out else KIT
    kit.submit(spec, submit, flags=flags)


def _show(record, as_json: bool, *, out: Path | None = None) -> None:
    """A finished estimation job: AURC, E-AURC, which split each step read (and the arrays written to `out`)."""
    document = result_document(record.job.id, record.result)
    if out is not None:
        document["files"] = _write_arrays(record.result, out)
    if as_json:
        emit_json(document)
        return
    table(f"Estimation job {record.job.id}", ["field", "value"],
          [[k, v] for k, v in document.items() if k not in ("split_uses", "pes_rules", "files")])
    table("Splits", ["step", "split"], [[u["step"], u["split"]] for u in document["split_uses"]])


async def _model_source(spec: pb.EstimationJobSpec, model: str, snapshots: tuple[Path, ...]) -> int:
    """Fill spec.model/snapshots from a training job or local files; returns the training seed (0 for files)."""
    path = Path(model)
    if path.is_file():
        store = ArtifactStore(get_settings().artifacts_root)
        spec.model.CopyFrom(store.put_bytes(path.read_bytes(), media_type=MODEL_MEDIA_TYPE))
        for epoch, snapshot in enumerate(snapshots, start=1):
            spec.snapshots.add(epoch=epoch, weights=store.put_bytes(snapshot.read_bytes(), media_type=MODEL_MEDIA_TYPE))
        return 0
    if snapshots:
        raise click.BadParameter("--snapshot goes with a model file; a training job brings its own", param_hint="--snapshot")
    from tessel.client.selective_trainer import SelectiveTrainerClient

    async with SelectiveTrainerClient() as client:
        training = await client.get(model)
    if training.job.state != job_pb2.JOB_STATE_SUCCEEDED:
        raise click.BadParameter(f"training job {model} has not succeeded", param_hint="--model")
    spec.model.CopyFrom(training.result.model)
    spec.snapshots.extend(training.result.snapshots)
    if not spec.dataset_root:
        spec.dataset_root = training.spec.dataset_root
    return training.spec.seed


def _name(enum, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix).lower()


def result_document(job_id: str, result: pb.EstimationJobResult) -> dict:
    return {
        "job_id": job_id, "method": _name(pb.ConfidenceMethod, result.method, "CONFIDENCE_METHOD_"),
        "served_prediction": _name(pb.ServedPrediction, result.served_prediction, "SERVED_PREDICTION_"),
        "split": _name(pb.Split, result.split, "SPLIT_"), "n": result.n, "error_rate": result.error_rate,
        "aurc": result.aurc, "e_aurc": result.e_aurc, "device": result.device,
        "snapshot_epochs": list(result.snapshot_epochs),
        "split_uses": [{"step": u.step, "split": _name(pb.Split, u.split, "SPLIT_")} for u in result.split_uses],
        "pes_rules": [{"epoch": r.epoch, "threshold": r.threshold} for r in result.pes_rules],
    }


def _write_arrays(result: pb.EstimationJobResult, out: Path) -> dict:
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    store = ArtifactStore(get_settings().artifacts_root)
    files = {}
    for name in ("predictions", "confidence", "labels", "errors"):
        path = out / f"{name}.npy"
        np.save(path, array_from_proto(getattr(result, name), field=name, artifacts=store), allow_pickle=False)
        files[name] = str(path)
    return files


KIT = JobKit(UncertaintyEstimatorClient, noun="estimation job", command="tessel uncertainty", show=_show)
KIT.add_commands(uncertainty)
