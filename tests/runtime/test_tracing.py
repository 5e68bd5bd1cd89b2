"""One trace from the client call through the metrics RPC to the NATS event consumer."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tessel.client.metrics import MetricsClient
from tessel.runtime.tracing import setup_tracing
from tessel_metrics.service import DEFINITION

pytestmark = pytest.mark.nats


async def test_one_trace_id_spans_client_server_publish_and_consume(start):
    exporter = InMemorySpanExporter()
    setup_tracing("test", processor=SimpleSpanProcessor(exporter))
    service = await start(DEFINITION)
    consumed = asyncio.Event()

    async def on_event(msg):
        consumed.set()

    await service.runtime.messaging.subscribe("tessel.metrics.v1.risk_coverage_computed", on_event)
    with trace.get_tracer("test").start_as_current_span("user request") as root:
        async with MetricsClient(service.address) as client:
            await client.risk_coverage(np.array([0, 1, 1]), np.array([0, 1, 0]), np.array([0.9, 0.8, 0.1]))
    await asyncio.wait_for(consumed.wait(), 5)
    await asyncio.sleep(0.1)  # the consumer span ends right after the handler returns

    trace_id = root.get_span_context().trace_id
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    kinds = {(s.kind, s.name) for s in spans}
    assert any(kind == SpanKind.CLIENT and name.endswith("ComputeRiskCoverage") for kind, name in kinds), kinds
    assert any(kind == SpanKind.SERVER and name.endswith("ComputeRiskCoverage") for kind, name in kinds), kinds
    assert (SpanKind.PRODUCER, "tessel.metrics.v1.risk_coverage_computed publish") in kinds
    assert (SpanKind.CONSUMER, "tessel.metrics.v1.risk_coverage_computed process") in kinds
    server = next(s for s in spans if s.kind == SpanKind.SERVER)
    producer = next(s for s in spans if s.kind == SpanKind.PRODUCER)
    consumer = next(s for s in spans if s.kind == SpanKind.CONSUMER)
    assert producer.parent.span_id == server.context.span_id
    assert consumer.parent.span_id == producer.context.span_id
