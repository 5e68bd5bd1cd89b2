"""The local stack: nats-server and the services of the manifest as background processes on loopback."""
