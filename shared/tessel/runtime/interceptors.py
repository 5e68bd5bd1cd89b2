"""One place where domain errors become gRPC statuses (code, message, google.rpc details), for every service."""

from __future__ import annotations

import inspect
import logging

import grpc

from tessel.runtime.errors import TesselError
from tessel.runtime.messaging import unavailable_from
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
                request_deserializer=_tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_stream(handler.unary_stream),
                request_deserializer=_tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        return handler


class _Undecodable:
    """Stands in for a request whose bytes don't parse, so the call can answer INVALID_ARGUMENT (grpc
    itself would answer INTERNAL for what is the client's mistake)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _tolerant(deserializer):
    if deserializer is None:
        return None

    def deserialize(data: bytes):
        try:
            return deserializer(data)
        except Exception as error:  # noqa: BLE001 - protobuf raises DecodeError, RuntimeWarning, ...
            return _Undecodable(error)

    return deserialize


async def _refuse_undecodable(context, request) -> None:
    await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"the request is not a valid message: {request.error}")


def _wrap_unary(behavior):
    async def wrapped(request, context):
        if isinstance(request, _Undecodable):
            await _refuse_undecodable(context, request)
        try:
            result = behavior(request, context)
            return await result if inspect.isawaitable(result) else result
        except Exception as error:  # noqa: BLE001
            await _abort(context, error, request)

    return wrapped


def _wrap_stream(behavior):
    async def wrapped(request, context):
        if isinstance(request, _Undecodable):
            await _refuse_undecodable(context, request)
        try:
            async for response in behavior(request, context):
                yield response
        except Exception as error:  # noqa: BLE001
            await _abort(context, error, request)

    return wrapped


async def _abort(context: grpc.aio.ServicerContext, error: Exception, request) -> None:
    if isinstance(error, grpc.aio.AbortError):
        raise error
    error = unavailable_from(error) or error  # NATS away: UNAVAILABLE (retry later), not INTERNAL
    if isinstance(error, TesselError):
        if error.field and resolve_field_path(request.DESCRIPTOR, error.field) is None:
            # A client cannot act on a path its request does not have: a bug in the service.
            log.warning("error names %r, which is not a field of %s", error.field, request.DESCRIPTOR.full_name)
        await context.abort_with_status(to_grpc_status(error))
    log.exception("unexpected error in RPC")
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(error).__name__}: {error}")


class ConcurrencyLimitInterceptor(grpc.aio.ServerInterceptor):
    """At most `limit` unary calls in flight per service; past it a call is refused at once with
    RESOURCE_EXHAUSTED (the client backs off) instead of queueing until every caller times out.
    Health checks and reflection are never limited, so probes answer under load. Streams (Watch) are
    not counted: they wait on NATS and hold no CPU."""

    _EXEMPT = ("/grpc.health.v1.Health/", "/grpc.reflection.")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None or not handler.unary_unary or handler_call_details.method.startswith(self._EXEMPT):
            return handler
        behavior = handler.unary_unary

        async def limited(request, context):
            if self.in_flight >= self.limit:
                await context.abort(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"the service is at its limit of {self.limit} concurrent calls; retry with backoff",
                )
            self.in_flight += 1
            try:
                result = behavior(request, context)
                return await result if inspect.isawaitable(result) else result
            finally:
                self.in_flight -= 1

        return grpc.unary_unary_rpc_method_handler(
            limited, request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer
        )
