"""The training-job handler: dataset -> core training (in a worker thread) -> artifacts -> result + event.

Snapshots are stored as they are produced, under named pointers `training/<job id>/epoch-<n>`, and after
each one the training loop's state (weights, optimizer, schedule, RNGs, history) under
`training/<job id>/checkpoint`. A resumed attempt (after a crash, a SIGTERM or a redelivery) continues
after the last checkpointed epoch, keeping the earlier snapshots, instead of training from epoch 0.
"""

from __future__ import annotations

import asyncio

from google.protobuf.timestamp_pb2 import Timestamp

from tessel.runtime.arrays import npy_bytes
from tessel.runtime.paths import confined_path
from tessel.runtime.errors import fields_renamed
from tessel.runtime.settings import requested_torch_device
from tessel.training.v1 import events_pb2
from tessel.training.v1 import training_pb2 as pb
from tessel.zoo import MEDIA_TYPE
from tessel.zoo.training import FitStopped, checkpoint_from_bytes
from tessel_selective_trainer.api.conversions import (
    result_from_outcome,
    settings_from_spec,
    snapshot_proto,
    validate_spec,
)
from tessel_selective_trainer.core.training_job import train

COMPLETED_SUBJECT = "tessel.training.v1.training_job_completed"
NPY = "application/x-npy"
CHECKPOINT_MEDIA_TYPE = "application/x-tessel-fit-checkpoint"
DATASET_FIELDS = {"dataset": "spec.dataset", "root": "spec.dataset_root"}

__all__ = ["COMPLETED_SUBJECT", "run_training_job", "validate_spec"]



def load_splits(spec: pb.TrainingJobSpec):
    from tessel.assets.datasets import load_dataset

    # The root is confined again here: the record may predate the check, and the folder may have moved.
    root = confined_path(spec.dataset_root, field="spec.dataset_root") if spec.dataset_root else None
    with fields_renamed(DATASET_FIELDS):
        return load_dataset(spec.dataset, seed=spec.seed, root=root)


async def run_training_job(ctx, spec: pb.TrainingJobSpec) -> pb.TrainingJobResult:
    validate_spec(spec)
    settings = settings_from_spec(spec, device=requested_torch_device(spec.device, field="spec.device"))
    ctx.progress(done=0, total=settings.fit.max_epochs, unit="epochs", message=f"loading {spec.dataset}")
    data = await asyncio.to_thread(load_splits, spec)
    checkpoint_name = f"training/{ctx.job_id}/checkpoint"
    resume_from, snapshots = await asyncio.to_thread(_stored_progress, ctx, checkpoint_name) if ctx.resumed else (None, [])
    if resume_from is not None:
        ctx.progress(done=len(snapshots), total=settings.fit.max_epochs, unit="epochs",
                     message=f"resuming after epoch {len(snapshots)}")
    latest: dict[str, bytes] = {}

    def on_checkpoint(state: bytes) -> None:  # worker thread, just before on_epoch
        latest["state"] = state

    def on_epoch(record, weights: bytes) -> None:  # runs in the worker thread
        ref = ctx.artifacts.put_bytes(weights, media_type=MEDIA_TYPE, name=f"training/{ctx.job_id}/epoch-{record.epoch}")
        snapshots.append(snapshot_proto(record, ref))
        # After the snapshot: a checkpoint always has the snapshots of all its epochs stored.
        ctx.artifacts.put_bytes(latest.pop("state"), media_type=CHECKPOINT_MEDIA_TYPE, name=checkpoint_name)
        ctx.progress(
            done=record.epoch, total=settings.fit.max_epochs, unit="epochs",
            message=f"epoch {record.epoch}: validation loss {record.validation_loss:.4f}",
            metrics={"train_loss": record.train_loss, "validation_loss": record.validation_loss,
                     "validation_risk": record.validation_risk},
        )

    ctx.progress(message=f"training on {settings.fit.device}")
    # The zoo names its own parameters; these are the spec fields they came from.
    with fields_renamed({**DATASET_FIELDS, "backbone": "spec.backbone", "mc_dropout_passes": "spec.mc_dropout_passes"}):
        try:
            outcome = await asyncio.to_thread(
                train, settings, data, on_epoch, on_checkpoint=on_checkpoint, resume_from=resume_from,
                should_stop=ctx.stop_requested,
            )
        except FitStopped:
            ctx.check()  # JobCancelled or JobInterrupted: the job runner ends or requeues it
            raise

    def put_npy(values, label: str):
        ref = ctx.artifacts.put_bytes(npy_bytes(values), media_type=NPY, name=f"training/{ctx.job_id}/{label}.npy")
        ctx.add_result(ref)
        return ref

    model = ctx.artifacts.put_bytes(outcome.model_bytes, media_type=MEDIA_TYPE, name=f"training/{ctx.job_id}/model")
    ctx.add_result(model)
    result = result_from_outcome(
        outcome, model=model, snapshots=snapshots,
        test_predictions=put_npy(outcome.test_predictions, "test_predictions"),
        test_confidence=put_npy(outcome.test_confidence, "test_confidence") if outcome.test_confidence is not None else None,
        test_losses=put_npy(outcome.test_losses, "test_losses"),
        **{name: put_npy(values, name) for name, values in (("test_selection_head", outcome.test_selection_head),
                                                             ("test_softmax_response", outcome.test_softmax_response))
           if values is not None},
    )
    ctx.progress(done=settings.fit.max_epochs, total=settings.fit.max_epochs, unit="epochs",
                 message=f"done: best epoch {outcome.fit.best_epoch}, test risk {outcome.test_risk:.4f}")
    stamp = Timestamp()
    stamp.GetCurrentTime()
    await ctx.publish(COMPLETED_SUBJECT, events_pb2.TrainingJobCompleted(job_id=ctx.job_id, spec=spec, result=result, time=stamp))
    return result


def _stored_progress(ctx, checkpoint_name: str) -> tuple[bytes | None, list[pb.EpochSnapshot]]:
    """The last checkpoint an earlier attempt stored and the snapshots of its epochs (none: start over)."""
    ref = ctx.artifacts.lookup(checkpoint_name)
    if ref is None:
        return None, []
    state = ctx.artifacts.get_bytes(ref)
    snapshots = []
    for record in checkpoint_from_bytes(state).history:
        weights = ctx.artifacts.lookup(f"training/{ctx.job_id}/epoch-{record.epoch}")
        if weights is None:
            return None, []
        snapshots.append(snapshot_proto(record, weights))
    return state, snapshots
