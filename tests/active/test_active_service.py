"""The active-learner in-process on port 0 against a real nats-server: SelectCoreset, refusals with the
field named, a simulated session to its budget, and an external-oracle session that waits for labels,
survives a service restart while waiting, and continues after SubmitLabels."""

from __future__ import annotations

import asyncio

import grpc
import numpy as np
import pytest
import torch

from tessel.active.v1 import active_pb2 as pb
from tessel.active.v1 import events_pb2
from tessel.assets.datasets import load_dataset
from tessel.client.active_learner import ActiveLearnerClient
from tessel.common.v1 import job_pb2
from tessel.runtime.arrays import array_to_proto
from tessel.runtime.messaging import Messaging
from tessel.runtime.rpc_errors import field_violations
from tessel.runtime.server import start_service
from tessel.training.v1 import training_pb2
from tessel.zoo.coreset import greedy_k_center
from tessel_active_learner.api.sessions import ROUND_SUBJECT
from tessel_active_learner.service import DEFINITION

pytestmark = pytest.mark.nats


@pytest.fixture(autouse=True)
def _one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
async def service(start):
    return await start(DEFINITION)


def spec(**changes) -> pb.SessionSpec:
    values = dict(
        dataset="digits", seed=3, pool_size=300, initial_size=20, batch_size=10, label_budget=40,
        strategy=pb.QUERY_STRATEGY_CORESET, oracle=pb.ORACLE_SIMULATED,
        backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP, hidden_sizes=[32]),
        max_epochs=4, train_batch_size=10, learning_rate=0.01, device="cpu",
    )
    return pb.SessionSpec(**{**values, **changes})


async def state_reached(client, session_id: str, state: int, timeout: float = 60.0) -> pb.Session:
    async def follow():
        async for record in client.watch(session_id):
            if record.job.state == state:
                return record
            if record.job.state in (job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED):
                raise AssertionError(f"session ended {record.job.state}: {record.job.error.reason}")

    return await asyncio.wait_for(follow(), timeout)


async def test_select_coreset_matches_the_zoo_function(service):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    async with ActiveLearnerClient(service.address) as client:
        reply = await client.select_coreset(x, [3, 7, 7], 25)
    want = greedy_k_center(x, [3, 7], 25, device="cpu")
    assert list(reply.indices) == want.indices
    np.testing.assert_allclose(reply.radii, want.radii, rtol=1e-6)
    assert all(a >= b for a, b in zip(reply.radii, reply.radii[1:]))  # covering radius never grows


@pytest.mark.parametrize(
    ("request_fields", "field"),
    [
        (dict(count=298), "count"),  # 300 points, 3 centres: at most 297 picks
        (dict(initial=[300]), "initial"),
        (dict(embeddings=array_to_proto(np.zeros((4, 2), dtype=np.int64))), "embeddings"),
        (dict(embeddings=array_to_proto(np.full((4, 2), np.nan, dtype=np.float32)), count=1), "embeddings"),
        (dict(count=0), "count"),
    ],
)
async def test_bad_coreset_requests_name_the_field(service, request_fields, field):
    request = pb.SelectCoresetRequest(embeddings=array_to_proto(np.zeros((300, 2), dtype=np.float32)),
                                      initial=[0, 1, 2], count=5)
    for name, value in request_fields.items():
        if name == "embeddings":
            request.embeddings.CopyFrom(value)
        elif name == "initial":
            request.initial[:] = value
        else:
            setattr(request, name, value)
    async with ActiveLearnerClient(service.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.stub.SelectCoreset(request)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == [field]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(label_budget=301), "spec.label_budget"),  # more labels than the pool holds
        (dict(pool_size=0, label_budget=5000), "spec.label_budget"),
        (dict(strategy=99), "spec.strategy"),  # unknown strategy
        (dict(strategy=pb.QUERY_STRATEGY_UNSPECIFIED), "spec.strategy"),
        (dict(oracle=pb.ORACLE_UNSPECIFIED), "spec.oracle"),
        (dict(initial_size=41), "spec.initial_size"),
        (dict(strategy=pb.QUERY_STRATEGY_MC_DROPOUT), "spec.backbone.dropout"),
        (dict(pool_size=10_000), "spec.pool_size"),
        (dict(dataset="diabetes"), "spec.dataset"),  # regression: no classes to query for
    ],
)
async def test_create_refuses_bad_specs_naming_the_field(service, changes, field):
    async with ActiveLearnerClient(service.address) as client:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.create(spec(**changes))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(raised.value)] == [field]


