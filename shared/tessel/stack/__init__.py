"""The local stack: nats-server and the seven services as background processes on loopback."""
