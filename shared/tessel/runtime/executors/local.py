"""Run shards as local worker processes, restarting a crashed one (it skips what it already stored)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import deque

from tessel.runtime.executors import OnEvent, WorkerFailed, WorkerProgram, worker_command


class LocalExecutor:
    """One worker process per shard (the caller sizes the shard count to the machine)."""

    def __init__(self, program: WorkerProgram, *, threads_per_worker: int = 1, restarts: int = 2) -> None:
        self.program = program
        self.threads_per_worker = threads_per_worker
        self.restarts = restarts
        # Live processes by shard index (tests kill one to check resumption).
        self.processes: dict[int, subprocess.Popen] = {}

    def run(self, store, work_order_ref, shard_count: int, on_event: OnEvent) -> None:
        events: queue.Queue = queue.Queue()
        stderr_tails: dict[int, deque] = {}
        env = {
            **os.environ,
            "TESSEL_ARTIFACTS_URI": store.root_uri,
            self.program.threads_env: str(self.threads_per_worker),
            "OMP_NUM_THREADS": str(self.threads_per_worker),
        }
        restarts_left = {index: self.restarts for index in range(shard_count)}

        def start(index: int) -> None:
            process = subprocess.Popen(
                [sys.executable, *worker_command(self.program, work_order_ref, shard_count), "--shard-index", str(index)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            )
            stderr_tails[index] = deque(maxlen=20)
            threading.Thread(target=_pump_events, args=(process, events), daemon=True).start()
            threading.Thread(target=_pump_tail, args=(process, stderr_tails[index]), daemon=True).start()
            self.processes[index] = process

        try:
            for index in range(shard_count):
                start(index)
            while self.processes:
                _drain(events, on_event)
                for index, process in list(self.processes.items()):
                    code = process.poll()
                    if code is None:
                        continue
                    process.wait()
                    del self.processes[index]
                    if code == 0:
                        continue
                    if restarts_left[index] == 0:
                        tail = "".join(stderr_tails[index]).strip().splitlines()[-3:]
                        raise WorkerFailed(f"worker {index} exited with code {code}: {' | '.join(tail)}")
                    restarts_left[index] -= 1
                    on_event({"event": "restarted", "shard": index, "exit_code": code})
                    start(index)
                time.sleep(0.1)
            _drain(events, on_event)
        finally:
            for process in self.processes.values():
                process.kill()
                process.wait()
            self.processes.clear()


def _pump_events(process: subprocess.Popen, events: queue.Queue) -> None:
    for line in process.stdout:
        try:
            events.put(json.loads(line))
        except json.JSONDecodeError:
            continue


def _pump_tail(process: subprocess.Popen, tail: deque) -> None:
    for line in process.stderr:
        tail.append(line)


def _drain(events: queue.Queue, on_event: OnEvent) -> None:
    while True:
        try:
            on_event(events.get_nowait())
        except queue.Empty:
            return
