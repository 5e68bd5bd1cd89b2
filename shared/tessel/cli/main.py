"""The `tessel` command: one click group per area, each in its own module, imported only when used.

`tessel --help` and `tessel stack …` must not pay for torch/transformers (≈4 s), so the groups are
named here with their one-line help and their module is imported when the group is invoked.
"""

from __future__ import annotations

import importlib

import click

from tessel.cli.errors import run_cli

# name -> (module:attribute, short help shown by `tessel --help`). Add a service's group here.
COMMAND_GROUPS: dict[str, tuple[str, str]] = {
    "stack": ("tessel.cli.stack:stack", "Run the local stack: NATS and every service."),
    "assets": ("tessel.cli.assets:assets", "Fetch and inspect the shipped models, corpora and datasets."),
    "metrics": ("tessel.cli.metrics:metrics", "Selective-prediction metrics: risk-coverage, AURC, PA."),
    "selective": ("tessel.cli.selective:selective", "Train selective classifiers and certify a risk."),
    "distill": ("tessel.cli.distill:distill", "Build block libraries (BLD) and run global KD."),
    "score": ("tessel.cli.score:score", "Score block libraries (replace-one-block KL) and measure their cost."),
    "solve": ("tessel.cli.solve:solve", "Choose a child architecture under hardware budgets (MIP, sweeps, baselines)."),
    "assemble": ("tessel.cli.solve:assemble", "Assemble a solved architecture into a Hugging Face folder."),
    "active": ("tessel.cli.active:active", "Active learning: coreset selection, sessions, iNAS."),
    "uncertainty": ("tessel.cli.uncertainty:uncertainty", "Confidence estimation: SR, MC-dropout, AES, PES."),
    "compress": ("tessel.cli.compress:compress", "Compress an LM to a budget: the whole pipeline, evaluated."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use; `--help` lists them from the table."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_GROUPS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMAND_GROUPS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target[0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMAND_GROUPS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Tessel: compress deep models and ship them with a reject option and a risk guarantee."""


def main() -> None:
    run_cli(cli)
