"""Typed Python clients, one class per service (async, grpc.aio)."""

from tessel.client.base import ServiceClient
from tessel.client.jobs import JobClient
from tessel.client.metrics import MetricsClient

__all__ = ["JobClient", "MetricsClient", "ServiceClient"]
