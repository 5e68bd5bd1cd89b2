"""gRPC servicer and the compression job handler (drives the stages through the other services)."""
