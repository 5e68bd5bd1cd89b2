"""Puzzle MIP: one variant per (layer, subblock), minimise summed score under a params/memory budget."""

from __future__ import annotations

from dataclasses import dataclass

import pulp

from tessel.llm.scored_library import ScoredLibrary
from tessel.runtime.errors import FailedPrecondition, InvalidArgument


@dataclass(frozen=True)
class Solution:
    choice: dict[tuple[int, str], int]  # (layer, subblock) -> index into library.variants
    objective: float
    params: int
    memory_bytes: int


def solve(library: ScoredLibrary, *, metric: str = "kl", max_params: int | None = None,
          max_memory_bytes: int | None = None, time_limit_s: float = 30.0, solver: str = "highs") -> Solution:
    if metric not in library.metrics():
        raise InvalidArgument(f"unknown metric {metric!r}; library has {sorted(library.metrics())}", field="metric")
    for name, value in (("max_params", max_params), ("max_memory_bytes", max_memory_bytes)):
        if value is not None and value < 0:
            raise InvalidArgument(f"{name} must be non-negative", field=f"budgets.{name}")
    prob = pulp.LpProblem("puzzle", pulp.LpMinimize)
    x = {i: pulp.LpVariable(f"x{i}", cat="Binary") for i in range(len(library.variants))}
    prob += pulp.lpSum(v.scores[metric].mean * x[i] for i, v in enumerate(library.variants))
    groups: dict[tuple[int, str], list[int]] = {}
    for i, v in enumerate(library.variants):
        groups.setdefault((v.layer, v.subblock), []).append(i)
    for idx in groups.values():
        prob += pulp.lpSum(x[i] for i in idx) == 1
    params = pulp.lpSum(v.cost.params * x[i] for i, v in enumerate(library.variants)) + library.overhead.params
    memory = pulp.lpSum((v.cost.weight_bytes + v.cost.kv_cache_bytes) * x[i]
                        for i, v in enumerate(library.variants)) + library.overhead.weight_bytes
    if max_params is not None:
        prob += params <= max_params
    if max_memory_bytes is not None:
        prob += memory <= max_memory_bytes
    backend = (pulp.HiGHS(msg=False, timeLimit=time_limit_s) if solver == "highs"
               else pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    status = prob.solve(backend)
    if pulp.LpStatus[status] != "Optimal":
        raise FailedPrecondition(f"no architecture meets the budgets (solver status {pulp.LpStatus[status]})",
                                 field="budgets")
    choice = {key: next(i for i in idx if x[i].value() > 0.5) for key, idx in groups.items()}
    chosen = [library.variants[i] for i in choice.values()]
    sol = Solution(choice=choice, objective=sum(v.scores[metric].mean for v in chosen),
                   params=library.overhead.params + sum(v.cost.params for v in chosen),
                   memory_bytes=library.overhead.weight_bytes + sum(v.cost.weight_bytes + v.cost.kv_cache_bytes
                                                                    for v in chosen))
    # Re-verify the returned assignment against every budget (never trust the solver's tolerance).
    if (max_params is not None and sol.params > max_params) or (
            max_memory_bytes is not None and sol.memory_bytes > max_memory_bytes):
        raise FailedPrecondition("solver returned an assignment that violates a budget", field="budgets")
    return sol
