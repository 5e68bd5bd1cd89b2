"""ActiveLearnerService: the five session RPCs (generic runtime plumbing), Query, SubmitLabels and the pure
SelectCoreset."""

from __future__ import annotations

from tessel.active.v1 import active_pb2, active_pb2_grpc
from tessel.common.v1 import job_pb2
from tessel.runtime.arrays import array_from_proto
from tessel.runtime.cpu import run_cpu
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.runtime.server import ServiceRuntime
from tessel.runtime.settings import torch_device
from tessel_active_learner.api.sessions import submit_labels, validate_session

# SelectCoreset holds the embeddings in memory (and on the GPU): bounded.
MAX_CORESET_ELEMENTS = 64 * 1024 * 1024  # n x d; 256 MiB of float32
MAX_CORESET_COUNT = 100_000
MAX_QUERY_COUNT = 100_000


class ActiveLearnerServicer(
    job_rpcs("Session", active_pb2, validate=validate_session, field="session", plural_field="sessions"),
    active_pb2_grpc.ActiveLearnerServiceServicer,
):
    def __init__(self, jobs: JobManager, runtime: ServiceRuntime) -> None:
        self.jobs = jobs
        self.runtime = runtime

    async def Query(self, request: active_pb2.QueryRequest, context) -> active_pb2.QueryResponse:
        if not 0 <= request.count <= MAX_QUERY_COUNT:
            raise InvalidArgument(f"must be in [0, {MAX_QUERY_COUNT}] (0 means all), got {request.count}", field="count")
        with fields_renamed({"id": "session_id"}):
            record = await self.jobs.get(request.session_id)
        result = record.result
        waiting = record.job.state == job_pb2.JOB_STATE_WAITING
        pending = list(result.pending_indices) if waiting else []
        return active_pb2.QueryResponse(
            indices=pending[: request.count or None], state=record.job.state, round=len(result.rounds),
            labelled_count=len(result.labelled_indices), label_budget=record.spec.label_budget,
            num_classes=result.num_classes,
        )

    async def SubmitLabels(self, request: active_pb2.SubmitLabelsRequest, context) -> active_pb2.SubmitLabelsResponse:
        record = await submit_labels(self.jobs, request.session_id, list(request.indices), list(request.labels))
        return active_pb2.SubmitLabelsResponse(
            labelled_count=len(record.result.labelled_indices), pending_count=len(record.result.pending_indices),
            session=record,
        )

    async def SelectCoreset(self, request: active_pb2.SelectCoresetRequest, context) -> active_pb2.SelectCoresetResponse:
        embeddings = array_from_proto(request.embeddings, field="embeddings", kinds="f", ndim=2,
                                      artifacts=self.runtime.artifacts)
        if embeddings.size > MAX_CORESET_ELEMENTS:
            raise InvalidArgument(f"{embeddings.shape[0]} x {embeddings.shape[1]} values; at most "
                                  f"{MAX_CORESET_ELEMENTS} in all", field="embeddings")
        if not 1 <= request.count <= MAX_CORESET_COUNT:
            raise InvalidArgument(f"must be in [1, {MAX_CORESET_COUNT}], got {request.count}", field="count")
        selection = await run_cpu(select_coreset, embeddings, list(request.initial), request.count)
        return active_pb2.SelectCoresetResponse(indices=selection.indices, radii=selection.radii)


def select_coreset(embeddings, initial: list[int], count: int):
    import numpy as np
    import torch

    from tessel.zoo.coreset import greedy_k_center

    if not np.isfinite(embeddings).all():
        raise InvalidArgument("must be finite (no NaN or infinity)", field="embeddings")
    with fields_renamed({"labeled": "initial", "budget": "count"}):
        return greedy_k_center(torch.tensor(embeddings), initial, count,
                               device=torch_device(None))
