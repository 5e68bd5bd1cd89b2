"""`tessel assets`: list, fetch, verify and evaluate the offline models, corpus, cloze task and datasets."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tessel.cli.output import SEED
from rich.console import Console
from rich.table import Table

from tessel.runtime.errors import TesselError


class AssetError(click.ClickException):
    """A domain error shown as one line on stderr; exit 2 like the CLI's other TesselError failures."""

    exit_code = 2


def _domain_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except TesselError as error:
            raise AssetError(str(error)) from error

    return wrapper


def _emit_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))


def _human_size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "-"


cache_option = click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Cache folder (default: TESSEL_CACHE_DIR or $TESSEL_HOME/cache).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


@click.group()
def assets() -> None:
    """Offline models, corpus, cloze task and datasets: list, fetch, verify, eval."""


@assets.command("list")
@cache_option
@json_option
@_domain_errors
def list_command(cache_dir: Path | None, as_json: bool) -> None:
    """Every named asset: kind, whether it is ready (or how to get it), location, size, license."""
    from tessel.assets.registry import list_assets

    rows = list_assets(cache_dir)
    if as_json:
        _emit_json({"assets": rows})
        return
    table = Table(title="Tessel assets")
    for column in ("name", "kind", "status", "location", "size", "license"):
        table.add_column(column, overflow="fold")
    for row in rows:
        status = "[green]ready[/green]" if row["available"] else "[yellow]missing[/yellow]"
        table.add_row(row["name"], row["kind"], status, row["location"] or "-", _human_size(row["size_bytes"]),
                      row["license"])
    console = Console()
    console.print(table)
    for row in rows:
        if not row["available"]:
            console.print(f"{row['name']}: {row['how_to_get']}", markup=False)


@assets.command("fetch")
@click.argument("name")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32", show_default=True,
              help="Weights dtype (models only).")
@cache_option
@json_option
@_domain_errors
def fetch_command(name: str, dtype: str, cache_dir: Path | None, as_json: bool) -> None:
    """Prepare one asset (convert, download, extract or generate it); does nothing when it is ready."""
    from tessel.assets.registry import fetch_asset

    result = fetch_asset(name, dtype=dtype, cache_dir=cache_dir)
    if as_json:
        _emit_json(result)
    else:
        click.echo(f"{name}: ready at {result['location']} ({_human_size(result['size_bytes'])})")


@assets.command("verify")
@click.argument("name", required=False)
@cache_option
@json_option
def verify_command(name: str | None, cache_dir: Path | None, as_json: bool) -> None:
    """Re-check digests of one asset, or of every ready asset when no NAME is given."""
    from tessel.assets.registry import ASSETS, get_asset, verify_asset

    try:
        names = [get_asset(name).name] if name else [a.name for a in ASSETS if a.locate(cache_dir) is not None]
    except TesselError as error:
        raise AssetError(str(error)) from error
    results, failures = [], []
    for asset_name in names:
        try:
            results.append(verify_asset(asset_name, cache_dir=cache_dir))
        except TesselError as error:
            results.append({"name": asset_name, "ok": False, "error": str(error)})
            failures.append(f"{asset_name}: {error}")
    if as_json:
        _emit_json({"ok": not failures, "assets": results})
    else:
        for result in results:
            mark = "ok" if result["ok"] else f"FAILED: {result['error']}"
            click.echo(f"{result['name']}: {mark}")
    if failures:
        raise AssetError(f"{len(failures)} asset(s) failed verification: " + "; ".join(failures))


@assets.command("eval")
@click.argument("model", default="smollm2-135m")
@click.option("--dtype", type=click.Choice(["float32", "bfloat16"]), default="float32", show_default=True)
@click.option("--corpus", "corpus_ref", default="corpus", show_default=True, help="`corpus` or a folder of .txt/.jsonl.")
@click.option("--max-windows", type=click.IntRange(min=1), default=None,
              help="Cap on 512-token windows, spread evenly over the held-out split (default: all).")
@click.option("--n-items", type=click.IntRange(min=1), default=200, show_default=True, help="Cloze items.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Corpus split and cloze seed.")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch CPU threads.")
@click.option("--device", default=None, help="Torch device (default: TESSEL_DEVICE).")
@cache_option
@json_option
@_domain_errors
def eval_command(
    model: str, dtype: str, corpus_ref: str, max_windows: int | None, n_items: int, seed: int,
    threads: int | None, device: str | None, cache_dir: Path | None, as_json: bool,
) -> None:
    """Held-out perplexity (non-overlapping 512-token windows) and cloze accuracy of MODEL."""
    import torch

    from tessel.assets.evaluation import evaluate_language_model
    from tessel.runtime.settings import torch_device

    if threads is not None:
        torch.set_num_threads(threads)
    report = evaluate_language_model(
        model, dtype=dtype, corpus=corpus_ref, max_windows=max_windows, n_items=n_items, seed=seed,
        device=torch_device(device), cache_dir=cache_dir,
    )
    if as_json:
        _emit_json(report)
        return
    ppl, cloze = report["perplexity"], report["cloze"]
    table = Table(title=f"{model} on {report['corpus']} (held-out split)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("detail")
    table.add_row("perplexity", f"{ppl['perplexity']:.3f}",
                  f"{ppl['windows']}/{ppl['total_windows']} windows of {ppl['window_tokens']} tokens, "
                  f"{ppl['tokens_scored']} tokens scored")
    table.add_row("cloze accuracy", f"{cloze['accuracy']:.3f}",
                  f"{cloze['items']} items, {cloze['version']}, mean confidence {cloze['mean_confidence']:.3f}")
    table.add_row("seconds", f"{report['seconds']['total']}", "")
    Console().print(table)


if __name__ == "__main__":
    assets()
