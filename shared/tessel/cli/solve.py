"""`tessel solve SCORED_LIBRARY …`, `tessel solve sweep …` and `tessel assemble SOLUTION …`: the
arch-solver's MIP over a scored library (per-layer table and PNG, Pareto plot for sweeps) and the
assembly of a solution into a Hugging Face folder."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import click
from google.protobuf.json_format import MessageToDict

from tessel.arch.v1 import arch_pb2 as pb
from tessel.cli.output import SEED32, console, emit_json, json_option, table
from tessel.client.arch_solver import ArchSolverClient
from tessel.common.v1 import artifact_pb2, job_pb2, scenario_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.settings import get_settings

SOLVERS = {"highs": pb.SOLVER_HIGHS, "cbc": pb.SOLVER_CBC}
BASELINES = {"greedy": pb.METHOD_GREEDY, "random": pb.METHOD_RANDOM, "max-params": pb.METHOD_MAX_PARAMS,
             "uniform": pb.METHOD_UNIFORM}
PRECISIONS = {"float32": scenario_pb2.PRECISION_FLOAT32, "bfloat16": scenario_pb2.PRECISION_BFLOAT16,
              "float16": scenario_pb2.PRECISION_FLOAT16}
# CLI option -> (Budget field, parser); sizes accept K/M/G (×1000) and Ki/Mi/Gi (×1024) suffixes.
DEFAULT_TOLERANCE_PERCENT = 15.0
_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}


def _size(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9.]+)\s*([kmgt]i?)?b?\s*", text.lower())
    if not match:
        raise click.BadParameter(f"expected a size such as 135M or 16GiB, got {text!r}")
    return int(float(match.group(1)) * _SUFFIX[match.group(2) or ""])


BUDGET_OPTIONS = {
    "min_throughput": ("min_throughput_tokens_per_second", float),
    "max_latency": ("max_latency_seconds", float),
    "max_ttft": ("max_time_to_first_token_seconds", float),
    "max_memory": ("max_memory_bytes", _size),
    "max_params": ("max_params", _size),
    "target_speedup": ("target_speedup", float),
}


def budget_options(function):
    specs = [
        ("--min-throughput", "min_throughput", "Tokens/s on the library's scenario (batch × generation / latency)."),
        ("--max-latency", "max_latency", "Seconds: prefill + (generation - 1) decode steps."),
        ("--max-ttft", "max_ttft", "Seconds to the first token (prefill)."),
        ("--max-memory", "max_memory", "Bytes of weights + KV cache (e.g. 16GiB)."),
        ("--max-params", "max_params", "Parameters (e.g. 100M)."),
        ("--target-speedup", "target_speedup", "Parent latency / child latency (e.g. 1.5)."),
    ]
    for flag, name, help_text in reversed(specs):
        function = click.option(flag, name, help=help_text + " Comma-separated for a sweep.")(function)
    return function


def solve_options(function):
    options = [
        click.option("--metric", default="", help="Scored metric to minimise (default kl)."),
        click.option("--solver", type=click.Choice(sorted(SOLVERS)), default="highs", show_default=True),
        click.option("--time-limit", type=float, default=0.0, help="Seconds per solve (default 30)."),
        click.option("--keep-attention", default="", help="Comma-separated layers whose attention is never a no-op."),
        click.option("--keep-parent", default="", help="Comma-separated LAYER:attention|ffn that keep the parent."),
        click.option("--max-no-op-attention", type=int, help="At most this many no-op attentions."),
        click.option("--max-no-op-ffn", type=int, help="At most this many no-op FFNs."),
        click.option("--baseline", type=click.Choice(sorted(BASELINES)), help="A baseline instead of the MIP."),
        click.option("--seed", type=SEED32, default=0, show_default=True, help="Seed of --baseline random."),
        click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Write the plot here."),
        json_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


class _DefaultRun(click.Group):
    """`tessel solve LIB …` runs the `run` command; `tessel solve sweep LIB …` the sweep."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultRun)
