"""The commands every job service's CLI shares: submit (follow by default), get, watch, list, cancel.

A service's group builds one `JobKit` (its client, what a job is called, how a finished job prints)
and calls `kit.add_commands(group)`; its own create commands take `@submit_options` and end in
`kit.submit(...)`. Progress goes to stderr (a `--json` stdout stays one JSON object); Ctrl-C while
following detaches and says how to watch or cancel (`--cancel-on-interrupt` cancels instead).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import click
from google.protobuf.message import Message
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tessel.cli.errors import describe_field, use_flags
from tessel.cli.output import console, emit_json, json_option
from tessel.common.v1 import job_pb2

class EnumNames:
    """One spelling per value of a proto enum, the same in flags and in output: the value name without
    the enum's prefix, lower case, "-" for "_" (ARCHITECTURE_SMALL_CNN -> "small-cnn"). The zero value
    is left out unless `unspecified` names it (e.g. "default")."""

    def __init__(self, enum, prefix: str, *, unspecified: str | None = None) -> None:
        self.values: dict[str, int] = {}
        for name, number in enum.items():
            if number == 0 and unspecified is None:
                continue
            spelled = unspecified if number == 0 else name.removeprefix(prefix).lower().replace("_", "-")
            self.values[spelled] = number
        self.names = {number: name for name, number in self.values.items()}

    @property
    def choices(self) -> list[str]:
        return sorted(self.values)

    def __getitem__(self, name: str) -> int:
        return self.values[name]

    def name(self, number: int) -> str:
        return self.names.get(number, str(number))


JOB_STATES = EnumNames(job_pb2.JobState, "JOB_STATE_")
STATES: dict[str, int] = JOB_STATES.values  # "queued", "running", "waiting", "succeeded", ...
TERMINAL = frozenset({job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED})
LIST_PAGE_SIZE = 100
# How long `watch` keeps re-opening a watch that ends UNAVAILABLE before giving up with the error.
WATCH_RETRY_SECONDS = 300.0
progress_console = Console(stderr=True)


def state_name(state: int) -> str:
    return JOB_STATES.name(state)


def parse_labels(values: tuple[str, ...], option: str = "--label") -> dict[str, str]:
    labels = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=option)
        labels[key] = text
    return labels


def submit_options(command: Callable) -> Callable:
    """--label, --request-id, --detach, --cancel-on-interrupt and --json, passed on as `submit`."""

    @click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Label the job (repeatable).")
    @click.option("--request-id", default="", help="Idempotency key: retrying with it returns the same job.")
    @click.option("--detach", is_flag=True, help="Print the job id and return instead of following it.")
    @click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C cancels the job instead of detaching.")
    @json_option
    @functools.wraps(command)
    def wrapper(*args, labels, request_id, detach, cancel_on_interrupt, as_json, **kwargs):
        submit = Submission(parse_labels(labels), request_id, detach, cancel_on_interrupt, as_json)
        return command(*args, submit=submit, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Submission:
    labels: dict[str, str]
    request_id: str
    detach: bool
    cancel_on_interrupt: bool
    as_json: bool


@dataclass
class JobKit:
    """Job commands over one job client. `client()` makes a `JobClient` (a factory, so a group can import
    grpc only when a command runs); `show(record, as_json)` prints a succeeded job's result;
    `metric_names` are the progress metrics shown beside the bar."""

    client: Callable[[], object]
    noun: str  # "distillation job"
    command: str  # "tessel distill", for the hints printed on detach
    show: Callable[[Message, bool], None]
    metric_names: tuple[str, ...] = ()

    # -- submit / follow -------------------------------------------------------------------------

    def submit(self, spec: Message, submit: Submission, *, flags: Mapping[str, str] | None = None) -> Message:
        """Create the job and (unless detached) follow it to its end; prints the outcome."""
        if flags is not None:
            use_flags(flags)

        async def create():
            async with self.client() as client:
                return await client.create(spec, submit.labels, request_id=submit.request_id)

        record = asyncio.run(create())
        if submit.detach:
            self._print_brief(record, submit.as_json)
            return record
        record = self.follow(record.job.id, as_json=submit.as_json, cancel_on_interrupt=submit.cancel_on_interrupt)
        self.finish(record, submit.as_json)
        return record

    def follow(self, job_id: str, *, as_json: bool, cancel_on_interrupt: bool = False) -> Message:
        """Watch to a terminal state with a progress bar on stderr; Ctrl-C detaches (or cancels)."""
        try:
            return asyncio.run(self._watch(job_id))
        except KeyboardInterrupt:
            if cancel_on_interrupt:
                record = self._call(lambda client: client.cancel(job_id, "interrupted from the CLI"))
                progress_console.print(f"{job_id}: cancel requested ({state_name(record.job.state)})")
                raise click.exceptions.Exit(130) from None
            progress_console.print(
                f"detached from {job_id}; it keeps running. Follow it: `{self.command} watch {job_id}`, "
                f"stop it: `{self.command} cancel {job_id}`"
            )
            raise click.exceptions.Exit(130) from None

    def finish(self, record: Message, as_json: bool) -> None:
        """A succeeded job's result, else its error (the failing field named by its flag) and exit 1/2."""
        job = record.job
        if job.state == job_pb2.JOB_STATE_SUCCEEDED:
            self.show(record, as_json)
            return
        reason = describe_field(job.error.field, job.error.reason) if job.error.field else job.error.reason
        error = click.ClickException(f"{self.noun} {job.id} {state_name(job.state)}: {reason}")
        if job.error.code in (job_pb2.ERROR_CODE_INVALID_ARGUMENT, job_pb2.ERROR_CODE_NOT_FOUND):
            error.exit_code = 2
        raise error

    async def _watch(self, job_id: str) -> Message:
        started = time.monotonic()
        record = None
        columns = (TextColumn("{task.fields[state]:<9}"), TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.fields[count]}"), TextColumn("{task.fields[metrics]}"), TimeElapsedColumn())
        with Progress(*columns, console=progress_console, transient=True) as progress:
            task = progress.add_task("", total=None, state="queued", count="", metrics="")
            async with self.client() as client:
                record = await self._watch_through_outages(client, job_id, lambda r: progress.update(
                    task, **self._progress_fields(r)))
        if record is not None:
            progress_console.print(self.summary(record, time.monotonic() - started), highlight=False)
        return record

    @staticmethod
    async def _watch_through_outages(client, job_id: str, on_record: Callable[[Message], None]) -> Message | None:
        """Follow the job to a terminal state; a watch that ends UNAVAILABLE (the service or its message bus
        is away) is opened again after a growing pause, for up to WATCH_RETRY_SECONDS without an answer."""
        import grpc  # only when a command runs

        record, pause, since = None, 0.5, None
        while True:
            try:
                async for record in client.watch(job_id):
                    since, pause = None, 0.5
                    on_record(record)
                return record
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
                since = since or time.monotonic()
                if time.monotonic() - since > WATCH_RETRY_SECONDS:
                    raise
                progress_console.print(f"{job_id}: {error.details()}; watching again in {pause:.1f}s", highlight=False)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 10.0)

    def _progress_fields(self, record: Message) -> dict:
        job, p = record.job, record.job.progress
        count = f"{p.done}/{p.total} {p.unit}".strip() if p.total else (f"{p.done} {p.unit}".strip() if p.done else "")
        metrics = "  ".join(f"{k} {v:.4g}" for k, v in sorted(p.metrics.items()) if k in self.metric_names)
        return {"description": p.message, "completed": p.done, "total": p.total or None, "state": state_name(job.state),
                "count": count, "metrics": metrics}

    def summary(self, record: Message, seconds: float) -> str:
        job, p = record.job, record.job.progress
        done = f", {p.done}/{p.total} {p.unit}".rstrip() if p.total else ""
        return f"{self.noun} {job.id} {state_name(job.state)} after {seconds:.1f}s{done}"

    # -- get / watch / list / cancel -------------------------------------------------------------

    def add_commands(self, group: click.Group) -> None:
        kit = self

        @group.command()
        @click.argument("job_id")
        @json_option
        def get(job_id, as_json) -> None:
            """Show one job (its result once it has succeeded)."""
            record = kit._call(lambda client: client.get(job_id))
            if record.job.state in TERMINAL:
                kit.finish(record, as_json)
            else:
                kit._print_brief(record, as_json)

        @group.command()
        @click.argument("job_id")
        @click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C cancels the job instead of detaching.")
        @json_option
        def watch(job_id, cancel_on_interrupt, as_json) -> None:
            """Follow a job to its end with a progress bar, then print its result."""
            kit.finish(kit.follow(job_id, as_json=as_json, cancel_on_interrupt=cancel_on_interrupt), as_json)

        @group.command("list")
        @click.option("--state", type=click.Choice(sorted(STATES)), help="Only jobs in this state.")
        @click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Only jobs with this label.")
        @click.option("--limit", type=click.IntRange(min=1), default=LIST_PAGE_SIZE, show_default=True,
                      help="At most this many jobs (pages are followed).")
        @json_option
        def list_jobs(state, labels, limit, as_json) -> None:
            """List jobs, newest pages first as the service orders them."""
            records = kit.list(state=STATES[state] if state else 0, labels=parse_labels(labels), limit=limit)
            rows = [kit.brief(r) for r in records]
            if as_json:
                emit_json({"jobs": rows})
            else:
                view = Table(title=f"{kit.noun.capitalize()}s")
                view.add_column("id", no_wrap=True)  # what get/watch/cancel take: never cut
                for column in ("kind", "state", "progress", "message", "labels"):
                    view.add_column(column)
                for r in rows:
                    view.add_row(r["id"], r["kind"], r["state"], r["progress"], r["message"],
                                 ",".join(f"{k}={v}" for k, v in r["labels"].items()))
                console.print(view)

        @group.command()
        @click.argument("job_id")
        @click.option("--reason", default="", help="Kept on the job as its cancellation reason.")
        @json_option
        def cancel(job_id, reason, as_json) -> None:
            """Ask a job to stop at its next checkpoint."""
            record = kit._call(lambda client: client.cancel(job_id, reason))
            if as_json:
                emit_json(kit.brief(record) | {"cancel_requested": record.job.cancel_requested})
            else:
                click.echo(f"{job_id}: {state_name(record.job.state)} (cancel requested)")

    def list(self, *, state: int = 0, labels: dict[str, str] | None = None, limit: int = LIST_PAGE_SIZE) -> list:
        async def pages():
            records, token = [], ""
            async with self.client() as client:
                while len(records) < limit:
                    page, token = await client.list(page_size=min(limit - len(records), LIST_PAGE_SIZE),
                                                    page_token=token, state=state, labels=labels)
                    records.extend(page)
                    if not token:
                        break
            return records[:limit]

        return asyncio.run(pages())

    def brief(self, record: Message) -> dict:
        job, p = record.job, record.job.progress
        return {"id": job.id, "kind": job.kind, "state": state_name(job.state),
                "progress": f"{p.done}/{p.total}" if p.total else str(p.done), "message": p.message,
                "labels": dict(job.labels)}

    def _print_brief(self, record: Message, as_json: bool) -> None:
        if as_json:
            document = self.brief(record)
            emit_json({"job_id": document.pop("id"), **document})
        else:
            click.echo(f"{record.job.id} {state_name(record.job.state)}")

    def _call(self, method: Callable) -> Message:
        async def call():
            async with self.client() as client:
                return await method(client)

        return asyncio.run(call())
