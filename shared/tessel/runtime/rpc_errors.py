"""Domain errors on the gRPC wire: the status code for each error class and google.rpc details.

The transport half of `tessel.runtime.errors` (which stays free of grpc, so cores can raise it). An
error that names a request field carries a `google.rpc.BadRequest` with one `FieldViolation` (the
proto field path, e.g. "spec.max_epochs", and the description), whatever its code: a client maps the
path back to its own input (the CLI to its flags).
"""

from __future__ import annotations

import re

import grpc
from google.protobuf import any_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from tessel.runtime.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    TesselError,
    Unavailable,
    Unimplemented,
)

GRPC_CODES: dict[type[TesselError], grpc.StatusCode] = {
    InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    NotFound: grpc.StatusCode.NOT_FOUND,
    FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Unimplemented: grpc.StatusCode.UNIMPLEMENTED,
    Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def grpc_code(error: TesselError) -> grpc.StatusCode:
    """The code of the nearest mapped class (a service's subclass of InvalidArgument is INVALID_ARGUMENT)."""
    for cls in type(error).__mro__:
        if cls in GRPC_CODES:
            return GRPC_CODES[cls]
    return grpc.StatusCode.INTERNAL


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\]]*\])*)")


def resolve_field_path(message: Descriptor, path: str) -> FieldDescriptor | None:
    """The field a path such as "spec.global_kd.block_configs[1].attention" names in `message`,
    or None when it names none (indexes of repeated fields and keys of maps are in brackets)."""
    field = None
    for segment in path.split("."):
        match = _SEGMENT.fullmatch(segment)
        if match is None or message is None:
            return None
        field = message.fields_by_name.get(match.group(1))
        if field is None:
            return None
        message = field.message_type
        if match.group(2) and message is not None and message.GetOptions().map_entry:
            message = message.fields_by_name["value"].message_type
    return field


def to_grpc_status(error: TesselError) -> grpc.Status:
    status = status_pb2.Status(code=grpc_code(error).value[0], message=str(error))
    if error.field:
        detail = any_pb2.Any()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=error.field, description=error.message)
                ]
            )
        )
        status.details.append(detail)
    return rpc_status.to_status(status)


def field_violations(error: grpc.RpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    """The field violations a failed call carries (none when the server sent no BadRequest)."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # details that contradict the status line: trust neither
        return []
    if status is None:
        return []
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.extend(bad_request.field_violations)
    return violations
