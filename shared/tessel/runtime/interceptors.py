"""One place where domain errors become gRPC statuses (code, message, google.rpc details), for every service."""

from __future__ import annotations

import inspect
import logging

import grpc

from tessel.runtime.errors import TesselError
from tessel.runtime.rpc_errors import resolve_field_path, to_grpc_status

log = logging.getLogger(__name__)


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """TesselError → its status code, a message naming the field, and a BadRequest.FieldViolation with
    the field's path (`tessel.runtime.rpc_errors`); anything unexpected → INTERNAL
    with the exception's type and text (logged with its traceback), never a bare status."""

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_stream(handler.unary_stream),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return handler


def _wrap_unary(behavior):
    async def wrapped(request, context):
        try:
            result = behavior(request, context)
            return await result if inspect.isawaitable(result) else result
        except Exception as error:  # noqa: BLE001
            await _abort(context, error, request)

    return wrapped


def _wrap_stream(behavior):
    async def wrapped(request, context):
        try:
            async for response in behavior(request, context):
                yield response
        except Exception as error:  # noqa: BLE001
            await _abort(context, error, request)

    return wrapped


async def _abort(context: grpc.aio.ServicerContext, error: Exception, request) -> None:
    if isinstance(error, grpc.aio.AbortError):
        raise error
    if isinstance(error, TesselError):
        if error.field and resolve_field_path(request.DESCRIPTOR, error.field) is None:
            # A client cannot act on a path its request does not have: a bug in the service.
            log.warning("error names %r, which is not a field of %s", error.field, request.DESCRIPTOR.full_name)
        await context.abort_with_status(to_grpc_status(error))
    log.exception("unexpected error in RPC")
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(error).__name__}: {error}")
