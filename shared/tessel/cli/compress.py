"""`tessel compress --parent … --scenario … --target-speedup 1.5`: the compression pipeline (library ->
scoring -> solve -> assembly -> global KD -> evaluation) as one job of the pipeline service, followed stage
by stage; `tessel compress get|watch|list|cancel` come from the job kit.

At the end the child folder, the report (Markdown + PNG) and the evaluation JSON are copied from the
artifact store to `--out` (default `$TESSEL_HOME/compress/<job id>`), and the parent-vs-child table is printed."""

from __future__ import annotations

import re
from pathlib import Path

import click

from tessel.cli.errors import flags_from_spec
from tessel.cli.jobs import EnumNames, JobKit, Submission, parse_labels
from tessel.cli.output import console, emit_json, json_option, table
from tessel.cli.score import SCENARIO_HELP, parse_scenario
from tessel.cli.solve import BUDGET_OPTIONS
from tessel.cli.trust import trust
from tessel.compress.v1 import compress_pb2 as pb

PROFILES = EnumNames(pb.Profile, "PROFILE_")
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
FLAGS = {"parent_model": "--parent", "budget": "--target-speedup", "kd_tokens": "--kd-tokens",
         "budget.target_speedup": "--target-speedup", "budget.min_throughput_tokens_per_second": "--min-throughput",
         "budget.max_latency_seconds": "--max-latency", "budget.max_memory_bytes": "--max-memory",
         "scenario": "--scenario", "options.evaluation_tokens": "--eval-tokens", "options.cloze_items": "--cloze-items"}
_out: dict[str, Path | None] = {"folder": None}


def _client():
    from tessel.client.compression import CompressionClient

    return CompressionClient()


def _out_folder(job_id: str) -> Path:
    from tessel.runtime.settings import get_settings

    return _out["folder"] or get_settings().home / "compress" / job_id


def _show(record, as_json: bool) -> None:
    """The stages (ran or reused), the parent-vs-child table, and where the child and report were written."""
    result, job = record.result, record.job
    folder = _write_outputs(result, _out_folder(job.id))
    e = result.evaluation
    stages = [{"stage": pb.Stage.Name(s.stage).removeprefix("STAGE_").lower(), "job_id": s.job_id,
               "outcome": "skipped" if s.state == 0 else ("reused" if s.reused else "ran"), "seconds": s.seconds}
              for s in result.stages]
    rows = {
        "parameters": (e.parent.params, e.child.params),
        "perplexity": (e.parent.perplexity, e.child.perplexity),
        "cloze accuracy": (e.parent.cloze_accuracy, e.child.cloze_accuracy),
        "prefill s": (e.parent.prefill_seconds, e.child.prefill_seconds),
        "decode s/token": (e.parent.decode_seconds_per_token, e.child.decode_seconds_per_token),
        "latency s": (e.parent.latency_seconds, e.child.latency_seconds),
        "throughput tokens/s": (e.parent.throughput_tokens_per_second, e.child.throughput_tokens_per_second),
    }
    document = {
        "job_id": job.id, "stages": stages, "reused": [s["stage"] for s in stages if s["outcome"] == "reused"],
        "parent": {k: v[0] for k, v in rows.items()}, "child": {k: v[1] for k, v in rows.items()},
        "kl": e.kl, "top1_agreement": e.top1_agreement, "prefill_speedup": e.prefill_speedup,
        "decode_speedup": e.decode_speedup, "latency_speedup": e.latency_speedup,
        "predicted_speedup": result.solution.costs.speedup, "evaluation_tokens": e.evaluation_tokens,
        "cloze_items": e.cloze_items, "output": str(folder), "trace_id": job.trace_id,
    }
    if as_json:
        emit_json(document)
        return
    reused = [f"{s['stage']} (job {s['job_id']})" for s in stages if s["outcome"] == "reused"]
    console.print(f"reused: {', '.join(reused)}" if reused else "reused: nothing (every stage ran)")
    table(f"Stages of {job.id}", ["stage", "job", "outcome", "seconds"],
          [[s["stage"], s["job_id"] or "-", s["outcome"], s["seconds"]] for s in stages])
    table(f"Parent vs child ({e.split} split, {e.evaluation_tokens} tokens, {e.cloze_items} cloze items)",
          ["", "parent", "child", "child / parent"],
          [[name, p, c, c / p if p else float("nan")] for name, (p, c) in rows.items()])
    console.print(f"KL(parent ‖ child) {e.kl:.4f}, top-1 agreement {e.top1_agreement:.3f}; measured speedup: prefill "
                  f"{e.prefill_speedup:.2f}×, decode {e.decode_speedup:.2f}×, latency {e.latency_speedup:.2f}× "
                  f"(predicted {result.solution.costs.speedup:.2f}×)")
    console.print(f"child folder and report: {folder}")


