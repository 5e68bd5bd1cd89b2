import pytest
from arch_brute_force import assignments, measures, meets, parent_and_lightest

from tessel.runtime.errors import FailedPrecondition, InvalidArgument
from tessel_arch_solver.core.baselines import BASELINES, solve_baseline
from tessel_arch_solver.core.mip import solve
from tessel_arch_solver.core.problem import LayerRules, make_problem
from tessel_arch_solver.core.sweep import sweep



def budgets_for(library, fraction=0.5, rules=LayerRules()):
    out = {}
    for name in ("max_params", "min_throughput_tokens_per_second"):
        parent, lightest = parent_and_lightest(library, name, rules)
        out[name] = lightest + fraction * (parent - lightest)
    return out


def uniform_assignments(library):
    """Every assignment that uses variant k in all attention groups and variant j in all FFN groups."""
    groups = {}
    for i, v in enumerate(library.variants):
        groups.setdefault((v.layer, v.subblock), []).append(i)
    width = len(next(iter(groups.values())))
    return [[members[k if s == "attention" else j] for (layer, s), members in groups.items()]
            for k in range(width) for j in range(width)]


@pytest.mark.parametrize("method", BASELINES)
@pytest.mark.parametrize("seed", range(3))
def test_baselines_meet_the_budgets_and_rules_and_never_beat_the_mip(make_library, method, seed):
    library = make_library(seed, num_layers=4)
    rules = LayerRules(keep_attention_layers=frozenset({0}))
    budgets = budgets_for(library, 0.5, rules)
    optimum = solve(library, budgets=budgets, rules=rules)  # feasible: the parent-side budgets are loose
    problem = make_problem(library, budgets=budgets, rules=rules)
    if method == "uniform" and not any(meets(library, c, budgets, rules) for c in uniform_assignments(library)):
        with pytest.raises(FailedPrecondition) as error:
            solve_baseline(problem, method)
        assert error.value.field == "options.method"
        return
    baseline = solve_baseline(problem, method, seed=seed)
    assert meets(library, list(baseline.choice.values()), budgets, rules)
    assert baseline.objective >= optimum.objective - 1e-9
    assert baseline.method == method and baseline.status == "heuristic"


def test_uniform_uses_one_config_per_subblock(make_library):
    library = make_library(0, num_layers=4)
    solution = solve_baseline(make_problem(library, budgets=budgets_for(library, 0.5)), "uniform")
    for subblock in ("attention", "ffn"):
        configs = {str(library.variants[i].config) for (layer, s), i in solution.choice.items() if s == subblock}
        assert len(configs) == 1


def test_random_baseline_is_seeded(make_library):
    library = make_library(5)
    parent, lightest = parent_and_lightest(library, "max_params")
    budgets = {"max_params": lightest + 0.5 * (parent - lightest)}
    problem = make_problem(library, budgets=budgets)
    first = solve_baseline(problem, "random", seed=11)
    assert solve_baseline(problem, "random", seed=11).choice == first.choice
    others = [solve_baseline(problem, "random", seed=s) for s in range(12, 17)]
    assert any(other.choice != first.choice for other in others)
    assert all(meets(library, list(s.choice.values()), budgets) for s in [first, *others])


def test_max_params_keeps_the_most_parameters_within_the_budget(make_library):
    library = make_library(4)
    budgets = budgets_for(library, 0.5)
    best = max(measures(library, c)["max_params"] for c in assignments(library) if meets(library, c, budgets))
    solution = solve_baseline(make_problem(library, budgets=budgets), "max_params")
    assert solution.costs["params"] == best


def test_sweep_marks_the_pareto_front_and_keeps_infeasible_points(make_library):
    library = make_library(6)
    parent, lightest = parent_and_lightest(library, "min_throughput_tokens_per_second")
    targets = [lightest * 1.2] + [parent + f * (lightest - parent) for f in (0.0, 0.3, 0.6, 0.9)]
    points = sweep(library, [{"min_throughput_tokens_per_second": t} for t in targets])
    assert points[0].solution is None and points[0].infeasible.tightest == pytest.approx(lightest, rel=1e-9)
    solved = [p for p in points if p.solution]
    assert len(solved) == 4
    # A stricter throughput never gives a better score; the front is the non-dominated set.
    objectives = [p.solution.objective for p in solved]
    assert objectives == sorted(objectives)
    for p in solved:
        dominated = any(o.solution.objective <= p.solution.objective and
                        o.solution.costs["latency_seconds"] <= p.solution.costs["latency_seconds"] and
                        (o.solution.objective, o.solution.costs["latency_seconds"]) !=
                        (p.solution.objective, p.solution.costs["latency_seconds"]) for o in solved)
        assert p.pareto_optimal == (not dominated)


def test_sweep_names_the_bad_point(make_library):
    with pytest.raises(InvalidArgument) as error:
        sweep(make_library(0), [{"max_params": 100}, {"max_params": -5}])
    assert error.value.field == "budgets[1].max_params"
