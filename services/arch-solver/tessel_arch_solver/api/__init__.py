"""gRPC adapter: proto <-> core types, the Solve/SolveSweep RPCs and the assembly-job handler."""