def _write_outputs(result, folder: Path) -> Path:
    from tessel.common.v1 import artifact_pb2
    from tessel.runtime.artifacts import ArtifactStore
    from tessel.runtime.settings import get_settings

    store = ArtifactStore(get_settings().artifacts_root)
    child = folder / "child"
    child.mkdir(parents=True, exist_ok=True)
    for name, entry in store.get_json(result.child_model).get("files", {}).items():
        if not SAFE_FILE_NAME.fullmatch(name):
            raise click.ClickException(f"the child manifest names an unsafe file {name[:80]!r}")
        (child / name).write_bytes(store.fetch(artifact_pb2.ArtifactRef(uri=entry["uri"], sha256=entry["sha256"])).read_bytes())
    for name, ref in (("report.md", result.report), ("report.png", result.plot), ("evaluation.json", result.evaluation_json)):
        (folder / name).write_bytes(store.get_bytes(ref))
    return folder


KIT = JobKit(_client, noun="compression job", command="tessel compress", show=_show, metric_names=("loss", "kl"))


@click.group(invoke_without_command=True)
@click.option("--parent", "parent_model", default="smollm2-135m", show_default=True, help="Parent model reference.")
@click.option("--corpus", default="corpus", show_default=True)
@click.option("--scenario", help=SCENARIO_HELP)
@click.option("--target-speedup", type=float, help="Parent latency / child latency on the scenario (e.g. 1.5).")
@click.option("--min-throughput", type=float, help="Tokens/s on the scenario.")
@click.option("--max-latency", type=float, help="Seconds: prefill + generation × decode step.")
@click.option("--max-memory", help="Bytes of weights + KV cache (e.g. 400MiB).")
@click.option("--kd-tokens", type=click.IntRange(min=0), help="Global KD tokens (0 skips KD; default: the profile's).")
@click.option("--profile", type=click.Choice(["quick", "default"]), default="default", show_default=True)
@click.option("--eval-tokens", type=click.IntRange(min=0), default=0, help="Held-out evaluation tokens (0: the profile's).")
@click.option("--cloze-items", type=click.IntRange(min=0), default=0, help="Cloze items (0: the profile's).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Where the child folder and report are written (default $TESSEL_HOME/compress/<job id>).")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE", help="Label the job (repeatable).")
@click.option("--request-id", default="", help="Idempotency key: retrying with it returns the same job.")
@click.option("--detach", is_flag=True, help="Print the job id and return instead of following it.")
@click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C cancels the job instead of detaching.")
@json_option
@click.pass_context
def compress(ctx, parent_model, corpus, scenario, target_speedup, min_throughput, max_latency, max_memory, kd_tokens,
             profile, eval_tokens, cloze_items, seed, out, labels, request_id, detach, cancel_on_interrupt, as_json) -> None:
    """Compress a parent LM to a budget: library -> scoring -> solve -> assembly -> global KD -> evaluation."""
    if ctx.invoked_subcommand is not None:
        return
    budgets = {"target_speedup": target_speedup, "min_throughput": min_throughput, "max_latency": max_latency,
               "max_memory": BUDGET_OPTIONS["max_memory"][1](max_memory) if max_memory else None}
    chosen = {name: value for name, value in budgets.items() if value is not None}
    if not chosen:
        raise click.UsageError("give a budget: --target-speedup, --min-throughput, --max-latency or --max-memory")
    spec = pb.CompressionJobSpec(parent_model=parent_model, corpus=corpus, seed=seed, profile=PROFILES[profile],
                                 options=pb.StageOptions(evaluation_tokens=eval_tokens, cloze_items=cloze_items))
    for name, value in chosen.items():
        setattr(spec.budget, BUDGET_OPTIONS[name][0], value)
    if scenario:
        spec.scenario.CopyFrom(parse_scenario(scenario))
    if kd_tokens is not None:
        spec.kd_tokens = kd_tokens
    _out["folder"] = out
    flags = flags_from_spec(pb.CompressionJobSpec.DESCRIPTOR, ctx.command.params, renamed=FLAGS)
    KIT.submit(spec, Submission(parse_labels(labels), request_id, detach, cancel_on_interrupt, as_json), flags=flags)


KIT.add_commands(compress)
compress.add_command(trust)
