import itertools

import pytest

from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_arch_solver.core.mip import solve, total_cost


def brute_force(library, metric, budgets):
    """The best objective over every assignment meeting the budgets (None when none does)."""
    groups = {}
    for i, v in enumerate(library.variants):
        groups.setdefault((v.layer, v.subblock), []).append(i)
    best = None
    for chosen in itertools.product(*groups.values()):
        if all(total_cost(library, list(chosen), name) <= limit for name, limit in budgets.items()):
            objective = sum(library.variants[i].scores[metric].mean for i in chosen)
            best = objective if best is None else min(best, objective)
    return best


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("seed", range(4))
def test_optimal_against_brute_force_and_within_budgets(make_library, seed, solver):
    library = make_library(seed)
    parent_params = total_cost(library, [i for i, v in enumerate(library.variants) if v.is_parent], "max_params")
    budgets = {"max_params": parent_params // 2, "max_memory_bytes": 3 * parent_params}
    solution = solve(library, budgets=budgets, solver=solver)
    assert solution.objective == pytest.approx(brute_force(library, "kl", budgets), abs=1e-9)
    assert all(solution.costs[name] <= limit for name, limit in budgets.items())
    assert sorted(solution.choice) == sorted({(v.layer, v.subblock) for v in library.variants})


def test_any_scored_metric_is_an_objective(make_library):
    library = make_library(7)
    budgets = {"max_params": 200}
    solution = solve(library, metric="lm_loss_delta", budgets=budgets)
    assert solution.objective == pytest.approx(brute_force(library, "lm_loss_delta", budgets), abs=1e-9)


def test_infeasible_budget_is_a_failed_precondition(make_library):
    library = make_library(1)
    with pytest.raises(FailedPrecondition) as error:
        solve(library, budgets={"max_params": library.overhead.params - 1})
    assert error.value.field == "budgets"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"metric": "perplexity"}, "metric"),
    ({"solver": "gurobi"}, "solver"),
    ({"budgets": {"max_params": -1}}, "budgets.max_params"),
    ({"budgets": {"max_watts": 5}}, "budgets.max_watts"),
])
def test_bad_input_names_the_field(make_library, kwargs, field):
    with pytest.raises(InvalidArgument) as error:
        solve(make_library(0), **kwargs)
    assert error.value.field == field

