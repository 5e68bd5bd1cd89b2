import itertools

import pytest
from arch_brute_force import assignments, brute_force, measures, meets, parent_and_lightest

from tessel.llm.scored_library import Scenario
from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_arch_solver.core.mip import solve, solve_diverse
from tessel_arch_solver.core.problem import InfeasibleBudget, LayerRules, make_problem


BUDGETS = ["max_params", "max_memory_bytes", "max_time_to_first_token_seconds", "max_latency_seconds",
           "min_throughput_tokens_per_second", "target_speedup"]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("budget", BUDGETS)
@pytest.mark.parametrize("seed", range(2))
def test_optimal_against_brute_force_for_each_budget(make_library, seed, budget, solver):
    library = make_library(seed)
    parent, lightest = parent_and_lightest(library, budget)
    budgets = {budget: lightest + 0.4 * (parent - lightest)}
    solution = solve(library, budgets=budgets, solver=solver)
    assert solution.objective == pytest.approx(brute_force(library, "kl", budgets), abs=1e-9)
    assert meets(library, list(solution.choice.values()), budgets)
    assert solution.status == "optimal" and solution.gap == pytest.approx(0.0, abs=1e-6)
    assert solution.bound <= solution.objective + 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_budgets_in_combination_and_layer_rules(make_library, seed):
    library = make_library(seed)
    budgets = {}
    for name in ("max_params", "min_throughput_tokens_per_second", "max_memory_bytes"):
        parent, lightest = parent_and_lightest(library, name)
        budgets[name] = lightest + 0.7 * (parent - lightest)
    rules = LayerRules(keep_attention_layers=frozenset({0}), keep_parent=frozenset({(2, "ffn")}),
                       max_no_op_attention=1)
    expected = brute_force(library, "kl", budgets, rules)
    if expected is None:
        with pytest.raises(FailedPrecondition):
            solve(library, budgets=budgets, rules=rules)
        return
    solution = solve(library, budgets=budgets, rules=rules)
    assert solution.objective == pytest.approx(expected, abs=1e-9)
    assert meets(library, list(solution.choice.values()), budgets, rules)
    assert solution.costs["params"] == measures(library, list(solution.choice.values()))["max_params"]


def test_any_scored_metric_is_an_objective(make_library):
    library = make_library(7)
    budgets = {"max_params": 200}
    solution = solve(library, metric="lm_loss_delta", budgets=budgets)
    assert solution.objective == pytest.approx(brute_force(library, "lm_loss_delta", budgets), abs=1e-9)


def test_diverse_solutions_differ_by_the_fraction_and_are_each_optimal(make_library):
    library = make_library(3)
    parent, lightest = parent_and_lightest(library, "max_params")
    budgets = {"max_params": lightest + 0.5 * (parent - lightest)}
    problem = make_problem(library, budgets=budgets)
    solutions = solve_diverse(problem, count=3, min_difference=0.5)
    assert len(solutions) == 3
    chosen = [list(s.choice.values()) for s in solutions]
    for a, b in itertools.combinations(chosen, 2):
        assert len(set(a) - set(b)) >= 3  # half of the 6 (layer, subblock) choices
    for k, solution in enumerate(solutions):
        assert solution.objective == pytest.approx(brute_force(library, "kl", budgets, exclude=chosen[:k]), abs=1e-9)
        assert meets(library, chosen[k], budgets)


def test_diverse_solving_stops_when_the_space_runs_out(make_library):
    library = make_library(4)
    # Differing in every (layer, subblock) pairwise, with 3 variants per subblock, allows exactly 3 solutions.
    solutions = solve_diverse(make_problem(library), count=10, min_difference=1.0)
    assert len(solutions) == 3
    for a, b in itertools.combinations([list(s.choice.values()) for s in solutions], 2):
        assert not set(a) & set(b)


@pytest.mark.parametrize("budget", BUDGETS)
def test_infeasible_budget_names_it_with_the_tightest_achievable_value(make_library, budget):
    library = make_library(1)
    _, lightest = parent_and_lightest(library, budget)
    limit = lightest * (1.5 if budget in ("min_throughput_tokens_per_second", "target_speedup") else 0.5)
    with pytest.raises(InfeasibleBudget) as error:
        solve(library, budgets={budget: limit})
    assert error.value.field == f"budget.{budget}"
    assert error.value.tightest == pytest.approx(lightest, rel=1e-9)
    assert isinstance(error.value, FailedPrecondition)


def test_infeasible_combination_reports_the_tightest_value_under_the_other_budgets(make_library):
    library = make_library(2)
    parent, lightest = parent_and_lightest(library, "max_params")
    params = lightest + 0.2 * (parent - lightest)
    allowed = [c for c in assignments(library) if measures(library, c)["max_params"] <= params]
    best_throughput = max(measures(library, c)["min_throughput_tokens_per_second"] for c in allowed)
    budgets = {"max_params": params, "min_throughput_tokens_per_second": best_throughput * 1.01}
    with pytest.raises(InfeasibleBudget) as error:
        solve(library, budgets=budgets)
    assert brute_force(library, "kl", budgets) is None
    assert error.value.budget in budgets
    if error.value.budget == "min_throughput_tokens_per_second":
        assert error.value.tightest == pytest.approx(best_throughput, rel=1e-9)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"metric": "perplexity"}, "options.metric"),
    ({"solver": "gurobi"}, "options.solver"),
    ({"time_limit_s": 0}, "options.time_limit_seconds"),
    ({"budgets": {"max_params": -1}}, "budget.max_params"),
    ({"budgets": {"min_throughput_tokens_per_second": 0}}, "budget.min_throughput_tokens_per_second"),
    ({"budgets": {"max_watts": 5}}, "budget.max_watts"),
    ({"rules": LayerRules(keep_attention_layers=frozenset({9}))}, "options.rules.keep_attention_layers"),
    ({"rules": LayerRules(max_no_op_ffn=-1)}, "options.rules.max_no_op_ffn"),
    ({"scenario": Scenario(device="cpu", dtype="float32", batch_size=4, prompt_length=8, generation_length=8)},
     "scenario"),
])
def test_bad_input_names_the_field(make_library, kwargs, field):
    with pytest.raises(InvalidArgument) as error:
        solve(make_library(0), **kwargs)
    assert error.value.field == field


def test_empty_library_and_bad_costs_are_invalid(make_library):
    library = make_library(0)
    library.variants = []
    with pytest.raises(InvalidArgument) as error:
        solve(library)
    assert error.value.field == "scored_library"
    library = make_library(0)
    library.variants[0] = library.variants[0].__class__(**{**library.variants[0].__dict__, "cost": library.variants[
        0].cost.__class__(**{**library.variants[0].cost.__dict__, "prefill_seconds": -1.0})})
    with pytest.raises(InvalidArgument) as error:
        solve(library)
    assert error.value.field == "scored_library"
