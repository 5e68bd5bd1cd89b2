"""Regression tests for the critical holes a hostile client found (issue: security and reliability, §1):
code execution through dataset pickles, folder reads outside configured roots, artifact references that
escape the store, and client-sized allocations."""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import grpc
import numpy as np
import pytest

from tessel.assets.corpus import load_corpus
from tessel.assets.datasets import load_dataset
from tessel.common.v1 import array_pb2, artifact_pb2
from tessel.distill.v1 import distill_pb2
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.arrays import array_to_proto
from tessel.runtime.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted
from tessel.runtime.paths import confined_path
from tessel.training.v1 import training_pb2
from tessel_block_distiller.api.jobs import validate_spec as validate_distillation
from tessel_metrics.service import DEFINITION as METRICS
from tessel_selective_trainer.api.jobs import validate_spec as validate_training


class _RunsCode:
    """A pickle payload that creates a file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _cifar_folder(root: Path, payload: object) -> None:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for part in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / part).write_bytes(pickle.dumps(payload))


# -- no code runs from dataset files ---------------------------------------------------------------

def test_a_cifar_batch_that_runs_code_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    _cifar_folder(tmp_path, {b"data": _RunsCode(marker), b"labels": [0]})
    with pytest.raises(InvalidArgument, match="builtins.exec") as raised:
        load_dataset("cifar10", root=tmp_path)
    assert raised.value.field == "root"
    assert not marker.exists()


def test_plain_cifar_batches_still_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    _cifar_folder(tmp_path, {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]})
    data = load_dataset("cifar10", root=tmp_path)
    assert len(data.test) == 4 and data.input_shape == (3, 32, 32)


# -- client paths stay inside configured roots -------------------------------------------------------

@pytest.fixture
def roots(tmp_path: Path, monkeypatch) -> Path:
    from tessel.runtime.settings import get_settings

    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TESSEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TESSEL_DATA_ROOTS", f'["{data}"]')
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_a_training_dataset_root_outside_the_roots_is_refused_at_create(roots: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for root in (str(outside), f"{roots}/../elsewhere", "/etc", "bad\x00path"):
        spec = training_pb2.TrainingJobSpec(dataset="cifar10", dataset_root=root)
        with pytest.raises(InvalidArgument) as raised:
            validate_training(spec)
        assert raised.value.field == "spec.dataset_root"


def test_a_symlink_inside_a_root_that_points_out_is_refused(roots: Path, tmp_path: Path) -> None:
    (roots / "link").symlink_to(tmp_path / "home", target_is_directory=True)
    with pytest.raises(InvalidArgument, match="outside"):
        confined_path(str(roots / "link"), field="spec.dataset_root")
    assert confined_path(str(roots), field="x") == roots.resolve()


@pytest.mark.parametrize("kind", ["library", "global_kd"])
def test_a_distiller_corpus_outside_the_roots_is_refused_at_create(roots: Path, kind: str) -> None:
    if kind == "library":
        spec = distill_pb2.DistillationJobSpec(library=distill_pb2.LibrarySpec(parent_model="tiny-llama-2l", corpus="/etc"))
    else:
        spec = distill_pb2.DistillationJobSpec(global_kd=distill_pb2.GlobalDistillationSpec(
            parent_model="tiny-llama-2l", corpus="/etc",
            library=artifact_pb2.ArtifactRef(uri="file:///x", sha256="0" * 64),
        ))
    with pytest.raises(InvalidArgument) as raised:
        validate_distillation(spec)
    assert raised.value.field == f"spec.{kind}.corpus"


def test_a_distiller_parent_folder_outside_the_roots_is_refused(roots: Path) -> None:
    spec = distill_pb2.DistillationJobSpec(library=distill_pb2.LibrarySpec(parent_model="/usr"))
    with pytest.raises(InvalidArgument) as raised:
        validate_distillation(spec)
    assert raised.value.field == "spec.library.parent_model"


def test_a_corpus_walk_skips_symlinks_out_of_its_folder(roots: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the password is hunter2")
    corpus = roots / "corpus"
    corpus.mkdir()
    for index in range(4):
        (corpus / f"doc{index}.txt").write_text(f"document number {index} " * 20)
    (corpus / "leak.txt").symlink_to(secret)
    loaded = load_corpus(str(corpus))
    texts = [document.text for split in loaded._splits.values() for document in split]
    assert len(texts) == 4 and not any("hunter2" in text for text in texts)


# -- artifact references stay inside the store -----------------------------------------------------

@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore((tmp_path / "store").as_uri(), max_read_bytes=1024)


def _content_ref(store: ArtifactStore, digest: str) -> artifact_pb2.ArtifactRef:
    return artifact_pb2.ArtifactRef(uri=f"{store.root_uri}/sha256/{digest[:2]}/{digest}", sha256=digest)


def test_references_outside_the_store_are_invalid_argument(store: ArtifactStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"private")
    good = store.put_bytes(b"data", media_type="application/octet-stream")
    digest = good.sha256
    hostile = [
        outside.as_uri(),
        f"{store.root_uri}/sha256/{digest[:2]}/../../../outside.bin",
        f"{store.root_uri}/names/x.json",
        f"{store.root_uri}/sha256/{digest[:2]}/{digest}\x00",
        f"memory://{digest}",
        f"{store.root_uri}/sha256/ff/{digest}",
    ]
    for uri in hostile:
        with pytest.raises(InvalidArgument) as raised:
            store.get_bytes(artifact_pb2.ArtifactRef(uri=uri))
        assert raised.value.field == "artifact.uri", uri
    with pytest.raises(FailedPrecondition, match="does not match"):
        store.get_bytes(artifact_pb2.ArtifactRef(uri=good.uri, sha256="0" * 64))
    assert store.get_bytes(good) == b"data"


def test_directories_fifos_and_oversized_objects_are_refused(store: ArtifactStore) -> None:
    root = Path(store._root)
    digests = {name: (name * 64)[:64] for name in ("a", "b", "c")}
    folder = root / "sha256" / "aa" / digests["a"]
    folder.mkdir(parents=True)
    fifo = root / "sha256" / "bb" / digests["b"]
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    for name in ("a", "b"):
        started = time.monotonic()
        with pytest.raises(InvalidArgument, match="not a regular file"):
            store.get_bytes(_content_ref(store, digests[name]))
        assert time.monotonic() - started < 1.0  # a FIFO is never opened, so nothing blocks
    with pytest.raises(NotFound):
        store.get_bytes(_content_ref(store, digests["c"]))
    big = store.put_bytes(b"x" * 2048, media_type="application/octet-stream")
    with pytest.raises(ResourceExhausted):
        store.get_bytes(big)


# -- client-sized allocations are bounded ------------------------------------------------------------

@pytest.fixture
async def metrics_service(start):
    return await start(METRICS)


@pytest.mark.nats
async def test_metrics_refuses_artifacts_outside_its_store_over_grpc(metrics_service) -> None:
    request = metrics_pb2.ComputePredictionAdvantageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE, labels=array_pb2.Array(artifact=artifact_pb2.ArtifactRef(uri="file:///etc/hostname")),
        predictions=array_to_proto(np.array([0, 1])),
    )
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await metrics_pb2_grpc.MetricsServiceStub(channel).ComputePredictionAdvantage(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("labels.artifact.uri:")


@pytest.mark.nats
async def test_a_huge_class_id_costs_nothing_and_gets_the_right_answer(metrics_service) -> None:
    labels = np.array([0, 0, 2**40, 0], dtype=np.int64)
    predictions = np.array([0, 2**40, 2**40, 0], dtype=np.int64)
    request = metrics_pb2.ComputePredictionAdvantageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE, labels=array_to_proto(labels), predictions=array_to_proto(predictions),
    )
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        response = await metrics_pb2_grpc.MetricsServiceStub(channel).ComputePredictionAdvantage(request, timeout=10)
    # risk 1/4, majority-class baseline 1/4 -> PA = 0
    assert response.report.risk == pytest.approx(0.25) and response.report.prediction_advantage == pytest.approx(0.0)


@pytest.mark.nats
async def test_an_empty_array_with_a_huge_dimension_is_invalid_argument(metrics_service) -> None:
    request = metrics_pb2.ComputePredictionAdvantageRequest(
        loss=metrics_pb2.LOSS_ZERO_ONE,
        labels=array_pb2.Array(dtype=array_pb2.D_TYPE_INT64, shape=[0, 2**62], data=b""),
        predictions=array_to_proto(np.array([0, 1])),
    )
    async with grpc.aio.insecure_channel(metrics_service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await metrics_pb2_grpc.MetricsServiceStub(channel).ComputePredictionAdvantage(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details().startswith("labels.shape:")


@pytest.mark.parametrize("job_id", ["ª", "a.b", "a/b", "*", ">", "x" * 129, "a b"])
def test_job_ids_outside_the_kv_key_alphabet_are_invalid_argument(job_id: str) -> None:
    # Found by the fuzzer: a Unicode letter passed str.isalnum and reached NATS as an invalid key (INTERNAL).
    from tessel.runtime.jobs import JobManager

    with pytest.raises(InvalidArgument) as raised:
        JobManager._check_id(job_id)
    assert raised.value.field == "id"


def test_the_assembler_refuses_a_manifest_parent_outside_the_roots(roots: Path) -> None:
    # A library manifest can come from a client: its parent folder is confined like a request's.
    from tessel_arch_solver.core.assemble import _resolve_parent

    with pytest.raises(InvalidArgument, match="outside") as raised:
        _resolve_parent({"parent": {"model": "/usr"}}, field="library")
    assert raised.value.field == "library"
