"""Output helpers: `--json` prints one JSON object on stdout; otherwise rich tables."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

console = Console()

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
# Seeds travel as uint64 / uint32 proto fields: out of range is a usage error (exit 2), not a traceback.
SEED = click.IntRange(0, 2**64 - 1)
SEED32 = click.IntRange(0, 2**32 - 1)


class OutputFile(click.Path):
    """A file the command will write: refused at parse time (exit 2, naming the option) when its folder
    is missing or not writable, so a long call never ends in a traceback at the last step."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        folder = Path(path).expanduser().resolve().parent
        if not folder.is_dir():
            self.fail(f"folder {folder} does not exist", param, ctx)
        if not os.access(folder, os.W_OK):
            self.fail(f"folder {folder} is not writable", param, ctx)
        return path


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
