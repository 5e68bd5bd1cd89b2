"""The five job-resource RPCs (Create/Get/Watch/Cancel/List), generated once for every service.

    class TrainerServicer(job_rpcs("TrainingJob", training_pb2, validate=validate_spec),
                          training_pb2_grpc.SelectiveTrainerServiceServicer):
        def __init__(self, jobs): self.jobs = jobs

binds CreateTrainingJob, GetTrainingJob, WatchTrainingJob, CancelTrainingJob and ListTrainingJobs
to `self.jobs` (a JobManager), using the contract's own Request/Response messages. The contract has
the shape every job resource shares: `Create<X>Request {spec, labels, request_id}`, `Get/Watch<X>Request
{id}`, `Cancel<X>Request {id, reason}`, `List<X>sRequest {page, state, labels}`.
"""

from __future__ import annotations

from tessel.runtime.cpu import run_cpu

from collections.abc import Callable
from types import ModuleType

from google.protobuf.message import Message

from tessel.runtime.errors import InvalidArgument


def job_rpcs(
    resource: str,
    messages: ModuleType,
    *,
    validate: Callable[[Message], None],
    field: str = "job",
    plural_field: str = "jobs",
) -> type:
    """A mixin class with the five RPCs for `resource` (e.g. "TrainingJob" or "Session")."""
    create, get, watch, cancel, list_ = (
        f"Create{resource}", f"Get{resource}", f"Watch{resource}", f"Cancel{resource}", f"List{resource}s",
    )
    _require_fields(messages, f"{create}Request", "spec", "labels", "request_id")
    _require_fields(messages, f"{list_}Request", "page", "state", "labels")

    def response(rpc: str, **values) -> Message:
        return getattr(messages, f"{rpc}Response")(**values)

    async def create_rpc(self, request, context):
        if not request.HasField("spec"):
            raise InvalidArgument("is required", field="spec")
        # Validation may touch disk (resolving a model or dataset): keep it off the event loop.
        await run_cpu(validate, request.spec)
        record = await self.jobs.create(request.spec, dict(request.labels), request.request_id)
        return response(create, **{field: record})

    async def get_rpc(self, request, context):
        return response(get, **{field: await self.jobs.get(request.id)})

    async def watch_rpc(self, request, context):
        async for record in self.jobs.watch(request.id):
            yield response(watch, **{field: record})

    async def cancel_rpc(self, request, context):
        return response(cancel, **{field: await self.jobs.cancel(request.id, request.reason)})

    async def list_rpc(self, request, context):
        records, token = await self.jobs.list(
            page_size=request.page.page_size, page_token=request.page.page_token, state=request.state,
            labels=dict(request.labels),
        )
        return response(list_, **{plural_field: records, "next_page_token": token})

    methods = {create: create_rpc, get: get_rpc, watch: watch_rpc, cancel: cancel_rpc, list_: list_rpc}
    for name, method in methods.items():
        method.__name__ = name
    return type(f"{resource}Rpcs", (), methods)


def _require_fields(messages: ModuleType, name: str, *fields: str) -> None:
    """Fail at import, not at the first call, when a contract lacks the shared job-resource fields."""
    missing = [f for f in fields if f not in getattr(messages, name).DESCRIPTOR.fields_by_name]
    if missing:
        raise TypeError(f"{messages.__name__}.{name} lacks the job-resource fields {missing}")
