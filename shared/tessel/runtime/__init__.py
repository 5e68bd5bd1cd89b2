"""Runtime shared by every Tessel service: server, errors, settings, NATS, tracing, artifacts, jobs."""
