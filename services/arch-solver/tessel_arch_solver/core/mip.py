"""Puzzle MIP: one variant per (layer, subblock), minimise the summed score under params/memory budgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulp

from tessel.llm.scored_library import Cost, ScoredLibrary
from tessel.runtime.errors import FailedPrecondition, InvalidArgument

SOLVERS = ("highs", "cbc")
# A budget's cost of one variant (or of the overhead); the constraint and the re-check both use it.
BUDGET_COSTS: dict[str, Callable[[Cost], int]] = {
    "max_params": lambda cost: cost.params,
    "max_memory_bytes": lambda cost: cost.weight_bytes + cost.kv_cache_bytes,
}


@dataclass(frozen=True)
class Solution:
    choice: dict[tuple[int, str], int]  # (layer, subblock) -> index into library.variants
    objective: float
    costs: dict[str, int]  # budget name -> the assignment's total (overhead included)


def total_cost(library: ScoredLibrary, chosen: list[int], budget: str) -> int:
    cost_of = BUDGET_COSTS[budget]
    return cost_of(library.overhead) + sum(cost_of(library.variants[i].cost) for i in chosen)


def solve(library: ScoredLibrary, *, metric: str = "kl", budgets: dict[str, int] | None = None,
          time_limit_s: float = 30.0, solver: str = "highs") -> Solution:
    budgets = dict(budgets or {})
    if metric not in library.metrics():
        raise InvalidArgument(f"unknown metric {metric!r}; library has {sorted(library.metrics())}", field="metric")
    if solver not in SOLVERS:
        raise InvalidArgument(f"unknown solver {solver!r}; one of {', '.join(SOLVERS)}", field="solver")
    for name, limit in budgets.items():
        if name not in BUDGET_COSTS:
            raise InvalidArgument(f"unknown budget; one of {', '.join(BUDGET_COSTS)}", field=f"budgets.{name}")
        if limit < 0:
            raise InvalidArgument("must be non-negative", field=f"budgets.{name}")
    variants = library.variants
    prob = pulp.LpProblem("puzzle", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(len(variants))]
    prob += pulp.lpSum(v.scores[metric].mean * x[i] for i, v in enumerate(variants))
    groups: dict[tuple[int, str], list[int]] = {}
    for i, v in enumerate(variants):
        groups.setdefault((v.layer, v.subblock), []).append(i)
    for members in groups.values():
        prob += pulp.lpSum(x[i] for i in members) == 1
    for name, limit in budgets.items():
        cost_of = BUDGET_COSTS[name]
        prob += cost_of(library.overhead) + pulp.lpSum(cost_of(v.cost) * x[i] for i, v in enumerate(variants)) <= limit
    backend = (pulp.HiGHS(msg=False, timeLimit=time_limit_s) if solver == "highs"
               else pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    status = pulp.LpStatus[prob.solve(backend)]
    if status != "Optimal":
        raise FailedPrecondition(f"no architecture meets the budgets (solver status {status})", field="budgets")
    choice = {key: next(i for i in members if x[i].value() > 0.5) for key, members in groups.items()}
    chosen = list(choice.values())
    costs = {name: total_cost(library, chosen, name) for name in BUDGET_COSTS}
    # Re-check the returned assignment in exact integers (never trust the solver's tolerance).
    violated = [name for name, limit in budgets.items() if costs[name] > limit]
    if violated:
        raise FailedPrecondition(f"the solver's assignment exceeds {violated}", field="budgets")
    return Solution(choice=choice, objective=sum(variants[i].scores[metric].mean for i in chosen), costs=costs)