def solve() -> None:
    """Choose one variant per layer under hardware budgets (MIP over a scored library).

    `tessel solve SCORED_LIBRARY --target-speedup 1.5` is `tessel solve run …`; `tessel solve sweep
    SCORED_LIBRARY --target-speedup 1.2,1.5,2` solves each budget and marks the Pareto front."""


@solve.command("run")
@click.argument("scored_library")
@budget_options
@click.option("--diverse", type=int, default=1, show_default=True, help="Up to N solutions, each differing.")
@click.option("--min-difference", type=float, default=0.0, help="Fraction of choices each must differ in (0.2).")
@solve_options
def run(scored_library, diverse, min_difference, png, as_json, **values) -> None:
    """Solve one budget. SCORED_LIBRARY: a local scored-library JSON (uploaded to the store) or its artifact URI."""
    budgets = _budgets(values)
    if len(budgets) != 1:
        raise click.BadParameter("one value per budget (use `tessel solve sweep` for lists)", param_hint="budgets")
    request = pb.SolveRequest(scored_library=_library_ref(scored_library), budget=budgets[0],
                              options=_options(values), num_solutions=diverse, min_difference=min_difference)

    async def call():
        async with ArchSolverClient() as client:
            return await client.solve(request)

    response = asyncio.run(call())
    if png:
        architecture_png(response.solutions[0], png)
    if as_json:
        emit_json(_dict(response) | ({"png": str(png)} if png else {}))
        return
    for k, solution in enumerate(response.solutions):
        _print_solution(solution, response.parent_costs, title=f"Solution {k + 1} of {len(response.solutions)}")
    if png:
        console.print(f"architecture plot: {png}")


@solve.command("sweep")
@click.argument("scored_library")
@budget_options
@solve_options
def sweep(scored_library, png, as_json, **values) -> None:
    """Solve a list of budgets (comma-separated values; single values repeat) → the Pareto front."""
    request = pb.SolveSweepRequest(scored_library=_library_ref(scored_library), budgets=_budgets(values),
                                   options=_options(values))

    async def call():
        async with ArchSolverClient() as client:
            return await client.solve_sweep(request)

    response = asyncio.run(call())
    if png:
        pareto_png(response, png)
    if as_json:
        emit_json(_dict(response) | ({"png": str(png)} if png else {}))
        return
    rows = []
    for point in response.points:
        budget = ", ".join(f"{k}={v:g}" for k, v in _dict(point.budget).items())
        if point.WhichOneof("outcome") == "infeasible":
            rows.append([budget, "infeasible", f"tightest {point.infeasible.tightest_achievable:.6g}", "", "", ""])
            continue
        s = point.solution
        rows.append([budget, f"{s.objective:.4f}", f"{s.costs.throughput_tokens_per_second:.1f}",
                     f"{s.costs.latency_seconds:.4g}", f"{s.costs.params:,}", "yes" if point.pareto_optimal else ""])
    table("Sweep", ["budget", "objective", "tokens/s", "latency s", "params", "Pareto"], rows)
    if png:
        console.print(f"Pareto plot: {png}")


@click.command()
@click.argument("solution")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Download the exported Hugging Face folder here.")
@click.option("--precision", type=click.Choice(sorted(PRECISIONS)), default="float32", show_default=True)
@click.option("--measure", is_flag=True,
              help="Then measure the child end to end on the scenario (block-scorer measurement job).")
@click.option("--tolerance", type=float, default=DEFAULT_TOLERANCE_PERCENT, show_default=True,
              help="Flag a measured time or memory off the prediction by more than this many percent.")
