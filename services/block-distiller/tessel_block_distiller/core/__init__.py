"""Pure distillation logic: no gRPC or NATS imports."""
