"""tessel.arch.v1 messages <-> core types (defaults applied, enums and sizes checked, fields named)."""

from __future__ import annotations

import json

from tessel.arch.v1 import arch_pb2 as pb
from tessel.common.v1 import scenario_pb2
from tessel.llm.scored_library import Scenario, ScoredLibrary
from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel_arch_solver.core.mip import Solution
from tessel_arch_solver.core.problem import BUDGET_MEASURES, LayerRules, Problem

DEFAULT_METRIC = "kl"
DEFAULT_TIME_LIMIT_S = 30.0
DEFAULT_MIN_DIFFERENCE = 0.2
MAX_SOLUTIONS = 16
MAX_RULE_ENTRIES = 4096
# Solver seconds one request may ask for in all (time limit × solves), so no RPC runs for hours.
MAX_REQUEST_SOLVER_SECONDS = 1800.0
SOLVERS = {pb.SOLVER_UNSPECIFIED: "highs", pb.SOLVER_HIGHS: "highs", pb.SOLVER_CBC: "cbc"}
METHODS = {pb.METHOD_UNSPECIFIED: "mip", pb.METHOD_MIP: "mip", pb.METHOD_GREEDY: "greedy",
           pb.METHOD_RANDOM: "random", pb.METHOD_MAX_PARAMS: "max_params", pb.METHOD_UNIFORM: "uniform"}
METHOD_CODES = {name: code for code, name in METHODS.items() if code != pb.METHOD_UNSPECIFIED}
STATUS_CODES = {"optimal": pb.SOLUTION_STATUS_OPTIMAL, "feasible": pb.SOLUTION_STATUS_FEASIBLE,
                "heuristic": pb.SOLUTION_STATUS_HEURISTIC}
SUBBLOCKS = {pb.SUBBLOCK_ATTENTION: "attention", pb.SUBBLOCK_FFN: "ffn"}
SUBBLOCK_CODES = {name: code for code, name in SUBBLOCKS.items()}
PRECISIONS = {scenario_pb2.PRECISION_FLOAT32: "float32", scenario_pb2.PRECISION_BFLOAT16: "bfloat16",
              scenario_pb2.PRECISION_FLOAT16: "float16"}


def load_scored_library(store, ref, *, field: str = "scored_library") -> ScoredLibrary:
    """The scored library a request names, read from the artifact store (never a server path)."""
    if not ref.uri:
        raise InvalidArgument("is required (an artifact ref of the scored library JSON)", field=field)
    with fields_renamed({"artifact": field}):
        data = store.get_json(ref)
    return ScoredLibrary.from_dict(data, field=field)


def budgets(message: pb.Budget) -> dict[str, float]:
    return {name: getattr(message, name) for name in BUDGET_MEASURES if message.HasField(name)}


def budget_message(values: dict[str, float]) -> pb.Budget:
    return pb.Budget(**values)


def scenario(message: scenario_pb2.Scenario | None) -> Scenario | None:
    if message is None:
        return None
    if message.precision not in PRECISIONS:
        raise InvalidArgument("precision is required to compare with the library's scenario", field="scenario.precision")
    return Scenario(device=message.device, dtype=PRECISIONS[message.precision], batch_size=message.batch_size,
                    prompt_length=message.prompt_length, generation_length=message.generation_length,
                    name=message.name)


def options(message: pb.SolveOptions) -> dict:
    """The core keyword arguments of SolveOptions (metric, rules, solver, time limit, method, seed)."""
    prefix = "options"
    if message.solver not in SOLVERS:
        raise InvalidArgument(f"unknown solver {message.solver}", field=f"{prefix}.solver")
    if message.method not in METHODS:
        raise InvalidArgument(f"unknown method {message.method}", field=f"{prefix}.method")
    return {
        "metric": message.metric or DEFAULT_METRIC,
        "rules": rules(message.rules),
        "solver": SOLVERS[message.solver],
        "time_limit_s": message.time_limit_seconds or DEFAULT_TIME_LIMIT_S,
        "method": METHODS[message.method],
        "seed": message.seed,
    }


