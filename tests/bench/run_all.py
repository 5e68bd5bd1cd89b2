"""Run the benchmarks (`make bench`): every tests/bench/*_bench.py in turn, each in its own process, then
join the Markdown tables they wrote into <results>/summary.md.

  run_all.py                        every bench, full size
  run_all.py --quick metrics        only metrics_bench.py, its quick size (BENCH_QUICK=1 does the same)
  run_all.py metrics -- --points 2000 --repeats 1
                                    arguments after `--` go to every selected bench

A bench that fails does not stop the others; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, RESULTS_ENV, machine_facts, results_dir

BENCH_DIR = Path(__file__).resolve().parent
SUFFIX = "_bench.py"


def available_benches() -> dict[str, Path]:
    return {path.name.removesuffix(SUFFIX): path for path in sorted(BENCH_DIR.glob(f"*{SUFFIX}"))}


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    own, passthrough = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"benches to run (default: all of {', '.join(available_benches())})")
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1",
                        help="pass --quick to every bench (also BENCH_QUICK=1)")
    parser.add_argument("--results", type=Path, default=None,
                        help=f"where benches write and summary.md goes (default tests/bench/results, or ${RESULTS_ENV})")
    args = parser.parse_args(own)
    benches = available_benches()
    unknown = [name for name in args.names if name not in benches]
    if unknown:
        parser.error(f"unknown bench {', '.join(unknown)}; available: {', '.join(benches)}")
    return args, passthrough


def run_bench(name: str, script: Path, arguments: list[str], results: Path) -> dict:
    """Run one bench with its output streamed; report its exit status, time and the tables it wrote."""
    env = {**os.environ, RESULTS_ENV: str(results), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, str(script), *arguments]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    started_at, started = time.time(), time.perf_counter()
    returncode = subprocess.run(command, cwd=REPO, env=env).returncode
    seconds = time.perf_counter() - started
    # Tables this run wrote: <name>.md, or <name>-quick.md for a quick profile (common.result_name).
    tables = sorted(
        path for path in results.glob(f"{name}*.md")
        if path.name != "summary.md" and path.stat().st_mtime >= started_at - 1
    )
    print(f"=== {name}: exit {returncode} after {seconds:.1f} s", flush=True)
    return {"name": name, "returncode": returncode, "seconds": seconds, "tables": tables}


def summary_markdown(runs: list[dict], quick: bool) -> str:
    facts = machine_facts()
    lines = [
        f"# Benchmarks ({'quick' if quick else 'full'} run, {facts['date']})", "",
        f"Machine: {facts['usable_cpus']} usable CPUs ({facts['cpu_model']}), {facts['memory_gib']} GiB, "
        f"torch {facts['torch']}, numpy {facts['numpy']}, GPU: {facts['cuda'] or 'none'}, "
        f"commit {(facts['git_commit'] or 'unknown')[:12]}.", "",
        "| bench | exit | minutes | tables |", "|---|---|---|---|",
    ]
    for run in runs:
        tables = ", ".join(path.name for path in run["tables"]) or "none written"
        lines.append(f"| {run['name']} | {run['returncode']} | {run['seconds'] / 60:.1f} | {tables} |")
    for run in runs:
        for path in run["tables"]:
            lines += ["", path.read_text().rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    args, passthrough = parse_args(argv)
    results = (args.results or results_dir()).resolve()
    results.mkdir(parents=True, exist_ok=True)
    benches = available_benches()
    selected = args.names or list(benches)
    arguments = (["--quick"] if args.quick else []) + passthrough
    runs = [run_bench(name, benches[name], arguments, results) for name in selected]
    summary = results / "summary.md"
    summary.write_text(summary_markdown(runs, args.quick))
    failed = [run["name"] for run in runs if run["returncode"] != 0]
    print(f"\nsummary: {summary}" + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