@click.option("--detach", is_flag=True, help="Print the job id and return.")
@json_option
def assemble(solution, out_dir, precision, measure, tolerance, detach, as_json) -> None:
    """Assemble a solution (its artifact URI from `tessel solve --json`, or a local solution JSON) into a
    Hugging Face folder (nemotron-nas config + self-contained modeling file)."""
    spec = pb.AssemblyJobSpec(solution=_artifact_ref(solution), precision=PRECISIONS[precision])

    async def call():
        async with ArchSolverClient() as client:
            record = await client.create(spec)
            if detach:
                return record
            async for record in client.watch(record.job.id):
                if not as_json:
                    console.print(f"{record.job.id}: {job_pb2.JobState.Name(record.job.state)} "
                                  f"{record.job.progress.message}")
            return record

    record = asyncio.run(call())
    if record.job.state == job_pb2.JOB_STATE_FAILED:
        raise click.ClickException(f"assembly job {record.job.id} failed: {record.job.error.reason}")
    written = download_folder(record.result.model, out_dir) if out_dir and record.result.model.uri else None
    measured = measure_solution(spec.solution, tolerance, quiet=as_json) if measure and not detach else None
    if as_json:
        emit_json(_dict(record) | ({"folder": str(written)} if written else {})
                  | ({"measurement": measured} if measured else {}))
        return
    console.print(f"job {record.job.id}: {job_pb2.JobState.Name(record.job.state)}")
    if record.result.model.uri:
        console.print(f"model manifest: {record.result.model.uri}")
        console.print(f"nemotron-nas exact: {record.result.nemotron_nas_exact}")
        for flag in record.result.flags:
            console.print(f"  flag: {flag}")
    if written:
        console.print(f"folder: {written}")
    if measured:
        table(f"Predicted vs measured (tolerance {tolerance:g} %)", ["scenario", "quantity", "predicted", "measured",
                                                                     "error %", ""],
              [[r["scenario"], r["quantity"], f"{r['predicted']:.6g}", f"{r['measured']:.6g}",
                f"{r['error_percent']:+.1f}", "MISS" if r["miss"] else "ok"] for r in measured["rows"]])


def measure_solution(solution_ref: artifact_pb2.ArtifactRef, tolerance: float, *, quiet: bool) -> dict:
    """Measure the solution's architecture on its scored library's scenario; predicted vs measured rows,
    each flagged when off by more than `tolerance` percent."""
    from tessel.client.block_scorer import BlockScorerClient
    from tessel.scoring.v1 import scoring_pb2

    document = ArtifactStore(get_settings().artifacts_root).get_json(solution_ref)
    scored = document["scored_library"]
    spec = scoring_pb2.MeasurementJobSpec(
        architecture=solution_ref,
        scored_library=artifact_pb2.ArtifactRef(uri=scored["uri"], sha256=scored.get("sha256", "")))

    async def call():
        async with BlockScorerClient() as client:
            return await client.measurement.submit_and_watch(
                spec, on_update=None if quiet else lambda r: console.print(
                    f"measurement {r.job.id}: {job_pb2.JobState.Name(r.job.state)} {r.job.progress.message}"))

    record = asyncio.run(call())
    if record.job.state != job_pb2.JOB_STATE_SUCCEEDED:
        raise click.ClickException(f"measurement job {record.job.id} did not succeed: {record.job.error.reason}")
    return measurement_rows(record, tolerance)


def measurement_rows(record, tolerance: float) -> dict:
    rows = []
    for m in record.result.measurements:
        name = m.scenario.name or f"b{m.scenario.batch_size} p{m.scenario.prompt_length} g{m.scenario.generation_length}"
        for quantity, predicted, measured in (
                ("total seconds", m.predicted_total_seconds, m.total_seconds),
                ("prefill seconds", m.predicted_prefill_seconds, m.prefill_seconds),
                ("decode seconds/token", m.predicted_decode_seconds_per_token, m.decode_seconds_per_token),
                ("memory bytes", m.predicted_memory_bytes, m.peak_memory_bytes)):
            if not measured:  # not measurable on this device (e.g. peak memory without CUDA)
                continue
            error = 100.0 * (predicted - measured) / measured
            rows.append({"scenario": name, "quantity": quantity, "predicted": predicted, "measured": measured,
                         "error_percent": error, "miss": abs(error) > tolerance})
    return {"job_id": record.job.id, "tolerance_percent": tolerance, "rows": rows,
            "misses": sum(r["miss"] for r in rows)}


