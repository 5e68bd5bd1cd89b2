from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tessel.cli.assets import assets

REQUIRED = {"smollm2-135m", "corpus", "cloze", "fashion-mnist", "mnist", "mnist1d", "digits", "tiny-llama"}


def test_list_json_names_every_asset(asset_cache: Path, smollm2_folder: Path, default_corpus) -> None:
    result = CliRunner().invoke(assets, ["list", "--json", "--cache-dir", str(asset_cache)])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)["assets"]}
    assert REQUIRED <= set(rows)
    assert rows["smollm2-135m"]["available"] and rows["smollm2-135m"]["license"] == "Apache-2.0"
    assert rows["smollm2-135m"]["size_bytes"] > 500_000_000  # float32 weights
    assert rows["corpus"]["available"] and rows["digits"]["available"]


def test_fetch_and_verify(asset_cache: Path, default_corpus) -> None:
    runner = CliRunner()
    fetched = runner.invoke(assets, ["fetch", "tiny-llama-2l", "--json", "--cache-dir", str(asset_cache)])
    assert fetched.exit_code == 0, fetched.output
    assert Path(json.loads(fetched.stdout)["location"], "model.safetensors").is_file()
    verified = runner.invoke(assets, ["verify", "corpus", "--json", "--cache-dir", str(asset_cache)])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["ok"] is True


def test_eval_reports_perplexity_and_cloze(asset_cache: Path) -> None:
    args = ["eval", "tiny-llama-2l", "--max-windows", "2", "--n-items", "4", "--json", "--cache-dir", str(asset_cache)]
    result = CliRunner().invoke(assets, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["perplexity"]["windows"] == 2 and report["perplexity"]["tokens_scored"] == 2 * 511
    # An untrained model is near-uniform over 49152 tokens.
    assert 10_000 < report["perplexity"]["perplexity"] < 200_000
    assert report["cloze"]["items"] == 4 and 0 <= report["cloze"]["accuracy"] <= 1


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tessel.cli.assets", *args], capture_output=True, text=True, timeout=120)


def test_missing_asset_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    for args in (["verify", "cifar10", "--cache-dir", str(tmp_path)], ["fetch", "no-such-asset"],
                 ["verify", "smollm2-135m", "--cache-dir", str(tmp_path)]):
        result = _run_cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().startswith("Error:") and len(result.stderr.strip().splitlines()) == 1
    assert "tessel assets fetch smollm2-135m" in _run_cli("verify", "smollm2-135m", "--cache-dir", str(tmp_path)).stderr
