"""`tessel score library|measure|get|watch|list|cancel` and `tessel score measurements get|watch|list|cancel`:
replace-one-block quality scores and measured costs of a block library, and the end-to-end check of the
cost model (run by the block-scorer; the job commands and progress come from `tessel.cli.jobs`).

The client (grpc, nats) is imported only by commands that call the service, so `--help` starts fast."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import click

from tessel.cli.errors import flags_from_spec
from tessel.cli.jobs import EnumNames, JobKit, submit_options
from tessel.cli.output import console, emit_json, table
from tessel.common.v1 import artifact_pb2, scenario_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings
from tessel.scoring.v1 import scoring_pb2 as pb

PRECISIONS = {"float32": scenario_pb2.PRECISION_FLOAT32, "bfloat16": scenario_pb2.PRECISION_BFLOAT16,
              "float16": scenario_pb2.PRECISION_FLOAT16}
EXECUTORS = EnumNames(pb.Executor, "EXECUTOR_")
# The benchmark scenarios: (batch, prompt, generation).
PRESETS = {"prefill-heavy": (8, 256, 16), "decode-heavy": (16, 64, 128)}
# Minutes on a 2-core machine: fewer held-out tokens, fewer timing repeats.
QUICK = {"held_out_tokens": 2048, "repeats": 3}
_DIGEST = re.compile(r"[0-9a-f]{64}")
SCENARIO_HELP = ("A preset (prefill-heavy, decode-heavy) or NAME=DEVICE,DTYPE,BATCH,PROMPT,GENERATION, e.g. "
                 "chat=cpu,bfloat16,4,128,64 (DEVICE may be empty: the service's). Repeatable; default: one CPU "
                 "float32 scenario (batch 1, prompt 256, generation 32).")


def parse_scenario(text: str) -> scenario_pb2.Scenario:
    if text in PRESETS:
        batch, prompt, generation = PRESETS[text]
        return scenario_pb2.Scenario(name=text, batch_size=batch, prompt_length=prompt, generation_length=generation,
                                     precision=scenario_pb2.PRECISION_FLOAT32)
    name, _, values = text.rpartition("=")
    parts = values.split(",")
    if len(parts) != 5 or parts[1] not in PRECISIONS:
        raise click.BadParameter(f"{text!r}: expected a preset or NAME=DEVICE,DTYPE,BATCH,PROMPT,GENERATION "
                                 f"(DTYPE one of {', '.join(PRECISIONS)})", param_hint="--scenario")
    try:
        batch, prompt, generation = (int(p) for p in parts[2:])
    except ValueError as error:
        raise click.BadParameter(f"{text!r}: batch, prompt and generation are integers", param_hint="--scenario") from error
    return scenario_pb2.Scenario(name=name, device=parts[0], precision=PRECISIONS[parts[1]], batch_size=batch,
                                 prompt_length=prompt, generation_length=generation)


def resolve_ref(text: str, sha256: str, *, what: str, job_name: str) -> artifact_pb2.ArtifactRef:
    """An artifact from a URI (its digest from --sha256 or the content-addressed path), a stored name
    (e.g. distill/<job>/manifest) or a job id (`job_name` with {job})."""
    if "://" in text:
        digest = sha256 or text.rstrip("/").rsplit("/", 1)[-1]
        if not _DIGEST.fullmatch(digest):
            raise click.BadParameter(f"give --sha256 for {text} (not a content-addressed URI)", param_hint=what)
        return artifact_pb2.ArtifactRef(uri=text, sha256=digest, media_type="application/json")
    store = ArtifactStore(get_settings().artifacts_root)
    for name in (text, job_name.format(job=text)):
        try:
            ref = store.lookup(name)
        except Exception:  # noqa: BLE001 - not a valid name: try the next reading
            ref = None
        if ref is not None:
            return ref
    raise click.BadParameter(f"{text!r} is not a URI, a stored artifact name or a job id with a result", param_hint=what)


@click.group()
def score() -> None:
    """Replace-one-block quality scores and measured hardware cost of block libraries."""


@score.group()
def measurements() -> None:
    """Measurement jobs: an architecture end to end against the additive cost prediction."""


class _Jobs:
    """One job resource of a BlockScorerClient, as the job kit's client (an async context manager)."""

    def __init__(self, resource: str) -> None:
        self.resource = resource

    async def __aenter__(self):
        from tessel.client.block_scorer import BlockScorerClient

        self.owner = BlockScorerClient()
        return getattr(self.owner, self.resource)

    async def __aexit__(self, *exc_info) -> None:
        await self.owner.close()


# The show functions are defined below: the lambdas look them up when a job finishes.
SCORING = JobKit(lambda: _Jobs("scoring"), noun="scoring job", command="tessel score",
                 show=lambda record, as_json: _print_scoring(record, as_json), metric_names=("kl", "tokens_per_s"))
