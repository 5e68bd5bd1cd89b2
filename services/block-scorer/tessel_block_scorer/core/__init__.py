"""Pure scoring and cost code (no grpc/nats)."""
