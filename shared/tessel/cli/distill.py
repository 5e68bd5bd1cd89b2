"""`tessel distill library|global|watch|get|list|cancel|table`: block libraries and global KD
(run by the block-distiller service; progress from Watch)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tessel.cli.output import console, emit_json, json_option, table
from tessel.client.block_distiller import BlockDistillerClient
from tessel.common.v1 import artifact_pb2, job_pb2
from tessel.distill.v1 import distill_pb2 as pb
from tessel.llm.block_config import BlockConfig
from tessel.llm.library_manifest import loss_summary
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings

EXECUTORS = {"local": pb.EXECUTOR_LOCAL, "kubernetes": pb.EXECUTOR_KUBERNETES}
ATTENTION_KINDS = {"gqa": pb.ATTENTION_KIND_GQA, "no_op": pb.ATTENTION_KIND_NO_OP, "linear": pb.ATTENTION_KIND_LINEAR}
FFN_KINDS = {"mlp": pb.FFN_KIND_MLP, "no_op": pb.FFN_KIND_NO_OP, "linear": pb.FFN_KIND_LINEAR}
# Sized for minutes on a 2-core machine with SmolLM2-135M (≈0.045 s per 1k tokens per variant):
# 30 layers × (1 attention + 1 FFN variant) × 8k tokens.
QUICK = {"kv_heads": "1", "ffn_sizes": "768", "token_budget": 8192, "held_out_tokens": 2048}


def _ints(text: str | None, option: str) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=option) from error


@click.group()
def distill() -> None:
    """Block libraries (training-free init + blockwise local distillation) and global KD."""


@distill.command()
@click.option("--parent", "parent_model", default="smollm2-135m", show_default=True, help="Parent model reference.")
@click.option("--corpus", default="corpus", show_default=True)
@click.option("--quick", is_flag=True, help="Demo profile: KV heads 1, FFN 768, 8k tokens per variant.")
@click.option("--kv-heads", help="Comma-separated KV-head counts (default: divisors of the parent's).")
@click.option("--ffn-sizes", help="Comma-separated FFN widths (default: multiples of 256).")
@click.option("--layers", help="Comma-separated layer indices (default: all).")
@click.option("--no-op/--no-no-op", "no_op", default=True, show_default=True, help="List no-op subblocks.")
@click.option("--linear", is_flag=True, help="Add linear attention and FFN variants.")
@click.option("--token-budget", type=int, help="Distillation tokens per variant (default 65536).")
@click.option("--held-out-tokens", type=int, default=0, help="Held-out tokens for the losses (default 8192).")
@click.option("--sequence-length", type=int, default=0)
@click.option("--learning-rate", type=float, default=0.0)
@click.option("--executor", type=click.Choice(sorted(EXECUTORS)), help="Default: the service's setting.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--detach", is_flag=True, help="Print the job id and return.")
@json_option
def library(parent_model, corpus, quick, kv_heads, ffn_sizes, layers, no_op, linear, token_budget, held_out_tokens,
            sequence_length, learning_rate, executor, seed, detach, as_json) -> None:
    """Build a block library and print the init-vs-BLD loss table."""
    if quick:
        kv_heads = kv_heads or QUICK["kv_heads"]
        ffn_sizes = ffn_sizes or QUICK["ffn_sizes"]
        token_budget = token_budget or QUICK["token_budget"]
        held_out_tokens = held_out_tokens or QUICK["held_out_tokens"]
    spec = pb.LibrarySpec(parent_model=parent_model, corpus=corpus, seed=seed, include_linear=linear,
                          held_out_tokens=held_out_tokens, sequence_length=sequence_length,
                          learning_rate=learning_rate, executor=EXECUTORS.get(executor, pb.EXECUTOR_UNSPECIFIED))
    if token_budget is not None:
        spec.token_budget = token_budget
    if kv_heads or ffn_sizes or layers or not no_op:
        spec.search_space.CopyFrom(pb.SearchSpace(
            kv_heads=_ints(kv_heads, "--kv-heads"), ffn_intermediate_sizes=_ints(ffn_sizes, "--ffn-sizes"),
            layers=_ints(layers, "--layers"), attention_no_op=no_op, ffn_no_op=no_op,
            attention_linear=linear, ffn_linear=linear,
        ))
    record = asyncio.run(_submit(pb.DistillationJobSpec(library=spec), detach=detach, quiet=as_json))
    _report(record, as_json=as_json, detach=detach)


@distill.command("global")
@click.option("--parent", "parent_model", default="smollm2-135m", show_default=True)
@click.option("--corpus", default="corpus", show_default=True)
@click.option("--library-uri", required=True, help="The library manifest's URI (from `tessel distill library`).")
@click.option("--library-sha256", required=True)
@click.option("--child", "child_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="JSON list of per-layer block configs: {attention: {kind, num_key_value_heads}, ffn: {kind, intermediate_size}}.")
@click.option("--token-budget", type=int)
@click.option("--checkpoint-interval-tokens", type=int, default=0)
@click.option("--learning-rate", type=float, default=0.0)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--detach", is_flag=True)
@json_option
def global_kd(parent_model, corpus, library_uri, library_sha256, child_file, token_budget,
              checkpoint_interval_tokens, learning_rate, seed, detach, as_json) -> None:
    """Distil a child (per-layer block configs over the library) from the parent: cosine + KL, no LM loss."""
    try:
        blocks = [BlockConfig.from_dict(item, field=f"--child[{i}]") for i, item in enumerate(json.loads(child_file.read_text()))]
    except (json.JSONDecodeError, TypeError) as error:
        raise click.BadParameter(f"{child_file} is not a JSON list of block configs ({error})", param_hint="--child") from error
    spec = pb.GlobalDistillationSpec(
        parent_model=parent_model, corpus=corpus, seed=seed, learning_rate=learning_rate,
        checkpoint_interval_tokens=checkpoint_interval_tokens,
        library=artifact_pb2.ArtifactRef(uri=library_uri, sha256=library_sha256, media_type="application/json"),
        block_configs=[
            pb.BlockConfig(
                attention=pb.AttentionConfig(kind=ATTENTION_KINDS[b.attention.kind],
                                             num_key_value_heads=b.attention.num_key_value_heads or 0),
                ffn=pb.FfnConfig(kind=FFN_KINDS[b.ffn.kind], intermediate_size=b.ffn.intermediate_size or 0),
            )
            for b in blocks
        ],
    )
    if token_budget is not None:
        spec.token_budget = token_budget
    record = asyncio.run(_submit(pb.DistillationJobSpec(global_kd=spec), detach=detach, quiet=as_json))
    _report(record, as_json=as_json, detach=detach)


@distill.command()
@click.argument("job_id")
@json_option
def watch(job_id, as_json) -> None:
    """Follow a job to its end with a progress bar."""

    async def follow():
        async with BlockDistillerClient() as client:
            return await _follow(client, job_id, quiet=as_json)

    _report(asyncio.run(follow()), as_json=as_json, detach=False)


@distill.command()
@click.argument("job_id")
@json_option
def get(job_id, as_json) -> None:
    """Show one job."""

    async def call():
        async with BlockDistillerClient() as client:
            return await client.get(job_id)

    _report(asyncio.run(call()), as_json=as_json, detach=True)


@distill.command("list")
@json_option
def list_jobs(as_json) -> None:
    """List distillation jobs."""

    async def call():
        async with BlockDistillerClient() as client:
            return (await client.list())[0]

    records = asyncio.run(call())
    rows = [[r.job.id, r.job.kind, _state(r.job), f"{r.job.progress.done}/{r.job.progress.total}", r.job.progress.message]
            for r in records]
    if as_json:
        emit_json({"jobs": [dict(zip(["id", "kind", "state", "progress", "message"], row)) for row in rows]})
    else:
        table("Distillation jobs", ["id", "kind", "state", "progress", "message"], rows)


@distill.command()
@click.argument("job_id")
@click.option("--reason", default="")
def cancel(job_id, reason) -> None:
    """Ask a job to stop at its next checkpoint."""

    async def call():
        async with BlockDistillerClient() as client:
            return await client.cancel(job_id, reason)

    click.echo(f"{job_id}: {_state(asyncio.run(call()).job)} (cancel requested)")


@distill.command("table")
@click.argument("uri")
@click.argument("sha256")
@json_option
def loss_table(uri, sha256, as_json) -> None:
    """The init-vs-BLD loss table of a library manifest."""
    _print_library(_manifest(artifact_pb2.ArtifactRef(uri=uri, sha256=sha256)), as_json=as_json, job_id="")


async def _submit(spec: pb.DistillationJobSpec, *, detach: bool, quiet: bool):
    async with BlockDistillerClient() as client:
        record = await client.create(spec)
        if detach:
            return record
        return await _follow(client, record.job.id, quiet=quiet)


async def _follow(client: BlockDistillerClient, job_id: str, *, quiet: bool):
    record = None
    if quiet:
        async for record in client.watch(job_id):
            pass
        return record
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} {task.fields[unit]}"),
                  TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("queued", total=None, unit="", metrics="")
        async for record in client.watch(job_id):
            p = record.job.progress
            metrics = "  ".join(f"{k} {v:.4g}" for k, v in sorted(p.metrics.items()) if k in ("loss", "tokens_per_s", "kl"))
            progress.update(task, description=p.message or _state(record.job), completed=p.done, total=p.total or None,
                            unit=p.unit, metrics=metrics)
    return record


def _state(job: job_pb2.Job) -> str:
    return job_pb2.JobState.Name(job.state).removeprefix("JOB_STATE_").lower()


def _manifest(ref: artifact_pb2.ArtifactRef) -> dict:
    return ArtifactStore(get_settings().artifacts_root).get_json(ref)


def _report(record, *, as_json: bool, detach: bool) -> None:
    job = record.job
    if detach and job.state not in (job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED):
        if as_json:
            emit_json({"job_id": job.id, "state": _state(job)})
        else:
            click.echo(f"{job.id} {_state(job)}")
        return
    if job.state != job_pb2.JOB_STATE_SUCCEEDED:
        field = f" ({job.error.field})" if job.error.field else ""
        raise click.ClickException(f"job {job.id} {_state(job)}: {job.error.reason}{field}")
    manifest = _manifest(record.result.manifest)
    if job.kind == "library":
        _print_library(manifest, as_json=as_json, job_id=job.id, result=record.result)
        return
    document = {"job_id": job.id, "manifest_uri": record.result.manifest.uri, "manifest_sha256": record.result.manifest.sha256,
                "initial_kl": record.result.initial_kl, "final_kl": record.result.final_kl}
    if as_json:
        emit_json(document)
    else:
        table(f"Global distillation {job.id}", ["field", "value"], list(document.items()))


def _print_library(manifest: dict, *, as_json: bool, job_id: str, result=None) -> None:
    rows = loss_summary(manifest)
    if as_json:
        document = {"job_id": job_id, "rows": rows, "variants": len(manifest["variants"])}
        if result is not None:
            document |= {"manifest_uri": result.manifest.uri, "manifest_sha256": result.manifest.sha256}
        emit_json(document)
        return
    table(
        f"Block library {job_id} ({manifest['parent']['model']}, {manifest['data']['train_tokens']} tokens per variant)",
        ["variant", "layers", "init loss (nMSE)", "BLD loss (nMSE)", "BLD better in", "s / variant"],
        [[r["variant"], r["layers"], r["init_loss"], r["final_loss"], f"{r['improved_layers']}/{r['layers']}", r["seconds"]]
         for r in rows],
    )
    if result is not None:
        console.print(f"manifest: {result.manifest.uri} sha256 {result.manifest.sha256}")
