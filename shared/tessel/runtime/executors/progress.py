"""Worker events → job progress, for every service that fans variants out over the executors: variants
done / total, the last metrics, and a line for a restarted worker. A service says what its own events mean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class VariantProgress:
    def __init__(self, progress: Callable[..., None], *, total: int, done: int) -> None:
        self.progress = progress
        self.total = total
        self.done = done
        self.metrics: dict[str, float] = {}
        self.message = ""

    def report(self, message: str | None = None) -> None:
        self.message = message or self.message
        self.progress(done=self.done, total=self.total, unit="variants", message=self.message, metrics=dict(self.metrics))

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "finished":
            self.done += 1
            self.report(self.finished(event))
        elif kind == "restarted":
            self.report(f"worker {event['shard']} exited with code {event['exit_code']}: restarted")
        else:
            self.report(self.update(event))

    def finished(self, event: dict[str, Any]) -> str:
        """The line for a finished variant (and the metrics it updates)."""
        raise NotImplementedError

    def update(self, event: dict[str, Any]) -> str | None:
        """The line for any other event of the service's workers (None keeps the last one)."""
        return None
