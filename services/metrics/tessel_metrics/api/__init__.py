"""gRPC adapter of the metrics service."""
