"""Pure core of arch-solver: the MIP over a scored library (no grpc/nats imports)."""
