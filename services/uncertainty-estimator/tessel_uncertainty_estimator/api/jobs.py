"""The estimation-job handler: artifacts and dataset -> core estimation (in a worker thread) -> result + event.

Model files are read through the artifact store (content-addressed refs inside its root only) and parsed
as safetensors, never unpickled. Snapshots past the final model's epoch are
left out (the final model is found among them by its weights); when it is not among them it joins
them last, as epoch 0.
"""

from __future__ import annotations

import asyncio

import torch
from google.protobuf.timestamp_pb2 import Timestamp

from tessel.runtime.arrays import npy_bytes
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel.runtime.settings import requested_torch_device
from tessel.uncertainty.v1 import events_pb2
from tessel.uncertainty.v1 import uncertainty_pb2 as pb
from tessel.zoo import model_from_bytes
from tessel_uncertainty_estimator.api.conversions import result_from_outcome, settings_from_spec, validate_spec
from tessel_uncertainty_estimator.core.estimation import estimate

COMPLETED_SUBJECT = "tessel.uncertainty.v1.estimation_job_completed"
NPY = "application/x-npy"
MAX_MODEL_BYTES = 1024**3
DATASET_FIELDS = {"dataset": "spec.dataset", "root": "spec.dataset_root"}

__all__ = ["COMPLETED_SUBJECT", "load_model", "run_estimation_job", "validate_spec"]



def load_splits(spec: pb.EstimationJobSpec):
    from tessel.assets.datasets import load_dataset

    with fields_renamed(DATASET_FIELDS):
        return load_dataset(spec.dataset, seed=spec.dataset_seed, root=spec.dataset_root or None)


def load_model(artifacts, ref, field: str):
    """A zoo model from an artifact ref; errors name `field` (e.g. "spec.model", "spec.snapshots[2].weights")."""
    with fields_renamed({"artifact": field, "model": field}):
        return model_from_bytes(artifacts.get_bytes(ref, max_bytes=MAX_MODEL_BYTES))


def load_snapshots(artifacts, spec: pb.EstimationJobSpec, final) -> list:
    """(epoch, model) pairs up to the final model's epoch, the final model last."""
    order = sorted(range(len(spec.snapshots)), key=lambda i: spec.snapshots[i].epoch)
    loaded = [(spec.snapshots[i].epoch, load_model(artifacts, spec.snapshots[i].weights,
                                                   f"spec.snapshots[{i}].weights")) for i in order]
    final_at = next((i for i in reversed(range(len(loaded))) if _same_weights(loaded[i][1], final)), None)
    if final_at is None:
        return [*loaded, (0, final)]
    return loaded[: final_at + 1]


def _same_weights(a, b) -> bool:
    # by value, not by file digest: the trainer's final file and its best-epoch snapshot hold equal
    # tensors but are not byte-identical
    left, right = a.state_dict(), b.state_dict()
    return left.keys() == right.keys() and all(torch.equal(left[k], right[k]) for k in left)


def check_artifacts(artifacts, spec: pb.EstimationJobSpec) -> None:
    """Create-time: the model and every snapshot are readable zoo files with the same architecture."""
    final = load_model(artifacts, spec.model, "spec.model")
    for index, snapshot in enumerate(spec.snapshots):
        model = load_model(artifacts, snapshot.weights, f"spec.snapshots[{index}].weights")
        if model.config.backbone != final.config.backbone or model.config.num_outputs != final.config.num_outputs:
            raise InvalidArgument("has another architecture than spec.model", field=f"spec.snapshots[{index}].weights")


async def run_estimation_job(ctx, spec: pb.EstimationJobSpec) -> pb.EstimationJobResult:
    validate_spec(spec)
    device = requested_torch_device(spec.device, field="spec.device")
    settings = settings_from_spec(spec, device=device)
    ctx.progress(message=f"loading {spec.dataset}")
    data = await asyncio.to_thread(load_splits, spec)
    final = await asyncio.to_thread(load_model, ctx.artifacts, spec.model, "spec.model")
    snapshots = await asyncio.to_thread(load_snapshots, ctx.artifacts, spec, final) if settings.uses_snapshots else []

    def progress(message: str) -> None:  # runs in the worker thread; raises once cancelled
        ctx.progress(message=message)

    outcome = await asyncio.to_thread(estimate, settings, final, snapshots, data, progress)

    def put_npy(values, label: str):
        ref = ctx.artifacts.put_bytes(npy_bytes(values), media_type=NPY, name=f"uncertainty/{ctx.job_id}/{label}.npy")
        ctx.add_result(ref)
        return ref

    result = result_from_outcome(outcome, settings, device, put_npy)
    ctx.progress(message=f"done: {settings.method} on {settings.split}, AURC {result.aurc:.4f}, E-AURC {result.e_aurc:.4f}")
    stamp = Timestamp()
    stamp.GetCurrentTime()
    await ctx.publish(COMPLETED_SUBJECT, events_pb2.EstimationJobCompleted(job_id=ctx.job_id, spec=spec, result=result,
                                                                           time=stamp))
    return result
