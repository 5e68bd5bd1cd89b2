"""One place where domain errors become gRPC status codes, for every service."""

from __future__ import annotations

import inspect
import logging

import grpc

from tessel.runtime.errors import TesselError

log = logging.getLogger(__name__)


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    """TesselError → its status code with a message naming the field; anything unexpected → INTERNAL
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
            await _abort(context, error)

    return wrapped


def _wrap_stream(behavior):
    async def wrapped(request, context):
        try:
            async for response in behavior(request, context):
                yield response
        except Exception as error:  # noqa: BLE001
            await _abort(context, error)

    return wrapped


async def _abort(context: grpc.aio.ServicerContext, error: Exception) -> None:
    if isinstance(error, grpc.aio.AbortError):
        raise error
    if isinstance(error, TesselError):
        await context.abort(error.grpc_code, str(error))
    log.exception("unexpected error in RPC")
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error: {type(error).__name__}: {error}")
