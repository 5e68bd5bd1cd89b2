"""Client side of the job-resource RPCs, with submit-and-watch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import ModuleType

from google.protobuf.message import Message

from tessel.client.base import ServiceClient
from tessel.common.v1 import job_pb2

TERMINAL_STATES = frozenset({job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED})


class JobClient(ServiceClient):
    """Create/Get/Watch/Cancel/List for one job resource. Subclasses set `resource` (e.g.
    "TrainingJob"), `messages` (the pb2 module) and the response field names."""

    resource: str
    messages: ModuleType
    field: str = "job"
    plural_field: str = "jobs"

    def _call(self, verb: str):
        return getattr(self.stub, f"{verb}{self.resource}{'s' if verb == 'List' else ''}")

    def _request(self, verb: str, **values) -> Message:
        return getattr(self.messages, f"{verb}{self.resource}{'s' if verb == 'List' else ''}Request")(**values)

    async def create(self, spec: Message, labels: dict[str, str] | None = None, request_id: str = "") -> Message:
        """A retry with the same `request_id` returns the job the first call created."""
        request = self._request("Create", spec=spec, labels=labels or {}, request_id=request_id)
        reply = await self._call("Create")(request)
        return getattr(reply, self.field)

    async def get(self, job_id: str) -> Message:
        return getattr(await self._call("Get")(self._request("Get", id=job_id)), self.field)

    async def watch(self, job_id: str) -> AsyncIterator[Message]:
        async for reply in self._call("Watch")(self._request("Watch", id=job_id)):
            yield getattr(reply, self.field)

    async def cancel(self, job_id: str, reason: str = "") -> Message:
        return getattr(await self._call("Cancel")(self._request("Cancel", id=job_id, reason=reason)), self.field)

    async def list(
        self, *, page_size: int = 0, page_token: str = "", state: int = 0, labels: dict[str, str] | None = None
    ) -> tuple[list[Message], str]:
        request = self._request("List", page=job_pb2.PageRequest(page_size=page_size, page_token=page_token),
                                state=state, labels=labels or {})
        reply = await self._call("List")(request)
        return list(getattr(reply, self.plural_field)), reply.next_page_token

    async def submit_and_watch(
        self, spec: Message, on_update: Callable[[Message], None] | None = None, labels: dict[str, str] | None = None
    ) -> Message:
        """Create a job and follow it to its terminal state; returns the final record."""
        record = await self.create(spec, labels)
        async for record in self.watch(record.job.id):
            if on_update is not None:
                on_update(record)
        return record
