"""Where and how cost measurements run: the scenario's checks, the torch device it names, wall-clock timing
(CUDA events after a synchronisation on a GPU), robust summaries of repeats, and the process's peak memory."""

from __future__ import annotations

import math
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from tessel.llm.scored_library import Scenario
from tessel.runtime.errors import FailedPrecondition, InvalidArgument

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
# Bounds on what a client may ask to be measured (each one allocates batch × tokens activations and KV).
MAX_BATCH_SIZE = 4096
MAX_SEQUENCE_LENGTH = 131_072
MAX_SCENARIO_TOKENS = 1 << 24  # batch × (prompt + generation): the KV cache and activations scale with it
# Scenario attribute -> its name in the proto message tessel.common.v1.Scenario (dtype is `precision` there).
PROTO_FIELDS = {"device": "device", "dtype": "precision", "batch_size": "batch_size",
                "prompt_length": "prompt_length", "generation_length": "generation_length"}


def validate_scenario(scenario: Scenario, *, field: str = "spec.scenario") -> None:
    """Refuse a scenario that cannot be measured, naming the proto field (`<field>.batch_size`, ...).

    The device is checked by `resolve_device` (it needs to know which devices this node has)."""
    if scenario.dtype not in DTYPES:
        raise InvalidArgument(f"unknown dtype {scenario.dtype!r}; one of {', '.join(DTYPES)}",
                              field=f"{field}.{PROTO_FIELDS['dtype']}")
    for name, upper in (("batch_size", MAX_BATCH_SIZE), ("prompt_length", MAX_SEQUENCE_LENGTH),
                        ("generation_length", MAX_SEQUENCE_LENGTH)):
        value = getattr(scenario, name)
        if not isinstance(value, int) or not 1 <= value <= upper:
            raise InvalidArgument(f"must be an integer in 1..{upper}, got {value!r}", field=f"{field}.{name}")
    tokens = scenario.batch_size * (scenario.prompt_length + scenario.generation_length)
    if tokens > MAX_SCENARIO_TOKENS:
        raise InvalidArgument(f"batch × (prompt + generation) = {tokens} tokens is over {MAX_SCENARIO_TOKENS}",
                              field=f"{field}.batch_size")


def resolve_device(device: str, *, field: str = "spec.scenario.device") -> torch.device:
    """The torch device a scenario names: "cpu", "cuda", "cuda:<index>" or "cuda:<device name>" (the form
    tessel.common.v1.Scenario documents, e.g. "cuda:NVIDIA H100 80GB HBM3"; it must be this node's GPU).

    An unknown device is INVALID_ARGUMENT; a CUDA device on a node without it is FAILED_PRECONDITION."""
    if device == "cpu":
        return torch.device("cpu")
    kind, _, which = device.partition(":")
    if kind != "cuda":
        raise InvalidArgument(f"unknown device {device!r}; cpu, cuda, cuda:<index> or cuda:<device name>", field=field)
    if not torch.cuda.is_available():
        raise FailedPrecondition(f"{device!r} was asked for but this node has no CUDA device", field=field)
    count = torch.cuda.device_count()
    if not which:
        return torch.device("cuda", torch.cuda.current_device())
    if which.isdigit():
        if int(which) >= count:
            raise FailedPrecondition(f"this node has {count} CUDA device(s), not {device!r}", field=field)
        return torch.device("cuda", int(which))
    names = [torch.cuda.get_device_name(i) for i in range(count)]
    if which not in names:
        raise FailedPrecondition(f"this node's GPUs are {names}, not {which!r}", field=field)
    return torch.device("cuda", names.index(which))


def device_identity(device: torch.device) -> str:
    """What a timing depends on besides the shape: the GPU's name, or the CPU's model and torch's thread count."""
    if device.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(device)}"
    return f"cpu:{_cpu_model()}:{torch.get_num_threads()} threads"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


CLOCKS = ("wall", "process")


def validate_clock(clock: str, device: torch.device, *, field: str) -> None:
    """"wall": elapsed time (CUDA events on a GPU). "process": the process's CPU time, CPU only: it leaves out
    the time other tenants of a shared machine hold the cores, and equals the wall time of a dedicated core
    when torch runs one thread (with more threads it is their sum, not a latency)."""
    if clock not in CLOCKS:
        raise InvalidArgument(f"unknown clock {clock!r}; one of {', '.join(CLOCKS)}", field=field)
    if clock == "process" and device.type != "cpu":
        raise InvalidArgument("the process clock times CPU work only; use wall on a GPU", field=field)


def time_call(device: torch.device, run: Callable[[], object], clock: str = "wall") -> float:
    """Seconds `run()` takes on `device`. On CUDA the queue is drained first and the time is taken between two
    events recorded around the call (kernel time, not launch time); on CPU it is the wall clock, or the
    process's CPU time with clock="process" (see validate_clock)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1000.0
    now = time.process_time if clock == "process" else time.perf_counter
    started = now()
    run()
    return now() - started


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def spread(values: list[float]) -> float:
    """Interquartile range of the repeats (0 for a single one)."""
    if len(values) < 2:
        return 0.0
    quartiles = statistics.quantiles(values, n=4, method="inclusive")
    return float(quartiles[2] - quartiles[0])


def root_sum_square(values: list[float]) -> float:
    """The spread of a sum of independently measured terms."""
    return math.sqrt(sum(v * v for v in values))


class PeakMemory:
    """Peak memory of a piece of work on `device`, relative to a baseline taken by `begin()`: CUDA's allocator
    peak, or on CPU the process's resident high-water mark (VmHWM, which `reset_peak()` lowers to the current
    resident size through /proc/self/clear_refs where Linux allows it). Call `begin()` before allocating the
    model and `reset_peak()` once it is built, so the peak counts the model and its run but not the garbage
    of building it. CPU numbers include allocator slack and whatever else the process does meanwhile."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.baseline = 0

    def begin(self) -> None:
        synchronize(self.device)
        self.baseline = torch.cuda.memory_allocated(self.device) if self.device.type == "cuda" else _status_bytes("VmRSS")

    def reset_peak(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            return
        try:
            Path("/proc/self/clear_refs").write_text("5")  # "5" resets VmHWM to the current RSS
        except OSError:
            pass

    def peak_bytes(self) -> int:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            return max(0, torch.cuda.max_memory_allocated(self.device) - self.baseline)
        return max(0, _status_bytes("VmHWM") - self.baseline)


def _status_bytes(key: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
