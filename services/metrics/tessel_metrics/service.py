"""The metrics service definition: what `python -m tessel_metrics` runs."""

from __future__ import annotations

from tessel.metrics.v1 import metrics_pb2_grpc
from tessel.runtime.server import ServiceDefinition, ServiceRuntime
from tessel_metrics.api.servicer import MetricsServicer


def _setup(runtime: ServiceRuntime) -> None:
    metrics_pb2_grpc.add_MetricsServiceServicer_to_server(
        MetricsServicer(runtime.messaging, runtime.artifacts), runtime.server
    )


DEFINITION = ServiceDefinition(name="metrics", setup=_setup)
