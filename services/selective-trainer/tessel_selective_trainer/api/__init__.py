"""gRPC adapter: proto <-> core conversion, the servicer, and the training-job handler."""
