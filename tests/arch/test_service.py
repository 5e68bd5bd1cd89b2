"""The arch-solver in-process on port 0 against a real nats-server: Solve (event, stored solution,
budgets met), infeasible and bad input as gRPC errors naming the field, a sweep, and an assembly job
from a tiny block library to a stored Hugging Face folder (event)."""

from __future__ import annotations

import asyncio
import json

import grpc
import pytest
from test_assemble import asset_cache, build_library  # noqa: F401  (asset_cache: fixture)

from tessel.arch.v1 import arch_pb2 as pb
from tessel.arch.v1 import events_pb2
from tessel.client.arch_solver import ArchSolverClient
from tessel.common.v1 import artifact_pb2, job_pb2
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.messaging import Messaging
from tessel.runtime.rpc_errors import field_violations
from tessel_arch_solver.service import DEFINITION

pytestmark = pytest.mark.nats


@pytest.fixture
async def service(start):
    return await start(DEFINITION)


@pytest.fixture
def store(settings):
    return ArtifactStore(settings.artifacts_root)


async def next_event(messaging, subject, message_type, action):
    received: asyncio.Queue = asyncio.Queue()
    subscription = await messaging.client.subscribe(subject, cb=received.put)
    try:
        result = await action()
        return result, message_type.FromString((await asyncio.wait_for(received.get(), 30)).data)
    finally:
        await subscription.unsubscribe()


async def test_solve_stores_the_solution_publishes_and_meets_the_budget(service, settings, store, make_library):
    library = make_library(0, num_layers=4)
    ref = store.put_json(library.to_dict())
    steps = library.scenario.generation_length - 1  # the prefill gives the first token
    parent_latency = sum(v.cost.prefill_seconds + steps * v.cost.decode_seconds_per_token
                         for v in library.variants if v.is_parent) + library.overhead.prefill_seconds \
        + steps * library.overhead.decode_seconds_per_token
    request = pb.SolveRequest(scored_library=ref, budget=pb.Budget(target_speedup=1.5), num_solutions=2,
                              min_difference=0.25)
    messaging = await Messaging.connect(settings.nats_url, name="test")
    try:
        async with ArchSolverClient(service.address) as client:
            response, event = await next_event(messaging, "tessel.arch.v1.architecture_solved",
                                               events_pb2.ArchitectureSolved, lambda: client.solve(request))
    finally:
        await messaging.close()
    assert len(response.solutions) == 2
    best = response.solutions[0]
    assert best.status == pb.SOLUTION_STATUS_OPTIMAL and best.gap == pytest.approx(0.0, abs=1e-6)
    assert len(best.choices) == 8 and best.costs.speedup >= 1.5
    assert best.costs.latency_seconds <= parent_latency / 1.5
    assert response.parent_costs.latency_seconds == pytest.approx(parent_latency)
    assert event.solution == best and event.scored_library == ref
    document = store.get_json(best.artifact)
    assert document["schema"] == "tessel.arch.solution" and len(document["block_configs"]) == 4
    assert sum(a.variant_id != b.variant_id or a.name != b.name
               for a, b in zip(best.choices, response.solutions[1].choices)) >= 2


async def test_infeasible_and_bad_input_are_errors_naming_the_field(service, store, make_library):
    ref = store.put_json(make_library(1).to_dict())
    cases = [
        (pb.SolveRequest(scored_library=ref, budget=pb.Budget(max_params=1)), grpc.StatusCode.FAILED_PRECONDITION,
         "budget.max_params"),
        (pb.SolveRequest(scored_library=ref, options=pb.SolveOptions(metric="bleu")), grpc.StatusCode.INVALID_ARGUMENT,
         "options.metric"),
        (pb.SolveRequest(scored_library=ref, budget=pb.Budget(max_latency_seconds=-1.0)),
         grpc.StatusCode.INVALID_ARGUMENT, "budget.max_latency_seconds"),
        (pb.SolveRequest(), grpc.StatusCode.INVALID_ARGUMENT, "scored_library"),
        (pb.SolveRequest(scored_library=ref, num_solutions=17), grpc.StatusCode.INVALID_ARGUMENT, "num_solutions"),
        (pb.SolveRequest(scored_library=ref, num_solutions=4, options=pb.SolveOptions(time_limit_seconds=600)),
         grpc.StatusCode.INVALID_ARGUMENT, "options.time_limit_seconds"),
        (pb.SolveRequest(scored_library=artifact_pb2.ArtifactRef(uri="file:///etc/passwd")),
         grpc.StatusCode.INVALID_ARGUMENT, "scored_library.uri"),  # outside the store: refused
    ]
    async with ArchSolverClient(service.address) as client:
        for request, code, field in cases:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.solve(request)
            assert raised.value.code() == code, raised.value.details()
            assert [v.field for v in field_violations(raised.value)] == [field]
    assert "tightest achievable is 7" in (await _details(service, cases[0][0]))  # the overhead's 7 params


