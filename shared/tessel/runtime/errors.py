"""Domain errors: plain Python that cores raise. The transport maps them to gRPC status codes
(`tessel.runtime.rpc_errors`, used by the server interceptor); the job runner to a JobError code.

Every error names the request field it is about (when there is one), as its proto field path from the
request message (e.g. "spec.max_epochs", "page.page_size", "id"), so a user can fix the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from tessel.common.v1 import job_pb2


class TesselError(Exception):
    """Base class: a failure the caller can understand and act on."""

    job_code = job_pb2.ERROR_CODE_INTERNAL

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(TesselError):
    """The request itself is wrong (bad value, shape, range, dtype)."""

    job_code = job_pb2.ERROR_CODE_INVALID_ARGUMENT


class NotFound(TesselError):
    """A referenced job, model, dataset or artifact does not exist."""

    job_code = job_pb2.ERROR_CODE_NOT_FOUND


class FailedPrecondition(TesselError):
    """The request is valid but the system is not in a state to serve it (missing asset, wrong job state)."""

    job_code = job_pb2.ERROR_CODE_FAILED_PRECONDITION


class ResourceExhausted(TesselError):
    """The request asks for more than a configured bound allows (a read past the size cap, too many items)."""

    job_code = job_pb2.ERROR_CODE_RESOURCE_EXHAUSTED


class Unavailable(TesselError):
    """A dependency (the message bus) cannot be reached now; the same call may succeed later."""

    job_code = job_pb2.ERROR_CODE_ABORTED


class Unimplemented(TesselError):
    """The RPC exists in the contract but its capability is not built yet."""

    job_code = job_pb2.ERROR_CODE_INTERNAL


@contextmanager
def fields_renamed(paths: dict[str, str]) -> Iterator[None]:
    """Re-root the field of a TesselError raised inside: shared code names its own parameters
    ("dataset", "root", "artifact.uri"); the caller knows which request fields it passed them, e.g.
    `fields_renamed({"dataset": "spec.dataset", "root": "spec.dataset_root"})`. The first path
    segment is what is matched, so "backbone.dropout" under {"backbone": "spec.backbone"} becomes
    "spec.backbone.dropout"."""
    try:
        yield
    except TesselError as error:
        head = re.match(r"[^.\[]*", error.field).group(0)
        if head in paths:
            error.field = paths[head] + error.field[len(head):]
        raise
