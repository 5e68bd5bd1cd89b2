"""OpenTelemetry setup and trace propagation through NATS headers.

gRPC hops are traced by the contrib grpc.aio instrumentation (installed before any server or channel
exists). No NATS instrumentation exists, so `inject_headers`/`extract_context` carry W3C trace context
in message headers, modelled on contrib's Kafka getter/setter.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from tessel.runtime.settings import TracingSettings

_instrumented = False


def setup_tracing(service_name: str, *, processor: SpanProcessor | None = None) -> TracerProvider:
    """Install a tracer provider for this process and instrument grpc.aio.

    The exporter follows OTEL_TRACES_EXPORTER (otlp, console or none); `processor` (tests) adds an
    in-memory exporter. Safe to call more than once: the first provider stays global.
    """
    global _instrumented
    settings = TracingSettings()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name or service_name}))
        for name in (n.strip() for n in settings.traces_exporter.split(",")):
            if name == "otlp":
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            elif name == "console":
                provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        trace.set_tracer_provider(provider)
    if processor is not None:
        provider.add_span_processor(processor)
    if not _instrumented:
        from opentelemetry.instrumentation.grpc import GrpcAioInstrumentorClient, GrpcAioInstrumentorServer

        GrpcAioInstrumentorServer().instrument()
        GrpcAioInstrumentorClient().instrument()
        _instrumented = True
    return provider


def shutdown_tracing() -> None:
    """Flush pending spans (called on graceful shutdown)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush()


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Write the current trace context (traceparent/tracestate) into NATS headers."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The trace context a NATS message carries (an empty context when it has none)."""
    return propagate.extract(dict(headers or {}))


def current_trace_id() -> str:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""