async def _details(service, request) -> str:
    async with ArchSolverClient(service.address) as client:
        try:
            await client.solve(request)
        except grpc.aio.AioRpcError as error:
            return error.details()
    return ""


async def test_sweep_answers_every_point(service, store, make_library):
    library = make_library(2)
    ref = store.put_json(library.to_dict())
    budgets = [pb.Budget(max_params=p) for p in (1, 150, 300, 10**9)]
    async with ArchSolverClient(service.address) as client:
        response = await client.solve_sweep(pb.SolveSweepRequest(scored_library=ref, budgets=budgets))
    outcomes = [p.WhichOneof("outcome") for p in response.points]
    assert outcomes[0] == "infeasible" and response.points[0].infeasible.tightest_achievable == 7
    assert all(o == "solution" for o in outcomes[1:])
    assert all(p.solution.costs.params <= b.max_params for p, b in zip(response.points[1:], budgets[1:]))
    objectives = [p.solution.objective for p in response.points[1:]]
    assert objectives == sorted(objectives, reverse=True)
    assert response.points[-1].solution.objective == pytest.approx(0.0)  # everything fits: the parent


async def test_assembly_job_exports_the_solved_child(service, settings, store):
    manifest, scored = build_library(store)
    manifest_ref = store.put_json(manifest)
    scored.library = {"uri": manifest_ref.uri, "sha256": manifest_ref.sha256}
    scored_ref = store.put_json(scored.to_dict())
    parent_params = sum(v.cost.params for v in scored.variants if v.is_parent) + scored.overhead.params
    messaging = await Messaging.connect(settings.nats_url, name="test")
    try:
        async with ArchSolverClient(service.address) as client:
            solved = await client.solve(pb.SolveRequest(scored_library=scored_ref,
                                                        budget=pb.Budget(max_params=parent_params - 20_000)))
            solution = solved.solutions[0]
            record, event = await next_event(
                messaging, "tessel.arch.v1.child_assembled", events_pb2.ChildAssembled,
                lambda: client.submit_and_watch(pb.AssemblyJobSpec(solution=solution.artifact)))
    finally:
        await messaging.close()
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED, record.job.error.reason
    assert event.job_id == record.job.id and event.model == record.result.model
    child = store.get_json(record.result.model)
    assert {"config.json", "model.safetensors"} <= set(child["files"])
    assert child["predicted_costs"]["params"] == solution.costs.params <= parent_params - 20_000
    config = store.get_json(artifact_pb2.ArtifactRef(**child["files"]["config.json"]))
    assert config["model_type"] == "nemotron-nas" and len(config["block_configs"]) == 2


