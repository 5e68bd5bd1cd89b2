"""How the CLI fails: one line on stderr, no traceback. Exit 2 for bad input, 1 for everything else."""

from __future__ import annotations

import sys

import click
import grpc

from tessel.runtime.errors import TesselError
from tessel.runtime.rpc_errors import grpc_code
from tessel.stack.state import StackNotRunning

_BAD_INPUT_CODES = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION}


def run_cli(group: click.Group) -> None:
    try:
        group.main(standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", 1)
    except click.ClickException as error:
        _fail(error.format_message(), error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except StackNotRunning as error:
        _fail(str(error), 1)
    except TesselError as error:
        _fail(str(error), 2 if grpc_code(error) in _BAD_INPUT_CODES else 1)
    except grpc.aio.AioRpcError as error:
        code = error.code()
        if code == grpc.StatusCode.UNAVAILABLE:
            _fail(f"service unavailable ({error.details()}); is the stack up? (`tessel stack status`)", 1)
        _fail(f"{code.name}: {error.details()}", 2 if code in _BAD_INPUT_CODES else 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