def download_folder(model_ref: artifact_pb2.ArtifactRef, out_dir: Path) -> Path:
    store = ArtifactStore(get_settings().artifacts_root)
    child = store.get_json(model_ref)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, ref in child["files"].items():
        if "/" in name or name.startswith("."):  # names come from the service: never outside out_dir
            raise click.ClickException(f"refusing file name {name!r} in the model manifest")
        (out_dir / name).write_bytes(store.get_bytes(artifact_pb2.ArtifactRef(**ref)))
    return out_dir


# -- helpers ---------------------------------------------------------------------------------------


def _budgets(values: dict) -> list[pb.Budget]:
    lists = {}
    for option, (field, parse) in BUDGET_OPTIONS.items():
        text = values.get(option)
        if text:
            try:
                lists[field] = [parse(part) for part in str(text).split(",") if part.strip()]
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint=f"--{option.replace('_', '-')}") from error
    length = max((len(v) for v in lists.values()), default=1)
    if any(len(v) not in (1, length) for v in lists.values()):
        raise click.BadParameter("budget lists must have one value or the same length", param_hint="budgets")
    return [pb.Budget(**{field: v[k if len(v) > 1 else 0] for field, v in lists.items()}) for k in range(length)]


def _options(values: dict) -> pb.SolveOptions:
    rules = pb.LayerRules(keep_attention_layers=[int(x) for x in values["keep_attention"].split(",") if x.strip()])
    for item in filter(None, (x.strip() for x in values["keep_parent"].split(","))):
        layer, _, subblock = item.partition(":")
        if subblock not in ("attention", "ffn") or not layer.isdigit():
            raise click.BadParameter(f"expected LAYER:attention|ffn, got {item!r}", param_hint="--keep-parent")
        rules.keep_parent.add(layer=int(layer), subblock=pb.SUBBLOCK_ATTENTION if subblock == "attention"
                              else pb.SUBBLOCK_FFN)
    for name in ("max_no_op_attention", "max_no_op_ffn"):
        if values[name] is not None:
            setattr(rules, name, values[name])
    return pb.SolveOptions(metric=values["metric"], solver=SOLVERS[values["solver"]],
                           time_limit_seconds=values["time_limit"], rules=rules,
                           method=BASELINES.get(values["baseline"], pb.METHOD_MIP), seed=values["seed"])


def _artifact_ref(text: str) -> artifact_pb2.ArtifactRef:
    """A local JSON file (put into the store) or an artifact URI (its digest is the last path segment)."""
    path = Path(text)
    if "://" not in text and path.is_file():
        return ArtifactStore(get_settings().artifacts_root).put_file(path, media_type="application/json")
    digest = text.rstrip("/").rsplit("/", 1)[-1]
    if "://" not in text or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise click.BadParameter(f"{text!r} is neither a local file nor an artifact URI", param_hint="argument")
    return artifact_pb2.ArtifactRef(uri=text, sha256=digest, media_type="application/json")


def _library_ref(text: str) -> artifact_pb2.ArtifactRef:
    return _artifact_ref(text)


def _dict(message) -> dict:
    return MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


def _print_solution(solution: pb.Solution, parent: pb.Costs, *, title: str) -> None:
    layers: dict[int, dict[str, pb.LayerChoice]] = {}
    for choice in solution.choices:
        layers.setdefault(choice.layer, {})[pb.Subblock.Name(choice.subblock)] = choice

    def cell(choice: pb.LayerChoice | None) -> str:
        return "" if choice is None else choice.name + (" (parent)" if choice.is_parent else "")

    rows = [[layer, cell(c.get("SUBBLOCK_ATTENTION")), cell(c.get("SUBBLOCK_FFN")),
             f"{sum(x.score for x in c.values()):.4f}"] for layer, c in sorted(layers.items())]
    table(f"{title}: {pb.Method.Name(solution.method)} {pb.SolutionStatus.Name(solution.status)}, "
          f"objective {solution.objective:.4f}" + (f", gap {solution.gap:.2e}" if solution.HasField("gap") else ""),
          ["layer", "attention", "ffn", "score"], rows)
    costs = [("params", "params", "{:,}"), ("memory bytes", "memory_bytes", "{:,}"),
             ("time to first token s", "time_to_first_token_seconds", "{:.4g}"),
             ("latency s", "latency_seconds", "{:.4g}"), ("tokens/s", "throughput_tokens_per_second", "{:.1f}"),
             ("speedup", "speedup", "{:.3f}")]
    table("Predicted costs (scenario of the scored library)", ["", "child", "parent"],
          [[label, fmt.format(getattr(solution.costs, field)), fmt.format(getattr(parent, field))]
           for label, field, fmt in costs])
    console.print(f"solution artifact: {solution.artifact.uri}")


