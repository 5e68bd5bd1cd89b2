"""gRPC adapter: proto <-> core types, job handlers."""
