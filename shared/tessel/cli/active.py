"""`tessel active coreset|run|query|label`: coreset selection and active-learning sessions."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import click

from tessel.active.v1 import active_pb2 as pb
from tessel.cli.jobs import JobKit, state_name
from tessel.cli.metrics import NPY, load_npy
from tessel.cli.output import SEED, console, emit_json, json_option, table
from tessel.client.active_learner import ORACLES, STRATEGIES, ActiveLearnerClient
from tessel.common.v1 import job_pb2
from tessel.training.v1 import training_pb2

ARCHITECTURES = {"mlp": training_pb2.ARCHITECTURE_MLP, "small-cnn": training_pb2.ARCHITECTURE_SMALL_CNN,
                 "resnet": training_pb2.ARCHITECTURE_RESNET}
ARCH_CHOICES = (*ARCHITECTURES, "inas")
MAX_LABEL_ROWS = 10_000


@click.group()
def active() -> None:
    """Active learning: coreset selection, sessions (simulated or human oracle), fixed backbone or iNAS."""


def show_session(record: pb.Session, as_json: bool) -> None:
    document = session_document(record)
    if as_json:
        emit_json(document)
        return
    table(f"Session {record.job.id} ({document['state']})",
          ["round", "labels", "architecture", "parameters", "val acc", "test acc", "epoch"],
          [[r["round"], r["labelled"], r["architecture"], r["parameters"], r["validation_accuracy"],
            r["test_accuracy"], r["selected_epoch"]] for r in document["rounds"]])
    if document["pending"]:
        console.print(f"waiting for {len(document['pending'])} labels: `tessel active query {record.job.id}`")


# get / watch / list / cancel, shared with every job service's CLI
SESSIONS = JobKit(client=ActiveLearnerClient, noun="session", command="tessel active", show=show_session,
                  metric_names=("test_accuracy", "labelled"))
SESSIONS.add_commands(active)


@active.command()
@click.option("--embeddings", type=NPY, required=True, help="Embeddings [n, d], float (.npy).")
@click.option("--labeled", type=NPY, help="Indices already labelled, the initial centres (.npy, integers).")
@click.option("--budget", type=int, required=True, help="How many points to pick.")
@json_option
def coreset(embeddings, labeled, budget, as_json) -> None:
    """Greedy k-center: pool indices in pick order, and the covering radius (squared) after each pick."""
    x = load_npy(embeddings, "--embeddings")
    centres = load_npy(labeled, "--labeled")
    if centres is not None and (centres.dtype.kind not in "iu" or centres.ndim != 1):
        raise click.BadParameter(f"expected a 1-D integer array, got {centres.dtype} {list(centres.shape)}",
                                 param_hint="--labeled")
    initial = [] if centres is None else centres.tolist()

    async def call():
        async with ActiveLearnerClient() as client:
            return await client.select_coreset(x, initial, budget)

    reply = asyncio.run(call())
    document = {"indices": list(reply.indices), "radii": list(reply.radii)}
    if as_json:
        emit_json(document)
        return
    table(f"Coreset: {len(reply.indices)} picks", ["pick", "index", "radius"],
          [[n + 1, i, r] for n, (i, r) in enumerate(zip(reply.indices, reply.radii, strict=True))])


@active.command()
@click.option("--dataset", required=True, help="Dataset name (fashion-mnist, mnist, mnist1d, digits, ...).")
@click.option("--dataset-root", default="", help="Directory with the dataset's files (user data).")
@click.option("--strategy", type=click.Choice(sorted(STRATEGIES)), required=True)
@click.option("--arch", type=click.Choice(ARCH_CHOICES), default="mlp", show_default=True,
              help="A fixed backbone, or inas (a ResNet that grows with the labels).")
@click.option("--budget", type=int, required=True, help="Total labels, the initial set included.")
@click.option("--initial", type=int, default=100, show_default=True, help="Initial random labelled set.")
@click.option("--batch", type=int, default=100, show_default=True, help="Items queried per round.")
@click.option("--pool-size", type=int, default=0, help="Seeded subset of the training split as the pool (0 = all).")
@click.option("--oracle", type=click.Choice(sorted(ORACLES)), default="simulated", show_default=True,
              help="simulated: labels from the dataset; external: returns once the session waits for labels.")
@click.option("--hidden", default="", help="MLP widths, comma-separated (default 256,256).")
@click.option("--blocks", default="", help="ResNet blocks per stack for a fixed resnet (default 1,1).")
@click.option("--width", type=int, default=0, help="Conv base width (0 = default).")
@click.option("--dropout", type=float, default=0.0, show_default=True, help="Needed (> 0) by mc-dropout.")
@click.option("--epochs", type=int, default=0, help="Epochs per round (0 = 20).")
@click.option("--inas-epochs", type=int, default=0, help="Epochs per iNAS candidate (0 = --epochs).")
@click.option("--train-batch", type=int, default=0, help="Training mini-batch (0 = 128).")
@click.option("--lr", type=float, default=0.0, help="0 = 1e-3 (Adam).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--device", type=click.Choice(["", "auto", "cpu", "cuda"]), default="")
@json_option
def run(dataset, dataset_root, strategy, arch, budget, initial, batch, pool_size, oracle, hidden, blocks, width,
        dropout, epochs, inas_epochs, train_batch, lr, seed, device, as_json) -> None:
    """Run a session and follow it; prints accuracy per round (the learning curve)."""
    spec = pb.SessionSpec(
        dataset=dataset, dataset_root=dataset_root, seed=seed, pool_size=pool_size, initial_size=initial,
        batch_size=batch, label_budget=budget, strategy=STRATEGIES[strategy], oracle=ORACLES[oracle],
        architecture_policy=pb.ARCHITECTURE_POLICY_INAS if arch == "inas" else pb.ARCHITECTURE_POLICY_FIXED,
        backbone=training_pb2.Backbone(
            architecture=training_pb2.ARCHITECTURE_RESNET if arch == "inas" else ARCHITECTURES[arch],
            hidden_sizes=_ints(hidden, "--hidden"), blocks_per_stack=_ints(blocks, "--blocks"), base_width=width,
            dropout=dropout,
        ),
        max_epochs=epochs, inas_epochs=inas_epochs, train_batch_size=train_batch, learning_rate=lr, device=device,
    )
    record = asyncio.run(_follow(spec, stop_when_waiting=oracle == "external", show_progress=not as_json))
    job = record.job
    if job.state not in (job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_WAITING):
        field = f" ({job.error.field})" if job.error.field else ""
        raise click.ClickException(f"session {job.id} {state_name(job.state)}: {job.error.reason}{field}")
    show_session(record, as_json)


def session_document(record: pb.Session) -> dict:
    result = record.result
    return {
        "session_id": record.job.id, "state": state_name(record.job.state),
        "labelled": len(result.labelled_indices), "pending": list(result.pending_indices),
        "rounds": [
            {"round": r.round, "labelled": r.labelled_count, "architecture": _architecture(r.backbone),
             "parameters": r.parameters, "validation_accuracy": r.validation_accuracy,
             "test_accuracy": r.test_accuracy, "selected_epoch": r.selected_epoch,
             "train_seconds": r.train_seconds, "query_seconds": r.query_seconds,
             "candidates": [{"blocks_per_stack": list(c.blocks_per_stack), "validation_accuracy": c.validation_accuracy,
                             "parameters": c.parameters} for c in r.candidates]}
            for r in result.rounds
        ],
    }


@active.command()
@click.argument("session")
@click.option("--count", type=int, default=0, help="At most this many (0 = the whole awaited batch).")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an index,label CSV to fill in for `tessel active label`.")
@json_option
def query(session, count, csv_out, as_json) -> None:
    """The items SESSION waits to have labelled (training-split indices, most wanted first)."""

    async def call():
        async with ActiveLearnerClient() as client:
            return await client.query(session, count)

    reply = asyncio.run(call())
    if csv_out is not None:
        with csv_out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["index", "label"])
            writer.writerows([i, ""] for i in reply.indices)
    document = {"session_id": session, "state": state_name(reply.state), "round": reply.round,
                "labelled": reply.labelled_count, "label_budget": reply.label_budget,
                "num_classes": reply.num_classes, "indices": list(reply.indices)}
    if as_json:
        emit_json(document)
        return
    console.print(f"session {session}: {document['state']}, round {reply.round}, "
                  f"{reply.labelled_count}/{reply.label_budget} labelled, classes 0..{reply.num_classes - 1}")
    console.print(" ".join(map(str, reply.indices)) or "nothing to label now")


@active.command()
@click.argument("session")
@click.option("--labels", "labels_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="CSV with columns index,label (a header row is optional).")
@json_option
def label(session, labels_file, as_json) -> None:
    """Submit labels for queried items of SESSION."""
    indices, labels = read_labels(labels_file)

    async def call():
        async with ActiveLearnerClient() as client:
            return await client.submit_labels(session, indices, labels)

    reply = asyncio.run(call())
    document = {"session_id": session, "labelled": reply.labelled_count, "pending": reply.pending_count,
                "state": state_name(reply.session.job.state)}
    if as_json:
        emit_json(document)
        return
    console.print(f"session {session}: {reply.labelled_count} labelled, {reply.pending_count} still awaited"
                  + ("" if reply.pending_count else "; training the next round"))


def read_labels(path: Path) -> tuple[list[int], list[int]]:
    indices, labels = [], []
    with path.open(newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or (number == 1 and row[0].strip().lower() == "index"):
                continue
            if len(row) < 2 or not row[1].strip():
                raise click.BadParameter(f"line {number}: expected index,label", param_hint="--labels")
            try:
                indices.append(int(row[0]))
                labels.append(int(row[1]))
            except ValueError as error:
                raise click.BadParameter(f"line {number}: {error}", param_hint="--labels") from error
            if len(indices) > MAX_LABEL_ROWS:
                raise click.BadParameter(f"more than {MAX_LABEL_ROWS} rows", param_hint="--labels")
    if not indices:
        raise click.BadParameter("no index,label rows", param_hint="--labels")
    return indices, labels


async def _follow(spec: pb.SessionSpec, *, stop_when_waiting: bool, show_progress: bool) -> pb.Session:
    async with ActiveLearnerClient() as client:
        record = await client.create(spec)
        status = console.status("queued") if show_progress else None
        if status is not None:
            status.start()
        try:
            async for record in client.watch(record.job.id):
                if status is not None:
                    status.update(record.job.progress.message or state_name(record.job.state))
                if stop_when_waiting and record.job.state == job_pb2.JOB_STATE_WAITING:
                    break
        finally:
            if status is not None:
                status.stop()
        return record


def _architecture(backbone: training_pb2.Backbone) -> str:
    if backbone.architecture == training_pb2.ARCHITECTURE_MLP:
        return "mlp[" + ",".join(map(str, backbone.hidden_sizes)) + "]"
    if backbone.architecture == training_pb2.ARCHITECTURE_RESNET:
        return "resnet[" + ",".join(map(str, backbone.blocks_per_stack)) + "]"
    return "small-cnn"


def _ints(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=option) from error