async def test_simulated_session_runs_to_its_budget_one_event_and_trace_per_round(service, settings):
    messaging = await Messaging.connect(settings.nats_url, name="test")
    events: list = []

    async def received(msg) -> None:
        events.append(events_pb2.SessionRoundCompleted.FromString(msg.data))

    subscription = await messaging.client.subscribe(ROUND_SUBJECT, cb=received)
    try:
        async with ActiveLearnerClient(service.address) as client:
            created = await client.create(spec(strategy=pb.QUERY_STRATEGY_LEAST_CONFIDENCE))
            record = await state_reached(client, created.job.id, job_pb2.JOB_STATE_SUCCEEDED)
        await asyncio.sleep(0.2)
    finally:
        await subscription.unsubscribe()
        await messaging.close()
    result = record.result
    mine = [e for e in events if e.session_id == created.job.id]
    assert [e.round for e in mine] == list(result.rounds)
    assert [len(e.queried_indices) for e in mine] == [10, 10, 0]
    assert list(mine[0].queried_indices) == list(result.labelled_indices[20:30])
    trace_ids = [r.trace_id for r in result.rounds]
    assert all(len(t) == 32 for t in trace_ids) and len(set(trace_ids)) == 3
    assert record.job.trace_id not in trace_ids  # each round is its own trace
    assert [r.labelled_count for r in result.rounds] == [20, 30, 40]
    assert len(set(result.labelled_indices)) == 40 and not result.pending_indices
    digits = load_dataset("digits", seed=3)
    assert list(result.labels) == digits.train.y[list(result.labelled_indices)].tolist()
    assert record.job.progress.metrics["labelled"] == 40


async def test_external_session_waits_survives_a_restart_and_continues_after_labels(settings):
    digits = load_dataset("digits", seed=3)
    first = await start_service(DEFINITION, settings)
    async with ActiveLearnerClient(first.address) as client:
        created = await client.create(spec(oracle=pb.ORACLE_EXTERNAL, label_budget=30))
        waiting = await state_reached(client, created.job.id, job_pb2.JOB_STATE_WAITING)
        query = await client.query(created.job.id)
    session_id = created.job.id
    asked = list(query.indices)
    assert len(asked) == 20 and query.round == 0 and query.num_classes == 10
    assert asked == list(waiting.result.pending_indices)
    await first.stop()  # the service goes away while the session waits

    second = await start_service(DEFINITION, settings)
    try:
        async with ActiveLearnerClient(second.address) as client:
            assert (await client.get(session_id)).job.state == job_pb2.JOB_STATE_WAITING
            truth = digits.train.y[asked].tolist()
            never_queried = next(i for i in range(300) if i not in asked)
            refusals = [
                (([never_queried], [0]), "indices[0]"),
                (([asked[0], asked[0]], [0, 0]), "indices[1]"),
                (([asked[0]], [10]), "labels[0]"),
                (([asked[0], asked[1]], [1]), "labels"),
            ]
            for (indices, labels), field in refusals:
                with pytest.raises(grpc.aio.AioRpcError) as raised:
                    await client.submit_labels(session_id, indices, labels)
                assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
                assert [v.field for v in field_violations(raised.value)] == [field]

            # a part of the batch: kept, and the session waits for the rest
            partial = await client.submit_labels(session_id, asked[:5], truth[:5])
            assert (partial.labelled_count, partial.pending_count) == (5, 15)
            rewaiting = await state_reached(client, session_id, job_pb2.JOB_STATE_WAITING)
            assert list(rewaiting.result.pending_indices) == asked[5:] and not rewaiting.result.rounds
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.submit_labels(session_id, asked[:1], truth[:1])
            assert [v.field for v in field_violations(raised.value)] == ["indices[0]"]  # already labelled

            done = await client.submit_labels(session_id, asked[5:], truth[5:])
            assert (done.labelled_count, done.pending_count) == (20, 0)
            second_batch = await state_reached(client, session_id, job_pb2.JOB_STATE_WAITING)
            assert len(second_batch.result.rounds) == 1 and second_batch.result.rounds[0].labelled_count == 20
            next_query = list((await client.query(session_id)).indices)
            assert len(next_query) == 10 and not set(next_query) & set(asked)
            await client.submit_labels(session_id, next_query, digits.train.y[next_query].tolist())
            final = await state_reached(client, session_id, job_pb2.JOB_STATE_SUCCEEDED)
            assert [r.labelled_count for r in final.result.rounds] == [20, 30]
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.submit_labels(session_id, next_query[:1], [0])
            assert raised.value.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION)
    finally:
        await second.stop()


async def test_simulated_sessions_refuse_labels(service):
    async with ActiveLearnerClient(service.address) as client:
        created = await client.create(spec(label_budget=20))
        await state_reached(client, created.job.id, job_pb2.JOB_STATE_SUCCEEDED)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.submit_labels(created.job.id, [1], [1])
        assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await client.submit_labels("0000000000001-deadbeef", [1], [1])
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        assert [v.field for v in field_violations(raised.value)] == ["session_id"]
