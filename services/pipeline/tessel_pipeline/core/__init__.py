"""Pure pipeline logic: profiles, evaluation of child vs parent, the report (no grpc/nats)."""
