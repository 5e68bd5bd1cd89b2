"""The `tessel` command: one click group per area, each in its own module."""

from __future__ import annotations

import click

from tessel.cli.errors import run_cli


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Tessel: compress deep models and ship them with a reject option and a risk guarantee."""


def _register() -> None:
    # Imported here so `tessel --help` lists every group; each module owns one group.
    from tessel.cli import assets, distill, metrics, selective, stack

    for group in (stack.stack, metrics.metrics, selective.selective, distill.distill, assets.assets):
        cli.add_command(group)


_register()


def main() -> None:
    run_cli(cli)
