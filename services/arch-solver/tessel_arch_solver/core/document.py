"""The solution document (JSON, versioned) Solve stores and CreateAssemblyJob reads: the per-layer choice
(variant ids into the block library manifest), the child's block configs, and predicted costs."""

from __future__ import annotations

from typing import Any

from tessel.runtime.errors import InvalidArgument
from tessel_arch_solver.core.mip import Solution
from tessel_arch_solver.core.problem import Problem

SOLUTION_SCHEMA = "tessel.arch.solution"
SOLUTION_SCHEMA_VERSION = 1


def choice_rows(problem: Problem, solution: Solution) -> list[dict[str, Any]]:
    rows = []
    for (layer, subblock), index in solution.choice.items():
        v = problem.variants[index]
        rows.append({"layer": layer, "subblock": subblock, "variant_id": v.variant_id, "is_parent": v.is_parent,
                     "config": v.config, "score": problem.score(index)})
    return rows


def block_configs(problem: Problem, solution: Solution) -> list[dict[str, Any]]:
    """One {attention, ffn} config per layer (tessel.llm.block_config.BlockConfig.to_dict shape)."""
    configs: list[dict[str, Any]] = [{} for _ in range(problem.library.num_layers)]
    for (layer, subblock), index in solution.choice.items():
        configs[layer][subblock] = dict(problem.variants[index].config)
    return configs


def solution_document(problem: Problem, solution: Solution, *, scored_library: dict[str, Any]) -> dict[str, Any]:
    parent = problem.parent_choice()
    return {
        "schema": SOLUTION_SCHEMA,
        "schema_version": SOLUTION_SCHEMA_VERSION,
        "scored_library": scored_library,  # its ArtifactRef (uri, sha256)
        "library": problem.library.library,  # the block library manifest's ArtifactRef
        "parent": problem.library.parent,
        "scenario": problem.library.to_dict()["scenario"],
        "metric": problem.metric,
        "budgets": problem.budgets,
        "method": solution.method,
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "costs": solution.costs,
        "parent_costs": problem.totals(parent) if parent else {},
        "choices": choice_rows(problem, solution),
        "block_configs": block_configs(problem, solution),
    }


def read_solution_document(data: Any, *, field: str = "spec.solution") -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("schema") != SOLUTION_SCHEMA:
        raise InvalidArgument(f"not an architecture solution (schema must be {SOLUTION_SCHEMA!r})", field=field)
    if data.get("schema_version") != SOLUTION_SCHEMA_VERSION:
        raise InvalidArgument(f"solution schema_version {data.get('schema_version')!r} is not supported", field=field)
    for key in ("choices", "block_configs", "library"):
        if key not in data:
            raise InvalidArgument(f"the solution lacks {key!r}", field=field)
    return data
