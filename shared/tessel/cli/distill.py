"""`tessel distill library|global|watch|get|list|cancel|table`: block libraries and global KD
(run by the block-distiller service; the job commands come from `tessel.cli.jobs`).

`tessel.llm` (torch, transformers) is imported only by the commands that read block configs or a
library manifest, and the client (grpc, nats) and artifact store only by commands that call or read,
so `tessel distill --help` starts fast."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tessel.cli.errors import flags_from_spec
from tessel.cli.jobs import EnumNames, JobKit, submit_options
from tessel.cli.output import SEED, console, emit_json, json_option, table
from tessel.common.v1 import artifact_pb2
from tessel.distill.v1 import distill_pb2 as pb

EXECUTORS = EnumNames(pb.Executor, "EXECUTOR_")
ATTENTION_KINDS = {"gqa": pb.ATTENTION_KIND_GQA, "no_op": pb.ATTENTION_KIND_NO_OP, "linear": pb.ATTENTION_KIND_LINEAR}
FFN_KINDS = {"mlp": pb.FFN_KIND_MLP, "no_op": pb.FFN_KIND_NO_OP, "linear": pb.FFN_KIND_LINEAR}
# Sized for minutes on a 2-core machine with SmolLM2-135M (≈0.045 s per 1k tokens per variant):
# 30 layers × (1 attention + 1 FFN variant) × 8k tokens.
QUICK = {"kv_heads": "1", "ffn_sizes": "768", "token_budget": 8192, "held_out_tokens": 2048}
# Spec fields below spec.library / spec.global_kd whose flag has another name (same-named ones are found).
LIBRARY_FLAGS = {
    "parent_model": "--parent", "include_linear": "--linear", "search_space.kv_heads": "--kv-heads",
    "search_space.ffn_intermediate_sizes": "--ffn-sizes", "search_space.layers": "--layers",
    "search_space.attention_no_op": "--no-op", "search_space.ffn_no_op": "--no-op",
    "search_space.attention_linear": "--linear", "search_space.ffn_linear": "--linear",
}
GLOBAL_FLAGS = {"parent_model": "--parent", "library": "--library-uri", "library.sha256": "--library-sha256",
                "block_configs": "--child"}


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


def _show(record, as_json: bool) -> None:
    """A succeeded job's result: the loss table of a library, the KL numbers of a global KD run."""
    job = record.job
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


def _client():
    from tessel.client.block_distiller import BlockDistillerClient

    return BlockDistillerClient()


KIT = JobKit(_client, noun="distillation job", command="tessel distill", show=_show,
             metric_names=("loss", "tokens_per_s", "kl"))
KIT.add_commands(distill)


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
@click.option("--executor", type=click.Choice(EXECUTORS.choices), help="Default: the service's setting.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@submit_options
def library(parent_model, corpus, quick, kv_heads, ffn_sizes, layers, no_op, linear, token_budget, held_out_tokens,
            sequence_length, learning_rate, executor, seed, submit) -> None:
    """Build a block library and print the init-vs-BLD loss table."""
    if quick:
        kv_heads = kv_heads or QUICK["kv_heads"]
        ffn_sizes = ffn_sizes or QUICK["ffn_sizes"]
        token_budget = token_budget or QUICK["token_budget"]
        held_out_tokens = held_out_tokens or QUICK["held_out_tokens"]
    spec = pb.LibrarySpec(parent_model=parent_model, corpus=corpus, seed=seed, include_linear=linear,
                          held_out_tokens=held_out_tokens, sequence_length=sequence_length,
                          learning_rate=learning_rate, executor=EXECUTORS[executor] if executor else pb.EXECUTOR_UNSPECIFIED)
    if token_budget is not None:
        spec.token_budget = token_budget
    if kv_heads or ffn_sizes or layers or not no_op:
        spec.search_space.CopyFrom(pb.SearchSpace(
            kv_heads=_ints(kv_heads, "--kv-heads"), ffn_intermediate_sizes=_ints(ffn_sizes, "--ffn-sizes"),
            layers=_ints(layers, "--layers"), attention_no_op=no_op, ffn_no_op=no_op,
            attention_linear=linear, ffn_linear=linear,
        ))
    flags = flags_from_spec(pb.LibrarySpec.DESCRIPTOR, click.get_current_context().command.params,
                            prefix="spec.library.", renamed=LIBRARY_FLAGS)
    KIT.submit(pb.DistillationJobSpec(library=spec), submit, flags=flags)


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
@click.option("--seed", type=SEED, default=0, show_default=True)
@submit_options
def global_kd(parent_model, corpus, library_uri, library_sha256, child_file, token_budget,
              checkpoint_interval_tokens, learning_rate, seed, submit) -> None:
    """Distil a child (per-layer block configs over the library) from the parent: cosine + KL, no LM loss."""
    from tessel.llm.block_config import BlockConfig

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
    flags = flags_from_spec(pb.GlobalDistillationSpec.DESCRIPTOR, click.get_current_context().command.params,
                            prefix="spec.global_kd.", renamed=GLOBAL_FLAGS)
    KIT.submit(pb.DistillationJobSpec(global_kd=spec), submit, flags=flags)


@distill.command("table")
@click.argument("uri")
@click.argument("sha256")
@json_option
def loss_table(uri, sha256, as_json) -> None:
    """The init-vs-BLD loss table of a library manifest."""
    _print_library(_manifest(artifact_pb2.ArtifactRef(uri=uri, sha256=sha256)), as_json=as_json, job_id="")


def _manifest(ref: artifact_pb2.ArtifactRef) -> dict:
    from tessel.runtime.artifacts import ArtifactStore
    from tessel.runtime.settings import get_settings

    return ArtifactStore(get_settings().artifacts_root).get_json(ref)


def _print_library(manifest: dict, *, as_json: bool, job_id: str, result=None) -> None:
    from tessel.llm.library_manifest import loss_summary

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