def architecture_png(solution: pb.Solution, path: Path) -> None:
    """Layer × (attention, FFN) grid: colour = the variant's width relative to the layer's parent, label = name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers = sorted({c.layer for c in solution.choices})
    grid = [[0.0] * len(layers) for _ in range(2)]
    labels = [[""] * len(layers) for _ in range(2)]
    widest = {}
    for c in solution.choices:
        config = json.loads(c.config_json or "{}")
        widest[c.subblock] = max(widest.get(c.subblock, 1), _width(config))
    for c in solution.choices:
        row = 0 if c.subblock == pb.SUBBLOCK_ATTENTION else 1
        config = json.loads(c.config_json or "{}")
        grid[row][layers.index(c.layer)] = 1.0 if c.is_parent else _width(config) / widest[c.subblock]
        labels[row][layers.index(c.layer)] = c.name
    figure, axis = plt.subplots(figsize=(max(6, 0.45 * len(layers)), 2.6))
    axis.imshow(grid, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for row in range(2):
        for col in range(len(layers)):
            axis.text(col, row, labels[row][col], ha="center", va="center", fontsize=6, rotation=90,
                      color="black" if grid[row][col] > 0.6 else "white")  # readable on viridis' yellow end
    axis.set_yticks([0, 1], ["attention", "FFN"])
    axis.set_xticks(range(len(layers)), layers, fontsize=7)
    axis.set_xlabel("layer")
    axis.set_title(f"{pb.Method.Name(solution.method)}: objective {solution.objective:.4f}, "
                   f"{solution.costs.throughput_tokens_per_second:.1f} tokens/s, speedup {solution.costs.speedup:.2f}×")
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)


def _width(config: dict) -> float:
    """Relative size of a variant within its subblock: KV heads, FFN width, linear ≈ small, no-op 0."""
    kind = config.get("kind")
    if kind == "gqa":
        return float(config.get("num_key_value_heads") or 1)
    if kind == "mlp":
        return float(config.get("intermediate_size") or 1)
    return 0.25 if kind == "linear" else 0.0


def pareto_png(response: pb.SolveSweepResponse, path: Path) -> None:
    """Predicted quality loss (objective) against throughput for every solved point; the front joined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    solved = [p for p in response.points if p.WhichOneof("outcome") == "solution"]
    figure, axis = plt.subplots(figsize=(6, 4))
    xs = [p.solution.costs.throughput_tokens_per_second for p in solved]
    ys = [p.solution.objective for p in solved]
    axis.scatter(xs, ys, c=["tab:blue" if p.pareto_optimal else "tab:gray" for p in solved], zorder=3)
    front = sorted((x, y) for x, y, p in zip(xs, ys, solved, strict=True) if p.pareto_optimal)
    if front:
        axis.plot([x for x, _ in front], [y for _, y in front], color="tab:blue", zorder=2)
    if response.parent_costs.throughput_tokens_per_second:
        axis.axvline(response.parent_costs.throughput_tokens_per_second, color="tab:red", linestyle="--",
                     label="parent")
        axis.legend()
    axis.set_xlabel("predicted throughput (tokens/s)")
    axis.set_ylabel(f"predicted quality loss (Σ {solved[0].solution.metric if solved else 'score'})")
    axis.set_title(f"Pareto front: {len(front)} of {len(response.points)} budgets")
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    plt.close(figure)