def rules(message: pb.LayerRules) -> LayerRules:
    prefix = "options.rules"
    for name in ("keep_attention_layers", "keep_parent"):
        if len(getattr(message, name)) > MAX_RULE_ENTRIES:
            raise InvalidArgument(f"at most {MAX_RULE_ENTRIES} entries", field=f"{prefix}.{name}")
    keep_parent = set()
    for k, ref in enumerate(message.keep_parent):
        if ref.subblock not in SUBBLOCKS:
            raise InvalidArgument("subblock is required (attention or ffn)", field=f"{prefix}.keep_parent[{k}].subblock")
        keep_parent.add((ref.layer, SUBBLOCKS[ref.subblock]))
    return LayerRules(
        keep_attention_layers=frozenset(message.keep_attention_layers), keep_parent=frozenset(keep_parent),
        max_no_op_attention=message.max_no_op_attention if message.HasField("max_no_op_attention") else None,
        max_no_op_ffn=message.max_no_op_ffn if message.HasField("max_no_op_ffn") else None,
    )


def check_total_time(time_limit_s: float, solves: int) -> None:
    if time_limit_s * solves > MAX_REQUEST_SOLVER_SECONDS:
        raise InvalidArgument(
            f"{solves} solves × {time_limit_s:g} s is over the {MAX_REQUEST_SOLVER_SECONDS:g} s a request may use",
            field="options.time_limit_seconds")


def diversity(request: pb.SolveRequest) -> tuple[int, float]:
    count = request.num_solutions or 1
    if not 1 <= count <= MAX_SOLUTIONS:
        raise InvalidArgument(f"must be in [1, {MAX_SOLUTIONS}], got {count}", field="num_solutions")
    fraction = request.min_difference or DEFAULT_MIN_DIFFERENCE
    if not 0.0 < fraction <= 1.0:
        raise InvalidArgument(f"must be in (0, 1], got {fraction}", field="min_difference")
    return count, fraction


def costs_message(costs: dict[str, float]) -> pb.Costs:
    if not costs:
        return pb.Costs()
    return pb.Costs(
        params=int(costs["params"]), weight_bytes=int(costs["weight_bytes"]),
        kv_cache_bytes=int(costs["kv_cache_bytes"]), memory_bytes=int(costs["memory_bytes"]),
        time_to_first_token_seconds=costs["time_to_first_token_seconds"], latency_seconds=costs["latency_seconds"],
        throughput_tokens_per_second=costs["throughput_tokens_per_second"], speedup=costs["speedup"],
    )


def variant_name(config: dict) -> str:
    if config.get("kind") == "gqa":
        return f"kv{config.get('num_key_value_heads')}"
    if config.get("kind") == "mlp":
        return f"ffn{config.get('intermediate_size')}"
    return str(config.get("kind", "?"))


def solution_message(problem: Problem, solution: Solution, artifact=None) -> pb.Solution:
    choices = []
    for (layer, subblock), index in solution.choice.items():
        v = problem.variants[index]
        choices.append(pb.LayerChoice(
            layer=layer, subblock=SUBBLOCK_CODES[subblock], variant_id=v.variant_id, is_parent=v.is_parent,
            name=variant_name(v.config), config_json=json.dumps(v.config, sort_keys=True), score=problem.score(index),
        ))
    message = pb.Solution(
        choices=choices, objective=solution.objective, costs=costs_message(solution.costs),
        method=METHOD_CODES[solution.method], status=STATUS_CODES[solution.status],
        solve_seconds=solution.solve_seconds, metric=problem.metric,
    )
    if artifact is not None:
        message.artifact.CopyFrom(artifact)
    if solution.bound is not None:
        message.bound = solution.bound
    if solution.gap is not None:
        message.gap = solution.gap
    return message