SCORING.add_commands(score)
MEASUREMENT = JobKit(lambda: _Jobs("measurement"), noun="measurement job", command="tessel score measurements",
                     show=lambda record, as_json: _print_measurement(record, as_json))
MEASUREMENT.add_commands(measurements)


@score.command()
@click.argument("manifest_ref")
@click.option("--sha256", default="", help="The manifest's digest (read from a content-addressed URI otherwise).")
@click.option("--scenario", "scenarios", multiple=True, help=SCENARIO_HELP)
@click.option("--quick", is_flag=True, help="Demo profile: 2048 held-out tokens, 3 timing repeats.")
@click.option("--held-out-tokens", type=int, default=0, help="Held-out (evaluation split) tokens (default 8192).")
@click.option("--batch-sequences", type=int, default=0, help="Sequences per token batch (default 4).")
@click.option("--repeats", type=int, default=0, help="Timing repeats per cost (default 5).")
@click.option("--executor", type=click.Choice(EXECUTORS.choices), help="Default: the service's setting.")
@submit_options
def library(manifest_ref, sha256, scenarios, quick, held_out_tokens, batch_sequences, repeats, executor, submit) -> None:
    """Score a block library: MANIFEST_REF is the manifest's URI, its stored name or the distillation job id."""
    ref = resolve_ref(manifest_ref, sha256, what="MANIFEST_REF", job_name="distill/{job}/manifest")
    if quick:
        held_out_tokens = held_out_tokens or QUICK["held_out_tokens"]
        repeats = repeats or QUICK["repeats"]
    spec = pb.ScoringJobSpec(
        library=ref, scenarios=[parse_scenario(s) for s in scenarios], held_out_tokens=held_out_tokens,
        batch_sequences=batch_sequences, cost_options=pb.CostOptions(repeats=repeats),
        executor=EXECUTORS[executor] if executor else pb.EXECUTOR_UNSPECIFIED,
    )
    flags = flags_from_spec(pb.ScoringJobSpec.DESCRIPTOR, click.get_current_context().command.params,
                            renamed={"library": "MANIFEST_REF", "scenarios": "--scenario", "cost_options": "--repeats"})
    SCORING.submit(spec, submit, flags=flags)


@score.command()
@click.argument("scored_library_ref")
@click.option("--sha256", default="", help="The scored library's digest (read from a content-addressed URI otherwise).")
@click.option("--child", "child_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON: a list of per-layer block configs, or an object with block_configs (default: the parent).")
@click.option("--scenario", "scenarios", multiple=True, help="Default: the scored library's scenario. " + SCENARIO_HELP)
@click.option("--repeats", type=int, default=0, help="Timed generations (default 3).")
@submit_options
def measure(scored_library_ref, sha256, child_file, scenarios, repeats, submit) -> None:
    """Measure an architecture end to end and compare it with the scored library's additive prediction.
    SCORED_LIBRARY_REF is the scored library's URI, its stored name or the scoring job id."""
    ref = resolve_ref(scored_library_ref, sha256, what="SCORED_LIBRARY_REF",
                      job_name="block-scorer/{job}/scored-library-0")
    spec = pb.MeasurementJobSpec(scored_library=ref, block_configs=_child_blocks(child_file, ref),
                                 scenarios=[parse_scenario(s) for s in scenarios],
                                 options=pb.CostOptions(repeats=repeats))
    MEASUREMENT.submit(spec, submit, flags={"spec.scored_library": "SCORED_LIBRARY_REF", "spec.block_configs": "--child",
                                            "spec.architecture": "--child", "spec.scenarios": "--scenario",
                                            "spec.options": "--repeats"})


def _child_blocks(child_file: Path | None, ref: artifact_pb2.ArtifactRef) -> list:
    from tessel.distill.v1 import distill_pb2 as dpb
    from tessel.llm.block_config import BlockConfig

    if child_file is None:  # the parent: the additive model's baseline check
        shape = ArtifactStore(get_settings().artifacts_root).get_json(ref)["parent"]["shape"]
        items = [{"attention": {"kind": "gqa", "num_key_value_heads": shape["num_key_value_heads"]},
                  "ffn": {"kind": "mlp", "intermediate_size": shape["intermediate_size"]}}] * shape["num_hidden_layers"]
    else:
        try:
            document = json.loads(child_file.read_text())
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"{child_file} is not JSON ({error})", param_hint="--child") from error
        items = document.get("block_configs") if isinstance(document, dict) else document
        if not isinstance(items, list):
            raise click.BadParameter(f"{child_file} has no list of block configs", param_hint="--child")
    kinds_a = {"gqa": dpb.ATTENTION_KIND_GQA, "no_op": dpb.ATTENTION_KIND_NO_OP, "linear": dpb.ATTENTION_KIND_LINEAR}
    kinds_f = {"mlp": dpb.FFN_KIND_MLP, "no_op": dpb.FFN_KIND_NO_OP, "linear": dpb.FFN_KIND_LINEAR}
    blocks = [BlockConfig.from_dict(item, field=f"--child[{i}]") for i, item in enumerate(items)]
    return [dpb.BlockConfig(
        attention=dpb.AttentionConfig(kind=kinds_a[b.attention.kind], num_key_value_heads=b.attention.num_key_value_heads or 0),
        ffn=dpb.FfnConfig(kind=kinds_f[b.ffn.kind], intermediate_size=b.ffn.intermediate_size or 0),
    ) for b in blocks]


