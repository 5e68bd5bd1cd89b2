"""gRPC adapter: proto <-> core conversion, the servicer and the estimation-job handler."""
