"""Sweeps: many budgets against one scored library (no re-distillation, no re-scoring) → a Pareto front."""

from __future__ import annotations

from dataclasses import dataclass

from tessel.runtime.errors import InvalidArgument, fields_renamed
from tessel_arch_solver.core.baselines import solve_baseline
from tessel_arch_solver.core.mip import Solution, solve_problem
from tessel_arch_solver.core.problem import BUDGET_MEASURES, InfeasibleBudget, LayerRules, Problem, make_problem

MAX_SWEEP_POINTS = 64


@dataclass(frozen=True)
class SweepPoint:
    budgets: dict[str, float]
    solution: Solution | None
    infeasible: InfeasibleBudget | None
    pareto_optimal: bool = False


def sweep(library, budget_list: list[dict[str, float]], *, metric: str = "kl", rules: LayerRules | None = None,
          scenario=None, method: str = "mip", seed: int = 0, time_limit_s: float = 30.0,
          solver: str = "highs") -> list[SweepPoint]:
    if not budget_list or len(budget_list) > MAX_SWEEP_POINTS:
        raise InvalidArgument(f"needs 1 to {MAX_SWEEP_POINTS} budgets, got {len(budget_list)}", field="budgets")
    points = []
    for k, budgets in enumerate(budget_list):
        with fields_renamed({"budget": f"budgets[{k}]"}):
            problem = make_problem(library, metric=metric, budgets=budgets, rules=rules, scenario=scenario)
            try:
                points.append(SweepPoint(budgets, _solve(problem, method, seed, time_limit_s, solver), None))
            except InfeasibleBudget as error:
                points.append(SweepPoint(budgets, None, error))
    return mark_pareto(points, measures_of(budget_list))


def _solve(problem: Problem, method: str, seed: int, time_limit_s: float, solver: str) -> Solution:
    if method == "mip":
        return solve_problem(problem, time_limit_s=time_limit_s, solver=solver)
    return solve_baseline(problem, method, seed=seed, time_limit_s=time_limit_s, solver=solver)


def measures_of(budget_list: list[dict[str, float]]) -> list[str]:
    """The measures the sweep trades against quality (those its budgets bound), in first-seen order."""
    return list(dict.fromkeys(BUDGET_MEASURES[name] for budgets in budget_list for name in budgets))


def mark_pareto(points: list[SweepPoint], measures: list[str]) -> list[SweepPoint]:
    """Flag the solved points no other solved point dominates on (objective, every swept measure),
    all lower-is-better (throughput and speedup are bounded through latency)."""
    def key(point: SweepPoint) -> tuple[float, ...]:
        return (point.solution.objective, *(point.solution.costs[m] for m in measures))

    solved = [p for p in points if p.solution is not None]
    out = []
    for point in points:
        if point.solution is None:
            out.append(point)
            continue
        mine = key(point)
        dominated = any(all(a <= b for a, b in zip(key(o), mine)) and key(o) != mine for o in solved)
        out.append(SweepPoint(point.budgets, point.solution, None, pareto_optimal=not dominated))
    return out
