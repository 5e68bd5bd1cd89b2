"""A file the CLI will write is checked when the command line is parsed: a missing or read-only folder
is exit 2 naming the option, never a traceback after the work is done."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def _tessel(*args: str) -> subprocess.CompletedProcess:
    code = "from tessel.cli.main import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)


def test_a_plot_into_a_missing_folder_is_refused_at_parse_time(tmp_path: Path) -> None:
    for name, values in {"labels": [0, 1, 1], "predictions": [0, 1, 0], "confidence": [0.9, 0.2, 0.5]}.items():
        np.save(tmp_path / f"{name}.npy", np.array(values))
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    inputs = [f"--{n}={tmp_path / f'{n}.npy'}" for n in ("labels", "predictions", "confidence")]
    for target, reason in ((tmp_path / "missing" / "x.png", "does not exist"), (read_only / "x.png", "not writable")):
        if reason == "not writable" and os.access(read_only, os.W_OK):
            continue  # root writes anywhere: nothing to refuse
        result = _tessel("metrics", "rc", *inputs, "--plot", str(target))
        assert result.returncode == 2, result.stderr
        assert "--plot" in result.stderr and reason in result.stderr
        assert "Traceback" not in result.stderr


def test_a_seed_outside_its_proto_type_is_a_usage_error() -> None:
    for command in (["selective", "train", "--dataset", "mnist1d"], ["distill", "library"], ["active", "run"]):
        for seed in (str(2**64), "-1"):
            result = _tessel(*command, "--seed", seed)
            assert result.returncode == 2, (command, seed, result.stderr)
            assert "--seed" in result.stderr and "Traceback" not in result.stderr
