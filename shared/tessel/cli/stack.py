"""`tessel stack up|down|status`: the local stack."""

from __future__ import annotations

import contextlib

import click

from tessel.cli.output import console, emit_json, json_option, table
from tessel.stack import local


@click.group()
def stack() -> None:
    """Start, stop and inspect the local stack (nats-server and every service on loopback)."""


@stack.command()
@json_option
def up(as_json: bool) -> None:
    """Start the stack (idempotent); returns once every service is SERVING."""
    with console.status("starting nats-server and the services…", spinner="dots") if not as_json else contextlib.nullcontext():
        local.up()
    _print_status(as_json)


@stack.command()
@json_option
def down(as_json: bool) -> None:
    """Stop every process of the stack."""
    stopped = local.down()
    if as_json:
        emit_json({"stopped": stopped})
    else:
        console.print(f"stopped: {', '.join(stopped)}" if stopped else "no stack was running")


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

