"""gRPC adapter: proto <-> core conversion, the session job handler and the servicer."""
