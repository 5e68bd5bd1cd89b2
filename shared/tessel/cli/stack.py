"""`tessel stack up|down|status`: the local stack."""

from __future__ import annotations

import time

import click
from rich.console import Console

from tessel.cli.errors import use_flags
from tessel.cli.output import console, emit_json, json_option, table
from tessel.stack import local

# Progress lines go to stderr: with --json, stdout is the one JSON document.
progress_console = Console(stderr=True, highlight=False)


@click.group()
def stack() -> None:
    """Start, stop and inspect the local stack (nats-server and every service on loopback)."""


@stack.command()
@click.option("--service", "services", multiple=True, metavar="NAME",
              help="Start only this service (repeatable; default: all). Others are left as they are.")
@json_option
def up(services: tuple[str, ...], as_json: bool) -> None:
    """Start the stack (idempotent); one line per service as it starts and turns SERVING."""
    use_flags({"service": "--service"})
    began = time.monotonic()

    def report(name: str, event: str, seconds: float) -> None:
        timing = f" after {seconds:.1f}s" if event != "started" or name == "nats" else ""
        progress_console.print(f"{name:<22} {event}{timing}")

    local.up(only=services or None, on_progress=report)
    progress_console.print(f"stack up in {time.monotonic() - began:.1f}s")
    _print_status(as_json)


@stack.command()
@json_option
def down(as_json: bool) -> None:
    """Stop every process of the stack (services in parallel, then NATS)."""
    began = time.monotonic()
    stopped = local.down()
    if as_json:
        emit_json({"stopped": stopped, "seconds": round(time.monotonic() - began, 3)})
    else:
        console.print(f"stopped in {time.monotonic() - began:.1f}s: {', '.join(stopped)}" if stopped
                      else "no stack was running")


@stack.command()
@json_option
def status(as_json: bool) -> None:
    """One row per service: name, host:port, health."""
    _print_status(as_json)


def _print_status(as_json: bool) -> None:
    rows = local.status()
    if as_json:
        emit_json({"services": [{"name": r.name, "address": r.address, "health": r.health, "pid": r.pid} for r in rows]})
    else:
        table("Tessel local stack", ["service", "address", "health"], [(r.name, r.address, r.health) for r in rows])
