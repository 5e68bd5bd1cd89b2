"""Errors on the wire: status codes, google.rpc BadRequest field violations with real proto paths,
and the job-resource RPCs (idempotent Create, filtered List) through a real gRPC server and NATS."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pytest

from tessel.common.v1 import job_pb2
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, TesselError, fields_renamed
from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.runtime.rpc_errors import field_violations, grpc_code, resolve_field_path, to_grpc_status
from tessel.runtime.server import ServiceDefinition
from tessel.training.v1 import training_pb2, training_pb2_grpc


class UnknownCorpus(NotFound):
    """A service's own error class: its code is its nearest mapped base's."""


def test_codes_follow_the_nearest_mapped_class():
    assert grpc_code(InvalidArgument("x")) == grpc.StatusCode.INVALID_ARGUMENT
    assert grpc_code(UnknownCorpus("x")) == grpc.StatusCode.NOT_FOUND
    assert grpc_code(FailedPrecondition("x")) == grpc.StatusCode.FAILED_PRECONDITION
    assert grpc_code(TesselError("x")) == grpc.StatusCode.INTERNAL


def test_a_field_becomes_a_bad_request_detail_and_none_without_one():
    status = to_grpc_status(InvalidArgument("must be positive", field="spec.max_epochs"))
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT
    assert status.details == "spec.max_epochs: must be positive"
    assert dict(status.trailing_metadata).keys() == {"grpc-status-details-bin"}
    bare = to_grpc_status(FailedPrecondition("not ready"))
    from google.rpc import status_pb2

    assert not status_pb2.Status.FromString(dict(bare.trailing_metadata)["grpc-status-details-bin"]).details


def test_field_paths_resolve_against_the_request_messages():
    create = training_pb2.CreateTrainingJobRequest.DESCRIPTOR
    assert resolve_field_path(create, "spec.selectivenet.target_coverage").name == "target_coverage"
    assert resolve_field_path(create, "spec.backbone.hidden_sizes[2]").name == "hidden_sizes"
    assert resolve_field_path(create, 'labels["team"]').name == "labels"
    assert resolve_field_path(training_pb2.ListTrainingJobsRequest.DESCRIPTOR, "page.page_size").name == "page_size"
    for wrong in ["spec.epochs", "spec.max_epochs.x", "spec..dataset", "", "spec.kind"]:
        assert resolve_field_path(create, wrong) is None


def test_shared_code_fields_are_re_rooted_to_the_request():
    with pytest.raises(NotFound) as caught, fields_renamed({"dataset": "spec.dataset", "backbone": "spec.backbone"}):
        raise NotFound("unknown dataset 'x'", field="dataset")
    assert caught.value.field == "spec.dataset"
    with pytest.raises(InvalidArgument) as caught, fields_renamed({"backbone": "spec.backbone"}):
        raise InvalidArgument("must be in [0, 1)", field="backbone.dropout")
    assert caught.value.field == "spec.backbone.dropout"
    with pytest.raises(InvalidArgument) as caught, fields_renamed({"backbone": "spec.backbone"}):
        raise InvalidArgument("unrelated", field="backbones")
    assert caught.value.field == "backbones"


def validate(spec: training_pb2.TrainingJobSpec) -> None:
    if spec.max_epochs < 0:
        raise InvalidArgument(f"must not be negative, got {spec.max_epochs}", field="spec.max_epochs")
    if spec.dataset == "boom":
        raise ZeroDivisionError("an unexpected bug")
    if spec.dataset == "typo":
        raise InvalidArgument("a path the request does not have", field="spec.epochs")


class Servicer(job_rpcs("TrainingJob", training_pb2, validate=validate),
               training_pb2_grpc.SelectiveTrainerServiceServicer):
    def __init__(self, jobs):
        self.jobs = jobs


async def succeed(ctx, spec):
    return None


@pytest.fixture
async def stub(start):
    service_name = f"test-{uuid.uuid4().hex[:8]}"

    def setup(runtime):
        jobs = runtime.add_job_manager(JobManager(
            service=service_name, resource="training", job_type=training_pb2.TrainingJob,
            messaging=runtime.messaging, artifacts=runtime.artifacts, run=succeed,
        ))
        training_pb2_grpc.add_SelectiveTrainerServiceServicer_to_server(Servicer(jobs), runtime.server)

    # The catalog entry only supplies the proto service name for health and reflection.
    service = await start(ServiceDefinition(name="selective-trainer", setup=setup))
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield training_pb2_grpc.SelectiveTrainerServiceStub(channel)


async def failed(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


@pytest.mark.nats
async def test_bad_requests_carry_a_field_violation_with_the_proto_path(stub):
    cases = [
        (stub.CreateTrainingJob(training_pb2.CreateTrainingJobRequest()), grpc.StatusCode.INVALID_ARGUMENT, "spec"),
        (stub.CreateTrainingJob(training_pb2.CreateTrainingJobRequest(spec=training_pb2.TrainingJobSpec(max_epochs=-1))),
         grpc.StatusCode.INVALID_ARGUMENT, "spec.max_epochs"),
        (stub.CreateTrainingJob(training_pb2.CreateTrainingJobRequest(spec=training_pb2.TrainingJobSpec(), request_id="a b"))
         , grpc.StatusCode.INVALID_ARGUMENT, "request_id"),
        (stub.GetTrainingJob(training_pb2.GetTrainingJobRequest(id="../x")), grpc.StatusCode.INVALID_ARGUMENT, "id"),
        (stub.GetTrainingJob(training_pb2.GetTrainingJobRequest(id="0000000000000-deadbeef")), grpc.StatusCode.NOT_FOUND, "id"),
        (stub.ListTrainingJobs(training_pb2.ListTrainingJobsRequest(page=job_pb2.PageRequest(page_size=-1))),
         grpc.StatusCode.INVALID_ARGUMENT, "page.page_size"),
    ]
    for call, code, path in cases:
        error = await failed(call)
        assert error.code() == code
        violations = field_violations(error)
        assert [v.field for v in violations] == [path]
        assert violations[0].description and error.details() == f"{path}: {violations[0].description}"


@pytest.mark.nats
async def test_a_watch_of_an_unknown_job_fails_with_the_field_too(stub):
    error = await failed(_drain(stub.WatchTrainingJob(training_pb2.WatchTrainingJobRequest(id="0000000000000-deadbeef"))))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert [v.field for v in field_violations(error)] == ["id"]


async def _drain(stream):
    async for _ in stream:
        pass


@pytest.mark.nats
async def test_an_unexpected_failure_is_internal_without_field_details(stub):
    request = training_pb2.CreateTrainingJobRequest(spec=training_pb2.TrainingJobSpec(dataset="boom"))
    error = await failed(stub.CreateTrainingJob(request))
    assert error.code() == grpc.StatusCode.INTERNAL
    assert "ZeroDivisionError: an unexpected bug" in error.details()
    assert field_violations(error) == []


@pytest.mark.nats
async def test_create_with_a_request_id_over_grpc_returns_the_same_job_and_list_filters(stub):
    spec = training_pb2.TrainingJobSpec(dataset="digits")
    request = training_pb2.CreateTrainingJobRequest(spec=spec, labels={"team": "a"}, request_id=uuid.uuid4().hex)
    first = (await stub.CreateTrainingJob(request)).job
    again = (await stub.CreateTrainingJob(request)).job
    other = (await stub.CreateTrainingJob(training_pb2.CreateTrainingJobRequest(spec=spec, labels={"team": "b"}))).job
    assert again.job.id == first.job.id != other.job.id
    listed = await stub.ListTrainingJobs(training_pb2.ListTrainingJobsRequest(labels={"team": "a"}))
    assert [j.job.id for j in listed.jobs] == [first.job.id]
    everything = await stub.ListTrainingJobs(training_pb2.ListTrainingJobsRequest())
    assert [j.job.id for j in everything.jobs] == [other.job.id, first.job.id]
    reused = request.__class__(spec=training_pb2.TrainingJobSpec(dataset="mnist1d"), request_id=request.request_id)
    error = await failed(stub.CreateTrainingJob(reused))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in field_violations(error)] == ["request_id"]


@pytest.mark.nats
async def test_a_service_naming_a_field_the_request_lacks_is_logged(stub, caplog):
    request = training_pb2.CreateTrainingJobRequest(spec=training_pb2.TrainingJobSpec(dataset="typo"))
    error = await failed(stub.CreateTrainingJob(request))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'spec.epochs', which is not a field of tessel.training.v1.CreateTrainingJobRequest" in caplog.text


ROOT = Path(__file__).resolve().parents[2]


def test_domain_errors_and_cores_do_not_import_the_transport():
    probe = "import sys, tessel.runtime.errors; sys.exit(any(m.split('.')[0] in ('grpc', 'nats') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", probe]).returncode == 0
    transport = re.compile(r"^\s*(import|from)\s+(grpc|nats|tessel\.runtime\.(rpc_errors|interceptors|server|messaging))\b", re.M)
    cores = list(ROOT.glob("services/*/tessel_*/core/**/*.py"))
    assert len(cores) > 10
    assert [str(p.relative_to(ROOT)) for p in cores if transport.search(p.read_text())] == []
