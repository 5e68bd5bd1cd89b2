"""Ablation baselines (Puzzle §ablations), each meeting the same budgets and rules as the MIP:

- greedy: from the parent, repeatedly take the swap with the least score increase per unit of the
  violated budgets it frees (each budget normalised by its limit) until every budget holds;
- random: a seeded random architecture that meets the budgets (rejection sampling over the allowed
  variants, then the MIP with random objective coefficients when sampling finds none);
- max_params: the MIP maximising the parameter count (the data-free "keep as much as fits");
- uniform: the same variant config at every layer (the best-scoring one that fits).
"""

from __future__ import annotations

import json
import random
import time

from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_arch_solver.core.mip import Solution, check_solver, explain_infeasible, finish, minimise
from tessel_arch_solver.core.problem import BUDGET_MEASURES, Problem

BASELINES = ("greedy", "random", "max_params", "uniform")
_RANDOM_SAMPLES = 2000


def solve_baseline(problem: Problem, method: str, *, seed: int = 0, time_limit_s: float = 30.0,
                   solver: str = "highs") -> Solution:
    if method not in BASELINES:
        raise InvalidArgument(f"unknown baseline {method!r}; one of {', '.join(BASELINES)}", field="options.method")
    check_solver(solver, time_limit_s)
    started = time.perf_counter()
    if method == "greedy":
        chosen = _greedy(problem)
    elif method == "uniform":
        chosen = _uniform(problem)
    else:
        if method == "max_params":
            coefficients = {i: -float(problem.variants[i].cost.params) for i in range(len(problem.variants))}
        else:
            rng = random.Random(seed)
            chosen = _sample(problem, rng)
            coefficients = {i: rng.random() for i in range(len(problem.variants))}
        if method == "max_params" or chosen is None:
            outcome = minimise(problem, coefficients, problem.budgets, time_limit_s=time_limit_s, solver=solver)
            chosen = None if outcome is None else outcome.chosen
    if chosen is None:
        anything = dict.fromkeys(range(len(problem.variants)), 0.0)
        if minimise(problem, anything, problem.budgets, time_limit_s=time_limit_s, solver=solver) is None:
            explain_infeasible(problem, time_limit_s=time_limit_s, solver=solver)
        raise FailedPrecondition(f"the {method} baseline finds no architecture within the budgets "
                                 "(the MIP does)", field="options.method")
    return finish(problem, chosen, method=method, status="heuristic", bound=None, started=started,
                  extra={"seed": seed} if method == "random" else None)


def _start(problem: Problem) -> list[int]:
    """The parent where it is allowed, else each group's best-scoring allowed variant."""
    chosen = []
    for members in problem.groups.values():
        allowed = [i for i in members if problem.allowed(i)]
        parents = [i for i in allowed if problem.variants[i].is_parent]
        chosen.append(parents[0] if parents else min(allowed, key=problem.score))
    return chosen


def _no_op_limits(problem: Problem) -> dict[str, int]:
    rules = problem.rules
    limits = {"attention": rules.max_no_op_attention, "ffn": rules.max_no_op_ffn}
    return {subblock: limit for subblock, limit in limits.items() if limit is not None}


def _greedy(problem: Problem) -> list[int] | None:
    chosen = _start(problem)
    groups = list(problem.groups.values())
    limits = _no_op_limits(problem)
    no_ops = {s: sum(1 for i in chosen if problem.variants[i].subblock == s and problem.is_no_op(i)) for s in limits}
    for _ in range(4 * len(problem.variants)):  # a swap can push another budget over: never loop for ever
        over = {name: problem.limit(name) for name in problem.budgets
                if problem.measure(BUDGET_MEASURES[name], chosen) > problem.limit(name)}
        excess = {s for s, limit in limits.items() if no_ops[s] > limit}
        if not over and not excess:
            return chosen
        best, best_ratio = None, None
        for g, members in enumerate(groups):
            current = chosen[g]
            subblock = problem.variants[current].subblock
            for candidate in members:
                if candidate == current or not problem.allowed(candidate):
                    continue
                change = problem.is_no_op(candidate) - problem.is_no_op(current)
                if subblock in limits and no_ops[subblock] + change > max(limits[subblock], no_ops[subblock]):
                    continue  # never add a no-op past its limit
                if subblock in excess and change < 0:
                    freed = 1.0  # removing a surplus no-op is worth one whole budget
                else:
                    freed = sum((problem.coefficient(BUDGET_MEASURES[name], current)
                                 - problem.coefficient(BUDGET_MEASURES[name], candidate)) / max(limit, 1e-30)
                                for name, limit in over.items())
                if freed <= 0:
                    continue
                ratio = (problem.score(candidate) - problem.score(current)) / freed
                if best_ratio is None or ratio < best_ratio:
                    best, best_ratio = (g, candidate), ratio
        if best is None:
            return None
        g, candidate = best
        subblock = problem.variants[candidate].subblock
        if subblock in no_ops:
            no_ops[subblock] += problem.is_no_op(candidate) - problem.is_no_op(chosen[g])
        chosen[g] = candidate
    return None


def _uniform(problem: Problem) -> list[int] | None:
    """The best assignment using one config per subblock at every layer (kept-parent groups excepted)."""
    options: dict[str, dict[str, dict[int, int]]] = {"attention": {}, "ffn": {}}  # subblock -> config -> layer -> i
    for i, v in enumerate(problem.variants):
        options[v.subblock].setdefault(json.dumps(v.config, sort_keys=True), {})[v.layer] = i
    layers = range(problem.library.num_layers)
    best = None
    for attention in options["attention"].values():
        for ffn in options["ffn"].values():
            chosen = []
            for layer in layers:
                for subblock, by_layer in (("attention", attention), ("ffn", ffn)):
                    index = by_layer.get(layer)
                    if (layer, subblock) in problem.rules.keep_parent:
                        index = next(i for i in problem.groups[(layer, subblock)] if problem.variants[i].is_parent)
                    chosen.append(index)
            if None in chosen or problem.violations(chosen):
                continue
            if best is None or problem.objective(chosen) < problem.objective(best):
                best = chosen
    return best


def _sample(problem: Problem, rng: random.Random) -> list[int] | None:
    allowed = [[i for i in members if problem.allowed(i)] for members in problem.groups.values()]
    for _ in range(_RANDOM_SAMPLES):
        chosen = [rng.choice(members) for members in allowed]
        if not problem.violations(chosen):
            return chosen
    return None