async def test_cli_solve_sweep_and_assemble(service, store, make_library, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tessel.cli.solve import solve

    monkeypatch.setenv("TESSEL_ARCH_SOLVER_ADDRESS", service.address)
    library = make_library(3, num_layers=5)
    path = tmp_path / "scored.json"
    path.write_text(json.dumps(library.to_dict()))
    runner = CliRunner()

    def invoke(command, args):
        return asyncio.to_thread(runner.invoke, command, args, catch_exceptions=False)

    result = await invoke(solve, [str(path), "--target-speedup", "1.5", "--keep-attention", "0", "--diverse", "2",
                                  "--png", str(tmp_path / "arch.png"), "--json"])
    assert result.exit_code == 0, result.output
    solutions = json.loads(result.stdout)["solutions"]
    assert len(solutions) == 2 and all(s["costs"]["speedup"] >= 1.5 for s in solutions)
    layer0 = next(c for c in solutions[0]["choices"] if c["layer"] == 0 and c["subblock"] == "SUBBLOCK_ATTENTION")
    assert layer0["name"] != "no_op"
    assert (tmp_path / "arch.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    result = await invoke(solve, [str(path), "--min-throughput", "50", "--baseline", "uniform"])
    assert result.exit_code == 0, result.output
    assert "METHOD_UNIFORM" in result.stdout and "Predicted costs" in result.stdout and "tokens/s" in result.stdout

    result = await invoke(solve, ["sweep", str(path), "--target-speedup", "1.1,1.5,2,1e6"])
    assert result.exit_code == 0, result.output
    assert "infeasible" in result.stdout and "Pareto" in result.stdout

    result = await invoke(solve, ["sweep", str(path), "--max-params", "1,200,400,100G", "--baseline", "greedy",
                                  "--png", str(tmp_path / "pareto.png"), "--json"])
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)["points"]
    assert "infeasible" in points[0] and all("solution" in p for p in points[1:])
    assert all(p["solution"]["method"] == "METHOD_GREEDY" for p in points[1:])
    assert (tmp_path / "pareto.png").stat().st_size > 1000

    result = await asyncio.to_thread(runner.invoke, solve, [str(path), "--max-params", "1"])
    assert result.exception.code() == grpc.StatusCode.FAILED_PRECONDITION  # `tessel` prints it, exits 2
    assert "budget.max_params" in result.exception.details() and "tightest achievable is 7" in result.exception.details()


async def test_cli_assemble_downloads_the_folder(service, store, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tessel.cli.solve import assemble

    monkeypatch.setenv("TESSEL_ARCH_SOLVER_ADDRESS", service.address)
    manifest, scored = build_library(store)
    manifest_ref = store.put_json(manifest)
    scored.library = {"uri": manifest_ref.uri, "sha256": manifest_ref.sha256}
    async with ArchSolverClient(service.address) as client:
        solved = await client.solve(pb.SolveRequest(scored_library=store.put_json(scored.to_dict()),
                                                    budget=pb.Budget(target_speedup=1.2)))
    out = tmp_path / "child"
    result = await asyncio.to_thread(CliRunner().invoke, assemble,
                                     [solved.solutions[0].artifact.uri, "--out", str(out), "--json"],
                                     catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["job"]["state"] == "JOB_STATE_SUCCEEDED"
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "nemotron-nas" and (out / "model.safetensors").stat().st_size > 0


@pytest.mark.slow  # ~30 s on 2 shared cores: assembly, then the block-scorer times the child end to end
async def test_cli_assemble_measure_compares_predicted_and_measured(service, start, store, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tessel.cli.solve import assemble
    from tessel_block_scorer.core.settings import get_scorer_settings
    from tessel_block_scorer.service import DEFINITION as SCORER

    monkeypatch.setenv("TESSEL_BLOCK_SCORER_COST_CACHE_DIR", str(tmp_path / "costs"))
    get_scorer_settings.cache_clear()
    scorer = await start(SCORER)
    monkeypatch.setenv("TESSEL_ARCH_SOLVER_ADDRESS", service.address)
    monkeypatch.setenv("TESSEL_BLOCK_SCORER_ADDRESS", scorer.address)
    manifest, scored = build_library(store)
    manifest_ref = store.put_json(manifest)
    scored.library = {"uri": manifest_ref.uri, "sha256": manifest_ref.sha256}
    async with ArchSolverClient(service.address) as client:
        solved = await client.solve(pb.SolveRequest(scored_library=store.put_json(scored.to_dict()),
                                                    budget=pb.Budget(target_speedup=1.2)))
    result = await asyncio.to_thread(CliRunner().invoke, assemble,
                                     [solved.solutions[0].artifact.uri, "--measure", "--tolerance", "25", "--json"],
                                     catch_exceptions=False)
    get_scorer_settings.cache_clear()
    assert result.exit_code == 0, result.output
    measured = json.loads(result.stdout)["measurement"]
    quantities = {row["quantity"]: row for row in measured["rows"]}
    assert {"total seconds", "prefill seconds", "decode seconds/token"} <= set(quantities)
    for row in measured["rows"]:
        assert row["measured"] > 0 and row["predicted"] > 0
        assert row["error_percent"] == pytest.approx(100 * (row["predicted"] - row["measured"]) / row["measured"])
        assert row["miss"] == (abs(row["error_percent"]) > 25)
    assert measured["misses"] == sum(row["miss"] for row in measured["rows"])
