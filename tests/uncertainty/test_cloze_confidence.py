"""EstimateClozeConfidence through the running service on the tiny random Llama (parent by its shipped name,
a compressed child folder in the data root): choice, correctness, softmax response and margin equal a hand
computation (full forward passes, per-token mean log-likelihoods, softmax over options); a folder outside
the data roots and out-of-range sizes are INVALID_ARGUMENT naming the field."""

from __future__ import annotations

import grpc
import numpy as np
import pytest
import torch

from tessel.runtime.arrays import array_from_proto
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.rpc_errors import field_violations
from tessel.uncertainty.v1 import uncertainty_pb2 as pb
from tessel.uncertainty.v1 import uncertainty_pb2_grpc
from tessel_uncertainty_estimator.service import DEFINITION

pytestmark = pytest.mark.nats

PARENT = "tiny-llama-2l"
ITEMS = 12
SEED = 3


@pytest.fixture(scope="module")
def child_folder(llm_assets, data_root):
    """A compressed child of the tiny parent (second block's FFN replaced by a linear map), tokenizer included."""
    from tessel.assets.models import load_causal_lm
    from tessel.llm.block_config import AttentionConfig, BlockConfig, FFNConfig
    from tessel.llm.model import derive_child
    from tessel.llm.nemotron_nas import save_heterogeneous

    parent, tokenizer = load_causal_lm(PARENT)
    heads = parent.config.num_key_value_heads
    width = parent.config.intermediate_size
    blocks = [BlockConfig(AttentionConfig("gqa", heads), FFNConfig("mlp", width)),
              BlockConfig(AttentionConfig("gqa", heads), FFNConfig("linear"))]
    folder = data_root / "cloze-child"
    save_heterogeneous(derive_child(parent, blocks), folder, blocks=blocks)
    tokenizer.save_pretrained(folder)
    return folder


def _hand_confidence(model_folder, corpus_dir):
    """Per item: full context+option forward pass, summed option log-probabilities / option length, softmax."""
    from tessel.assets.cloze import build_cloze_task
    from tessel.assets.corpus import load_corpus
    from tessel.zoo.lm_choice import load_choice_model

    model, tokenizer = load_choice_model(model_folder)
    task = build_cloze_task(load_corpus(corpus_dir, seed=SEED), tokenizer, n_items=ITEMS, seed=1, context_tokens=32)
    rows = []
    with torch.inference_mode():
        for item in task.items:
            means = []
            for option in item.option_ids:
                ids = torch.tensor([item.context_ids + option])
                logits = model(ids)
                logits = (logits.logits if hasattr(logits, "logits") else logits)[0].double()
                log_probs = torch.log_softmax(logits, dim=-1)
                start = len(item.context_ids)
                means.append(sum(log_probs[start - 1 + i, token].item() for i, token in enumerate(option)) / len(option))
            probabilities = np.exp(np.array(means) - max(means))
            rows.append(probabilities / probabilities.sum())
    probabilities = np.array(rows)
    ordered = np.sort(probabilities, axis=1)
    return probabilities.argmax(axis=1), task.answers, ordered[:, -1], ordered[:, -1] - ordered[:, -2]


@pytest.fixture
async def stub(llm_assets, start):
    service = await start(DEFINITION)
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield uncertainty_pb2_grpc.UncertaintyEstimatorServiceStub(channel)


def _request(model: str, corpus: str, **changes) -> pb.EstimateClozeConfidenceRequest:
    fields = dict(model=model, corpus=corpus, corpus_seed=SEED, cloze_items=ITEMS, cloze_seed=1, context_tokens=32,
                  device="cpu")
    return pb.EstimateClozeConfidenceRequest(**{**fields, **changes})


async def test_parent_and_child_confidence_equal_a_hand_computation(stub, settings, corpus_dir, child_folder,
                                                                    one_torch_thread):
    from tessel.assets.models import resolve_model

    answers = {}
    for name, ref, folder in (("parent", PARENT, resolve_model(PARENT)), ("child", str(child_folder), child_folder)):
        response = await stub.EstimateClozeConfidence(_request(ref, corpus_dir))
        chosen, labels, confidence, margin = _hand_confidence(folder, corpus_dir)
        got = {key: array_from_proto(getattr(response, key), field=key)
               for key in ("predictions", "labels", "correct", "confidence", "margin")}
        np.testing.assert_array_equal(got["predictions"], chosen, err_msg=name)
        np.testing.assert_array_equal(got["labels"], labels, err_msg=name)
        np.testing.assert_array_equal(got["correct"], chosen == labels, err_msg=name)
        np.testing.assert_allclose(got["confidence"], confidence, rtol=1e-5, err_msg=name)
        np.testing.assert_allclose(got["margin"], margin, rtol=1e-4, atol=1e-6, err_msg=name)
        assert response.n == ITEMS and response.accuracy == pytest.approx(float((chosen == labels).mean()))
        assert (got["confidence"] >= 0.25).all() and (got["margin"] >= 0).all()  # 4 options
        document = ArtifactStore(settings.artifacts_root).get_json(response.artifact)
        assert [item["confidence"] for item in document["items"]] == pytest.approx(list(confidence), rel=1e-5)
        assert document["cloze_task_sha256"] == response.cloze_task_sha256
        answers[name] = response
    # same items for both models, and the child's linear FFN changes at least one confidence
    assert answers["parent"].cloze_task_sha256 == answers["child"].cloze_task_sha256
    assert not np.allclose(array_from_proto(answers["parent"].confidence, field="c"),
                           array_from_proto(answers["child"].confidence, field="c"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"cloze_items": 2001}, "cloze_items"),
    ({"cloze_items": -1}, "cloze_items"),
    ({"context_tokens": 4}, "context_tokens"),
    ({"device": "tpu"}, "device"),
    ({"model": "/etc"}, "model"),
    ({"corpus": "/etc"}, "corpus"),
])
async def test_bad_requests_name_the_field(stub, corpus_dir, changes, field):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.EstimateClozeConfidence(_request(**{"model": PARENT, "corpus": corpus_dir, **changes}))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in {violation.field for violation in field_violations(raised.value)}
