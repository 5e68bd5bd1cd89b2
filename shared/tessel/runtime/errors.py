"""Domain errors. Cores raise these; the gRPC interceptor and the job runner map them to status codes.

Every error names the request field it is about (when there is one) so a user can fix the input.
"""

from __future__ import annotations

import grpc

from tessel.common.v1 import job_pb2


class TesselError(Exception):
    """Base class: a failure the caller can understand and act on."""

    grpc_code = grpc.StatusCode.INTERNAL
    job_code = job_pb2.ERROR_CODE_INTERNAL

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidArgument(TesselError):
    """The request itself is wrong (bad value, shape, range, dtype)."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT
    job_code = job_pb2.ERROR_CODE_INVALID_ARGUMENT


class NotFound(TesselError):
    """A referenced job, model, dataset or artifact does not exist."""

    grpc_code = grpc.StatusCode.NOT_FOUND
    job_code = job_pb2.ERROR_CODE_NOT_FOUND


class FailedPrecondition(TesselError):
    """The request is valid but the system is not in a state to serve it (missing asset, wrong job state)."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION
    job_code = job_pb2.ERROR_CODE_FAILED_PRECONDITION


class Unimplemented(TesselError):
    """The RPC exists in the contract but its capability is not built yet."""

    grpc_code = grpc.StatusCode.UNIMPLEMENTED
    job_code = job_pb2.ERROR_CODE_INTERNAL