def _print_scoring(record, as_json: bool) -> None:
    store = ArtifactStore(get_settings().artifacts_root)
    libraries = [store.get_json(s.scored_library) for s in record.result.scored_libraries]
    document = {
        "job_id": record.job.id, "variants_scored": record.result.variants_scored,
        "variants_reused": record.result.variants_reused,
        "report": {"uri": record.result.report.uri, "sha256": record.result.report.sha256},
        "heatmap": {"uri": record.result.heatmap.uri, "sha256": record.result.heatmap.sha256},
        "scored_libraries": [
            {"scenario": lib["scenario"], "uri": s.scored_library.uri, "sha256": s.scored_library.sha256,
             "rows": summary_rows(lib)}
            for lib, s in zip(libraries, record.result.scored_libraries, strict=True)
        ],
    }
    if as_json:
        emit_json(document)
        return
    for entry in document["scored_libraries"]:
        s = entry["scenario"]
        table(f"Scored library {record.job.id}: {s['name'] or 'scenario'} ({s['device']} {s['dtype']}, batch "
              f"{s['batch_size']}, prompt {s['prompt_length']}, generation {s['generation_length']})",
              ["variant", "layers", "KL mean", "LM-loss Δ", "top-1 disagree", "params", "KV bytes", "prefill ms", "decode ms/step"],
              [[r["variant"], r["layers"], r["kl"], r["lm_loss_delta"], r["top1_disagreement"], r["params"],
                r["kv_cache_bytes"], r["prefill_ms"], r["decode_ms"]] for r in entry["rows"]])
        console.print(f"scored library: {entry['uri']} sha256 {entry['sha256']}")
    console.print(f"report: {document['report']['uri']}  heat map: {document['heatmap']['uri']}")


def summary_rows(library: dict) -> list[dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for v in library["variants"]:
        config = v["config"]
        if v["subblock"] == "attention":
            label = f"attention kv{config['num_key_value_heads']}" if config["kind"] == "gqa" else f"attention {config['kind']}"
        else:
            label = f"ffn {config['intermediate_size']}" if config["kind"] == "mlp" else f"ffn {config['kind']}"
        groups[label].append(v)
    rows = []
    for label, members in sorted(groups.items()):
        def mean(metric, members=members):
            return sum(m["scores"][metric]["mean"] for m in members) / len(members)

        cost = members[0]["cost"]
        rows.append({"variant": label, "layers": len(members), "kl": mean("kl"), "lm_loss_delta": mean("lm_loss_delta"),
                     "top1_disagreement": mean("top1_disagreement"), "params": cost["params"],
                     "kv_cache_bytes": cost["kv_cache_bytes"], "prefill_ms": cost["prefill_seconds"] * 1e3,
                     "decode_ms": cost["decode_seconds_per_token"] * 1e3})
    return rows


def _print_measurement(record, as_json: bool) -> None:
    rows = []
    for m in record.result.measurements:
        rows.append({
            "scenario": m.scenario.name, "device": m.device, "prefill_s": m.prefill_seconds,
            "predicted_prefill_s": m.predicted_prefill_seconds, "prefill_error_pct": m.prefill_error_percent,
            "decode_s_per_step": m.decode_seconds_per_token, "predicted_decode_s_per_step": m.predicted_decode_seconds_per_token,
            "decode_error_pct": m.decode_error_percent, "decode_tokens_per_s": m.decode_tokens_per_second,
            "total_s": m.total_seconds, "predicted_total_s": m.predicted_total_seconds, "error_pct": m.error_percent,
            "peak_memory_bytes": m.peak_memory_bytes, "predicted_memory_bytes": m.predicted_memory_bytes,
        })
    if as_json:
        emit_json({"job_id": record.job.id, "report": {"uri": record.result.report.uri,
                                                        "sha256": record.result.report.sha256}, "measurements": rows})
        return
    table(f"Measurement {record.job.id} (errors: 100 × (predicted − measured) / measured)",
          ["scenario", "prefill s", "predicted", "error %", "decode s/step", "predicted", "error %", "tokens/s",
           "total s", "predicted", "error %"],
          [[r["scenario"], r["prefill_s"], r["predicted_prefill_s"], r["prefill_error_pct"], r["decode_s_per_step"],
            r["predicted_decode_s_per_step"], r["decode_error_pct"], r["decode_tokens_per_s"], r["total_s"],
            r["predicted_total_s"], r["error_pct"]] for r in rows])
    console.print(f"report: {record.result.report.uri}")
