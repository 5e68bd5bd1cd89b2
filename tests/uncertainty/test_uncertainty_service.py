"""The uncertainty-estimator in-process on port 0 against a real nats-server: estimation jobs whose arrays
metrics and the trainer's SGR take as they are, EstimateConfidence, and bad input -> INVALID_ARGUMENT."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
import torch

from tessel.client.uncertainty_estimator import UncertaintyEstimatorClient
from tessel.common.v1 import artifact_pb2, job_pb2
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc
from tessel.runtime.arrays import array_from_proto, array_to_proto
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.rpc_errors import field_violations
from tessel.training.v1 import training_pb2, training_pb2_grpc
from tessel.uncertainty.v1 import uncertainty_pb2 as pb
from tessel.uncertainty.v1 import uncertainty_pb2_grpc
from tessel.zoo import BackboneConfig, ModelConfig, ZooModel, model_to_bytes
from tessel.zoo.evaluation import aurc
from tessel_uncertainty_estimator.api import jobs as job_handler
from tessel_uncertainty_estimator.service import DEFINITION

pytestmark = pytest.mark.nats


@pytest.fixture
async def service(start, digits, monkeypatch):
    monkeypatch.setattr(job_handler, "load_splits", lambda spec: digits)
    return await start(DEFINITION)


def _store(settings) -> ArtifactStore:
    return ArtifactStore(settings.artifacts_root)


def _spec(settings, run, method, **fields) -> pb.EstimationJobSpec:
    store = _store(settings)
    model = store.put_bytes(run.model_bytes, media_type="application/x-safetensors")
    snapshots = [training_pb2.EpochSnapshot(epoch=epoch, weights=store.put_bytes(data, media_type="application/x-safetensors"))
                 for epoch, data in run.snapshots]
    return pb.EstimationJobSpec(model=model, dataset="digits", snapshots=snapshots, method=method, device="cpu", **fields)


async def test_pes_job_feeds_metrics_and_sgr_as_it_is(service, start, settings, digits_run):
    from tessel_metrics.service import DEFINITION as METRICS
    from tessel_selective_trainer.service import DEFINITION as TRAINER

    metrics, trainer = await start(METRICS), await start(TRAINER)
    spec = _spec(settings, digits_run, pb.CONFIDENCE_METHOD_PES, snapshot_options=pb.SnapshotOptions(min_region=10))
    # a snapshot after the final model's epoch (here: other weights labelled epoch 7) is never used
    spec.snapshots.add(epoch=7, weights=spec.snapshots[0].weights)
    async with UncertaintyEstimatorClient(service.address) as client:
        record = await client.submit_and_watch(spec)
    assert record.job.state == job_pb2.JOB_STATE_SUCCEEDED, record.job.error.reason
    result = record.result
    labels = array_from_proto(result.labels, field="labels")
    predictions = array_from_proto(result.predictions, field="predictions")
    confidence = array_from_proto(result.confidence, field="confidence")
    errors = array_from_proto(result.errors, field="errors")
    assert np.array_equal(labels, digits_run.data.test.y) and result.n == len(labels)
    assert np.array_equal(errors, predictions != labels)
    # the predictions are the final model's, whatever the snapshots say
    final = job_handler.model_from_bytes(digits_run.model_bytes)
    expected = final(torch.as_tensor(digits_run.data.test.x, dtype=torch.float32)).argmax(-1).numpy()
    assert np.array_equal(predictions, expected)
    uses = {(u.step, u.split) for u in result.split_uses}
    assert ("learn pes rules", pb.SPLIT_VALIDATION) in uses and ("predict", pb.SPLIT_TEST) in uses
    assert result.pes_rules and set(r.epoch for r in result.pes_rules) <= set(result.snapshot_epochs)
    # snapshots past the final (best-validation) epoch are left out: it is found among them by its weights
    assert digits_run.best_epoch == 6 and list(result.snapshot_epochs) == [1, 2, 3, 4, 5, 6]
    assert (result.aurc, result.e_aurc) == pytest.approx(aurc(errors.astype(float), confidence))

    async with grpc.aio.insecure_channel(metrics.address) as channel:
        report = (await metrics_pb2_grpc.MetricsServiceStub(channel).ComputeRiskCoverage(
            metrics_pb2.ComputeRiskCoverageRequest(labels=result.labels, predictions=result.predictions,
                                                   confidence=result.confidence))).report
    assert report.aurc == pytest.approx(result.aurc) and report.e_aurc == pytest.approx(result.e_aurc)
    async with grpc.aio.insecure_channel(trainer.address) as channel:
        certificate = (await training_pb2_grpc.SelectiveTrainerServiceStub(channel).CertifyRisk(
            training_pb2.CertifyRiskRequest(confidence=result.confidence, errors=result.errors, risk_target=0.5,
                                            delta=0.1))).certificate
    assert certificate.num_examples == result.n


async def test_mc_dropout_job_is_seeded_and_serves_what_it_says(service, settings, digits_run):
    options = pb.MCDropoutOptions(passes=8, seed=3, prediction=pb.SERVED_PREDICTION_MC_MEAN,
                                  confidence=pb.MC_DROPOUT_CONFIDENCE_NEGATIVE_MUTUAL_INFORMATION)
    spec = _spec(settings, digits_run, pb.CONFIDENCE_METHOD_MC_DROPOUT, mc_dropout=options)
    async with UncertaintyEstimatorClient(service.address) as client:
        first, second = [await client.submit_and_watch(spec) for _ in range(2)]
    assert first.job.state == job_pb2.JOB_STATE_SUCCEEDED, first.job.error.reason
    assert first.result.served_prediction == pb.SERVED_PREDICTION_MC_MEAN
    assert first.result.confidence == second.result.confidence
    assert (array_from_proto(first.result.confidence, field="c") <= 0).all()  # a negated mutual information


def _violation(raised) -> list[str]:
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, raised.value.details()
    return [v.field for v in field_violations(raised.value)]


async def test_create_refuses_bad_specs_naming_the_field(service, settings, digits_run):
    good = _spec(settings, digits_run, pb.CONFIDENCE_METHOD_PES)
    other = ZooModel(ModelConfig(BackboneConfig("mlp", digits_run.data.input_shape, hidden_sizes=(8,)), 10))
    foreign = _store(settings).put_bytes(model_to_bytes(other, other.config), media_type="application/x-safetensors")
    cases = [
        ({"method": 99}, "spec.method"),
        ({"snapshots": []}, "spec.snapshots"),
        ({"split": pb.SPLIT_VALIDATION}, "spec.learning_split"),  # PES would learn on what it reports
        ({"learning_split": pb.SPLIT_TRAIN}, "spec.learning_split"),
        ({"dataset": "no-such"}, "spec.dataset"),
        ({"mc_dropout": pb.MCDropoutOptions(passes=1)}, "spec.mc_dropout.passes"),
        ({"snapshots": [training_pb2.EpochSnapshot(epoch=1, weights=foreign)]}, "spec.snapshots[0].weights"),
        ({"model": artifact_pb2.ArtifactRef(uri="file:///etc/passwd")}, "spec.model.uri"),
    ]
    async with UncertaintyEstimatorClient(service.address) as client:
        for change, field in cases:
            spec = pb.EstimationJobSpec()
            spec.CopyFrom(good)
            for name, value in change.items():
                if isinstance(value, list):
                    del getattr(spec, name)[:]
                    getattr(spec, name).extend(value)
                elif isinstance(value, int | str):
                    setattr(spec, name, value)
                else:
                    getattr(spec, name).CopyFrom(value)
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await client.create(spec)
            assert _violation(raised) == [field], change


async def test_a_model_that_does_not_fit_the_dataset_fails_naming_the_model(service, settings):
    wrong = ZooModel(ModelConfig(BackboneConfig("mlp", (10,), hidden_sizes=(8,)), 3))
    ref = _store(settings).put_bytes(model_to_bytes(wrong, wrong.config), media_type="application/x-safetensors")
    async with UncertaintyEstimatorClient(service.address) as client:
        record = await client.submit_and_watch(pb.EstimationJobSpec(model=ref, dataset="digits", device="cpu"))
    assert record.job.state == job_pb2.JOB_STATE_FAILED
    assert record.job.error.code == job_pb2.ERROR_CODE_INVALID_ARGUMENT and record.job.error.field == "spec.model"


async def test_estimate_confidence_from_known_logits(service):
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 3.0]])
    async with UncertaintyEstimatorClient(service.address) as client:
        predictions, confidence, errors = await client.estimate_confidence(logits=logits, labels=np.array([0, 1, 1]))
        _, margin, _ = await client.estimate_confidence(logits=logits, method="margin")
        passes = np.array([[[0.9, 0.1]], [[0.5, 0.5]]])
        _, mc, _ = await client.estimate_confidence(stacked_probabilities=passes, method="mc-dropout",
                                                    mc_dropout_confidence="predicted-variance")
    e2 = np.exp(2.0)
    assert predictions.tolist() == [0, 0, 2] and errors.tolist() == [0, 1, 1]
    np.testing.assert_allclose(confidence, [e2 / (e2 + 2), 1 / 3, np.exp(3) / (1 + np.e + np.exp(3))])
    np.testing.assert_allclose(margin[:2], [(e2 - 1) / (e2 + 2), 0.0], atol=1e-12)
    assert mc[0] == pytest.approx(-0.08)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"logits": np.zeros((3, 2)), "labels": np.array([0, 1])}, "labels"),
        ({"logits": np.zeros((3, 2)), "probabilities": np.full((3, 2), 0.5)}, "logits"),
        ({"probabilities": np.full((3, 2), 0.4)}, "probabilities"),
        ({"stacked_probabilities": np.full((2, 3, 2), 0.5)}, "method"),  # SR does not take stacked passes
        ({"logits": np.zeros(3)}, "logits"),
    ],
)
async def test_bad_estimate_confidence_requests_name_the_field(service, fields, field):
    request = pb.EstimateConfidenceRequest()
    for name, values in fields.items():
        getattr(request, name).CopyFrom(array_to_proto(values))
    async with grpc.aio.insecure_channel(service.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await uncertainty_pb2_grpc.UncertaintyEstimatorServiceStub(channel).EstimateConfidence(request)
    assert _violation(raised) == [field]
