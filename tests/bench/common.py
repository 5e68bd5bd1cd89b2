"""What every benchmark in tests/bench shares: the facts of the machine it ran on and how results are written.

Each bench writes `<results>/<name>.json` (machine facts, parameters, results) and `<results>/<name>.md`
(a short table); `run_all.py` joins the tables into `summary.md`. The results folder is tests/bench/results,
or $TESSEL_BENCH_RESULTS when set (run_all.py, gpu.sh and the tests point it elsewhere). A bench's quick
profile writes `<name>-quick`. Benches that train take `--device` (add_device_argument, resolve_device).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
RESULTS_ENV = "TESSEL_BENCH_RESULTS"
DEVICES = ("auto", "cpu", "cuda")


def results_dir() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or Path(__file__).parent / "results")


def result_name(bench: str, quick: bool) -> str:
    return f"{bench}-quick" if quick else bench


def add_device_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", choices=DEVICES, default=None,
                        help="where to train: auto = CUDA when present (default: $TESSEL_DEVICE, else auto)")


def resolve_device(parser: argparse.ArgumentParser, requested: str | None) -> str:
    """The torch device for `--device` (None: the TESSEL_DEVICE setting); asking for CUDA where torch sees
    no GPU is a usage error (exit 2), not a traceback minutes into a run."""
    import torch

    from tessel.runtime.settings import torch_device

    device = torch_device(requested)
    if device == "cuda" and not torch.cuda.is_available():
        parser.error("argument --device: cuda was asked for but torch sees no CUDA device")
    return device


def machine_facts(device: str | None = None) -> dict[str, Any]:
    """Enough to tell two runs' machines apart; absolute times only mean something next to these.
    `device` is the torch device the bench ran on (None: it does not say)."""
    import torch

    facts: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "numpy": np.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "device": device,
        "device_name": torch.cuda.get_device_name(device) if device and device.startswith("cuda") else None,
        "git_commit": _git_commit(),
    }
    for distribution in ("scipy", "scikit-learn"):
        facts[distribution] = package_version(distribution)
    return facts


def package_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def write_results(name: str, document: dict[str, Any], markdown: str, out_dir: Path | None = None,
                  device: str | None = None) -> tuple[Path, Path]:
    """Write `<name>.json` (machine facts, with `device`, added under "machine" unless given) and `<name>.md`
    into `out_dir`, else results_dir().

    Files are written to a temporary name and renamed, so an interrupted run never leaves half a table.
    """
    out_dir = Path(out_dir) if out_dir is not None else results_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {"bench": name, "machine": document.get("machine") or machine_facts(device), **document}
    json_path, md_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    _write_atomically(json_path, json.dumps(document, indent=2, default=_to_json) + "\n")
    _write_atomically(md_path, markdown.rstrip() + "\n")
    return json_path, md_path


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def _to_json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None
