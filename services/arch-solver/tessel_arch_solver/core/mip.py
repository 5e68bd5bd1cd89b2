"""Puzzle MIP: one variant per (layer, subblock), minimise the summed score under budgets and rules.

One binary per variant; Σ = 1 per (layer, subblock); each budget is a row `overhead + Σ c_i x_i ≤ limit`
scaled by 1/limit (so params in the billions and seconds in the milliseconds are both O(1) for the
solver). Every returned assignment is re-checked exactly; when the solver's feasibility tolerance let a
row slip over its limit, that row is tightened by the overshoot and the model solved again.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pulp

from tessel.llm.scored_library import Scenario, ScoredLibrary
from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_arch_solver.core.problem import BUDGET_MEASURES, InfeasibleBudget, LayerRules, Problem, make_problem

SOLVERS = ("highs", "cbc")
MAX_TIME_LIMIT_S = 600.0
_RETIGHTEN_ATTEMPTS = 3


class NoFurtherSolution(FailedPrecondition):
    """Diverse solving ran out: no assignment differs enough from the earlier ones."""


@dataclass(frozen=True)
class Solution:
    choice: dict[tuple[int, str], int]  # (layer, subblock) -> index into library.variants
    objective: float  # Σ of the metric's mean score over the choice
    costs: dict[str, float]  # Problem.totals: every measure plus throughput and speedup
    method: str = "mip"  # mip | greedy | random | max_params | uniform
    status: str = "optimal"  # optimal | feasible (time limit hit) | heuristic (a baseline)
    bound: float | None = None  # the solver's proven lower bound on the objective
    gap: float | None = None  # (objective − bound) / max(|objective|, 1e-9)
    solve_seconds: float = 0.0
    extra: dict = field(default_factory=dict)


@dataclass
class _Outcome:
    chosen: list[int]
    objective: float  # the solver's objective value (may differ from the metric for baselines)
    bound: float | None
    status: str


def solve(library: ScoredLibrary, *, metric: str = "kl", budgets: dict[str, float] | None = None,
          rules: LayerRules | None = None, scenario: Scenario | None = None, time_limit_s: float = 30.0,
          solver: str = "highs") -> Solution:
    problem = make_problem(library, metric=metric, budgets=budgets, rules=rules, scenario=scenario)
    return solve_problem(problem, time_limit_s=time_limit_s, solver=solver)


def solve_problem(problem: Problem, *, time_limit_s: float = 30.0, solver: str = "highs",
                  previous: list[list[int]] | None = None, min_difference: float = 0.0) -> Solution:
    check_solver(solver, time_limit_s)
    started = time.perf_counter()
    coefficients = {i: problem.score(i) for i in range(len(problem.variants))}
    outcome = minimise(problem, coefficients, problem.budgets, time_limit_s=time_limit_s, solver=solver,
                       previous=previous, min_difference=min_difference)
    if outcome is None:
        if previous:
            raise NoFurtherSolution("no further architecture differs enough from the earlier ones",
                                    field="min_difference")
        explain_infeasible(problem, time_limit_s=time_limit_s, solver=solver)
    return finish(problem, outcome.chosen, method="mip", status=outcome.status, bound=outcome.bound,
                  started=started)


def solve_diverse(problem: Problem, *, count: int, min_difference: float, time_limit_s: float = 30.0,
                  solver: str = "highs") -> list[Solution]:
    """Up to `count` solutions, each differing from every earlier one in at least `min_difference` of the
    (layer, subblock) choices (fewer when the space runs out; the first is the optimum)."""
    if not 0.0 < min_difference <= 1.0:
        raise InvalidArgument(f"must be in (0, 1], got {min_difference}", field="min_difference")
    solutions = [solve_problem(problem, time_limit_s=time_limit_s, solver=solver)]
    while len(solutions) < count:
        earlier = [list(s.choice.values()) for s in solutions]
        try:
            solutions.append(solve_problem(problem, time_limit_s=time_limit_s, solver=solver, previous=earlier,
                                           min_difference=min_difference))
        except NoFurtherSolution:
            break
    return solutions


def check_solver(solver: str, time_limit_s: float) -> None:
    if solver not in SOLVERS:
        raise InvalidArgument(f"unknown solver {solver!r}; one of {', '.join(SOLVERS)}", field="options.solver")
    if not 0 < time_limit_s <= MAX_TIME_LIMIT_S:
        raise InvalidArgument(f"must be in (0, {MAX_TIME_LIMIT_S:g}] seconds, got {time_limit_s}",
                              field="options.time_limit_seconds")


def finish(problem: Problem, chosen: list[int], *, method: str, status: str, bound: float | None,
           started: float, extra: dict | None = None) -> Solution:
    """Re-check the assignment exactly and package it (an unmet constraint is a bug, never an answer)."""
    broken = problem.violations(chosen)
    if broken:
        raise FailedPrecondition(f"the {method} assignment breaks {broken}", field="budget")
    objective = problem.objective(chosen)
    gap = None if bound is None else max(0.0, objective - bound) / max(abs(objective), 1e-9)
    choice = {(problem.variants[i].layer, problem.variants[i].subblock): i for i in chosen}
    return Solution(choice=dict(sorted(choice.items())), objective=objective, costs=problem.totals(chosen),
                    method=method, status=status, bound=bound, gap=gap,
                    solve_seconds=time.perf_counter() - started, extra=extra or {})


def minimise(problem: Problem, coefficients: dict[int, float], budgets: dict[str, float], *, time_limit_s: float,
             solver: str, previous: list[list[int]] | None = None, min_difference: float = 0.0) -> _Outcome | None:
    """min Σ coefficients·x under `budgets` (a subset of the problem's, or others) and the rules; None when
    infeasible. The returned assignment meets every budget exactly (re-tightened when it did not)."""
    limits = {name: problem.limit(name, value) for name, value in budgets.items()}
    margins = dict.fromkeys(limits, 0.0)
    for _ in range(_RETIGHTEN_ATTEMPTS + 1):
        outcome = _solve_once(problem, coefficients, limits, margins, time_limit_s=time_limit_s, solver=solver,
                              previous=previous, min_difference=min_difference)
        if outcome is None:
            return None
        over = {name: problem.measure(BUDGET_MEASURES[name], outcome.chosen) - limit
                for name, limit in limits.items()}
        over = {name: excess for name, excess in over.items() if excess > 0}
        if not over:
            return outcome
        for name, excess in over.items():
            margins[name] = max(2 * (margins[name] + excess), 1e-12 * abs(limits[name]))
    raise FailedPrecondition(f"the solver keeps exceeding {sorted(over)} within its tolerance", field="budget")


def _solve_once(problem: Problem, coefficients: dict[int, float], limits: dict[str, float],
                margins: dict[str, float], *, time_limit_s: float, solver: str, previous: list[list[int]] | None,
                min_difference: float) -> _Outcome | None:
    prob = pulp.LpProblem("puzzle", pulp.LpMinimize)
    x = {i: prob.add_variable(f"x{i}", cat="Binary") for i in range(len(problem.variants)) if problem.allowed(i)}
    prob += pulp.lpSum(coefficients[i] * var for i, var in x.items())
    for members in problem.groups.values():
        prob += pulp.lpSum(x[i] for i in members if i in x) == 1
    for name, limit in limits.items():
        measure = BUDGET_MEASURES[name]
        room = limit - margins[name] - problem.measure(measure, [])
        scale = 1.0 / limit if limit > 0 else 1.0
        prob += pulp.lpSum(problem.coefficient(measure, i) * scale * var for i, var in x.items()) <= room * scale
    for subblock, limit in (("attention", problem.rules.max_no_op_attention), ("ffn", problem.rules.max_no_op_ffn)):
        if limit is not None:
            prob += pulp.lpSum(var for i, var in x.items()
                               if problem.variants[i].subblock == subblock and problem.is_no_op(i)) <= limit
    for earlier in previous or []:
        same_allowed = len(problem.groups) - math.ceil(min_difference * len(problem.groups) - 1e-9)
        prob += pulp.lpSum(x[i] for i in earlier if i in x) <= same_allowed
    status, bound = _run(prob, solver, time_limit_s)
    if status is None:
        return None
    chosen = [next(i for i in members if i in x and x[i].value() > 0.5) for members in problem.groups.values()]
    return _Outcome(chosen=chosen, objective=pulp.value(prob.objective), bound=bound, status=status)


def _run(prob: pulp.LpProblem, solver: str, time_limit_s: float) -> tuple[str | None, float | None]:
    """Solve; (optimal | feasible, the proven bound) or (None, None) when no assignment was found."""
    if solver == "highs":
        # One thread: a solve is small, the service runs one per request, and HiGHS fixes its thread pool at
        # the first solve of the process (a later, different count fails).
        prob.solve(pulp.HiGHS(msg=False, timeLimit=time_limit_s, threads=1))
        bound = prob.solverModel.getInfo().mip_dual_bound
        log = None
    else:
        with tempfile.TemporaryDirectory() as tmp:
            log_path = Path(tmp) / "cbc.log"
            prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, logPath=str(log_path)))
            log = log_path.read_text() if log_path.exists() else ""
        bound = None
    if prob.status == pulp.LpStatusInfeasible:
        return None, None
    if prob.status != pulp.LpStatusOptimal or prob.sol_status not in (
            pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        # Not a proof of infeasibility: the time ran out before any assignment, or the solver failed.
        raise FailedPrecondition(
            f"the {solver} solver stopped without an assignment (status {pulp.LpStatus[prob.status]}); "
            "allow more time", field="options.time_limit_seconds")
    objective = pulp.value(prob.objective) or 0.0
    if log is not None:
        bound = _cbc_bound(log, objective, prob.sol_status)
    if bound is None or not math.isfinite(bound):
        bound = objective if prob.sol_status == pulp.LpSolutionOptimal else None
    optimal = prob.sol_status == pulp.LpSolutionOptimal
    return ("optimal" if optimal else "feasible"), bound


def _cbc_bound(log: str, objective: float, sol_status: int) -> float | None:
    """CBC prints "Lower bound:" only when it stopped early; an optimal stop proves the objective."""
    match = re.search(r"Lower bound:\s*(-?[0-9.eE+-]+)", log)
    if match:
        return float(match.group(1))
    return objective if sol_status == pulp.LpSolutionOptimal else None


def explain_infeasible(problem: Problem, *, time_limit_s: float, solver: str) -> None:
    """Raise the answer to an infeasible request: the binding budget and the tightest value it can take
    under the other budgets and the rules (found by minimising that budget's measure)."""
    if minimise(problem, dict.fromkeys(range(len(problem.variants)), 0.0), {}, time_limit_s=time_limit_s,
                solver=solver) is None:
        raise FailedPrecondition("the layer rules admit no architecture", field="options.rules")
    for names in (lambda b: {k: v for k, v in problem.budgets.items() if k != b}, lambda b: {}):
        for name in problem.budgets:
            tightest = tightest_value(problem, name, names(name), time_limit_s=time_limit_s, solver=solver)
            if tightest is not None and tightest > problem.limit(name):
                raise InfeasibleBudget(name, problem.budgets[name], problem.budget_value(name, tightest))
    raise FailedPrecondition("the budgets cannot all hold together", field="budget")


def tightest_value(problem: Problem, budget: str, others: dict[str, float], *, time_limit_s: float,
                   solver: str) -> float | None:
    """The smallest value `budget`'s measure can take under `others` and the rules (None if they conflict)."""
    measure = BUDGET_MEASURES[budget]
    coefficients = {i: problem.coefficient(measure, i) for i in range(len(problem.variants))}
    outcome = minimise(problem, coefficients, others, time_limit_s=time_limit_s, solver=solver)
    return None if outcome is None else problem.measure(measure, outcome.chosen)
