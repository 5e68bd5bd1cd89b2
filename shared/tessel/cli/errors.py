"""How the CLI fails: one line on stderr, no traceback. Exit 2 for bad input, 1 for everything else.

Servers name a bad input by its proto field path (`spec.max_epochs`, in a google.rpc BadRequest
FieldViolation or a failed job's `error.field`); a command declares which of its flags fills which
field (`use_flags`) and the message names the flag the user typed (`--epochs`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar

import click
import grpc
from google.protobuf.descriptor import Descriptor

from tessel.runtime.errors import TesselError
from tessel.runtime.rpc_errors import field_violations, grpc_code
from tessel.stack.state import StackNotRunning

_BAD_INPUT_CODES = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION}
# proto field path (prefix) -> flag of the command running now; set by the command, read when it fails.
_FLAGS: ContextVar[Mapping[str, str]] = ContextVar("tessel_cli_flags", default={})


def use_flags(flags: Mapping[str, str]) -> None:
    """Declare, for the command now running, which flag fills which request field path."""
    _FLAGS.set(dict(flags))


def flags_from_spec(spec: Descriptor, params: Iterable[click.Parameter], *, prefix: str = "spec.",
                    renamed: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field path -> flag: every spec field with a flag of the same name (`seed` -> `--seed`), plus
    `renamed` (field path below the spec -> flag) for flags that are named differently."""
    flags = {option.lstrip("-").replace("-", "_"): option
             for param in params if isinstance(param, click.Option) for option in param.opts if option.startswith("--")}
    mapped = {f"{prefix}{field.name}": flags[field.name] for field in spec.fields if field.name in flags}
    mapped.update({f"{prefix}{path}": flag for path, flag in (renamed or {}).items()})
    return mapped


def flag_for(path: str, flags: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(flag, the path it fills) for `path` or the nearest field above it: "spec.backbone.hidden_sizes[2]"
    -> the flag of "spec.backbone.hidden_sizes"; None when no flag fills any of them."""
    flags = _FLAGS.get() if flags is None else flags
    candidate = path
    while candidate:
        if candidate in flags:
            return flags[candidate], candidate
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return None


def describe_field(path: str, description: str, flags: Mapping[str, str] | None = None) -> str:
    """"--epochs: must be at least 1"; the proto path stays when no flag fills it."""
    description = description.removeprefix(f"{path}: ") if path else description
    found = flag_for(path, flags) if path else None
    if found is None:
        return f"{path}: {description}" if path else description
    flag, filled = found
    item = re.match(r"\[(\d+)\]", path[len(filled):])
    return f"{flag}{f' (item {int(item.group(1)) + 1})' if item else ''}: {description}"


def rpc_error_message(error: grpc.RpcError, flags: Mapping[str, str] | None = None) -> str | None:
    """The field violations of a failed call in the command's flags, or None when it carried none."""
    violations = field_violations(error)
    if not violations:
        return None
    return "; ".join(describe_field(v.field, v.description, flags) for v in violations)


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
        message = describe_field(error.field, error.message) if error.field else str(error)
        _fail(message, 2 if grpc_code(error) in _BAD_INPUT_CODES else 1)
    except grpc.aio.AioRpcError as error:
        code = error.code()
        if code == grpc.StatusCode.UNAVAILABLE:
            _fail(f"service unavailable ({error.details()}); is the stack up? (`tessel stack status`)", 1)
        bad_input = 2 if code in _BAD_INPUT_CODES else 1
        _fail(rpc_error_message(error) or f"{code.name}: {error.details()}", bad_input)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
