"""Output helpers: `--json` prints one JSON object on stdout; otherwise rich tables."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

import click
from rich.console import Console
from rich.table import Table

console = Console()

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")


def emit_json(document: dict) -> None:
    click.echo(json.dumps(document, default=_plain, allow_nan=False))


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    view = Table(title=title)
    for column in columns:
        view.add_column(column)
    for row in rows:
        view.add_row(*(format_value(cell) for cell in row))
    console.print(view)


def format_value(value: object) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.6g}"
    return str(value)


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
