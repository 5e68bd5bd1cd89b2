"""Solve and SolveSweep requests -> core -> responses (blocking work; the servicer runs it in a thread)."""

from __future__ import annotations

from tessel.arch.v1 import arch_pb2 as pb
from tessel.runtime.errors import InvalidArgument
from tessel_arch_solver.api import convert
from tessel_arch_solver.core.baselines import solve_baseline
from tessel_arch_solver.core.document import solution_document
from tessel_arch_solver.core.mip import solve_diverse
from tessel_arch_solver.core.problem import make_problem
from tessel_arch_solver.core.sweep import MAX_SWEEP_POINTS, sweep


def _ref_dict(ref) -> dict:
    return {"uri": ref.uri, "sha256": ref.sha256, "size_bytes": ref.size_bytes, "media_type": ref.media_type}


def solve_request(request: pb.SolveRequest, store) -> pb.SolveResponse:
    library = convert.load_scored_library(store, request.scored_library)
    options = convert.options(request.options)
    count, fraction = convert.diversity(request)
    convert.check_total_time(options["time_limit_s"], count)
    if count > 1 and options["method"] != "mip":
        raise InvalidArgument("diverse solutions come from the MIP only (method unset or METHOD_MIP)",
                              field="num_solutions")
    problem = make_problem(library, metric=options["metric"], budgets=convert.budgets(request.budget),
                           rules=options["rules"],
                           scenario=convert.scenario(request.scenario if request.HasField("scenario") else None))
    if options["method"] == "mip":
        solutions = solve_diverse(problem, count=count, min_difference=fraction, time_limit_s=options["time_limit_s"],
                                  solver=options["solver"])
    else:
        solutions = [solve_baseline(problem, options["method"], seed=options["seed"],
                                    time_limit_s=options["time_limit_s"], solver=options["solver"])]
    scored_ref = _ref_dict(request.scored_library)
    messages = []
    for solution in solutions:
        artifact = store.put_json(solution_document(problem, solution, scored_library=scored_ref))
        messages.append(convert.solution_message(problem, solution, artifact))
    parent = problem.parent_choice()
    return pb.SolveResponse(solutions=messages,
                            parent_costs=convert.costs_message(problem.totals(parent) if parent else {}))


def sweep_request(request: pb.SolveSweepRequest, store) -> pb.SolveSweepResponse:
    if not 1 <= len(request.budgets) <= MAX_SWEEP_POINTS:
        raise InvalidArgument(f"needs 1 to {MAX_SWEEP_POINTS} budgets, got {len(request.budgets)}", field="budgets")
    library = convert.load_scored_library(store, request.scored_library)
    options = convert.options(request.options)
    convert.check_total_time(options["time_limit_s"], len(request.budgets))
    scenario = convert.scenario(request.scenario if request.HasField("scenario") else None)
    budget_list = [convert.budgets(b) for b in request.budgets]
    points = sweep(library, budget_list, metric=options["metric"], rules=options["rules"], scenario=scenario,
                   method=options["method"], seed=options["seed"], time_limit_s=options["time_limit_s"],
                   solver=options["solver"])
    scored_ref = _ref_dict(request.scored_library)
    messages = []
    for budget, point in zip(request.budgets, points, strict=True):
        message = pb.SweepPoint(budget=budget, pareto_optimal=point.pareto_optimal)
        if point.solution is None:
            error = point.infeasible
            message.infeasible.CopyFrom(pb.Infeasible(budget=error.budget, limit=error.limit,
                                                      tightest_achievable=error.tightest, message=error.message))
        else:
            problem = make_problem(library, metric=options["metric"], budgets=point.budgets, rules=options["rules"])
            artifact = store.put_json(solution_document(problem, point.solution, scored_library=scored_ref))
            message.solution.CopyFrom(convert.solution_message(problem, point.solution, artifact))
        messages.append(message)
    problem = make_problem(library, metric=options["metric"], rules=options["rules"])
    parent = problem.parent_choice()
    return pb.SolveSweepResponse(points=messages,
                                 parent_costs=convert.costs_message(problem.totals(parent) if parent else {}))
