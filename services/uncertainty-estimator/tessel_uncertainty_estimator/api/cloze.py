"""EstimateClozeConfidence: request validation, confined model/corpus resolution, response arrays."""

from __future__ import annotations

from tessel.assets.confined import confined_corpus, resolve_confined_model
from tessel.runtime.arrays import array_to_proto
from tessel.runtime.artifacts import ArtifactStore
from tessel.runtime.errors import InvalidArgument
from tessel.runtime.settings import requested_torch_device
from tessel.uncertainty.v1 import uncertainty_pb2 as pb
from tessel_uncertainty_estimator.core.cloze import ClozeConfidence, ClozeRequest, cloze_confidence

MAX_CLOZE_ITEMS = 2000  # one unary call: a few forward passes per item
DEFAULT_CLOZE_ITEMS = 100
MAX_CONTEXT_TOKENS = 1024
DEFAULT_CONTEXT_TOKENS = 256
DEVICES = ("auto", "cpu", "cuda")


def cloze_request(request: pb.EstimateClozeConfidenceRequest) -> ClozeRequest:
    items = request.cloze_items or DEFAULT_CLOZE_ITEMS
    if not 1 <= items <= MAX_CLOZE_ITEMS:
        raise InvalidArgument(f"must be in 1..{MAX_CLOZE_ITEMS}, got {request.cloze_items}", field="cloze_items")
    context = request.context_tokens or DEFAULT_CONTEXT_TOKENS
    if not 8 <= context <= MAX_CONTEXT_TOKENS:
        raise InvalidArgument(f"must be in 8..{MAX_CONTEXT_TOKENS}, got {request.context_tokens}",
                              field="context_tokens")
    if request.device and request.device not in DEVICES:
        raise InvalidArgument(f"must be one of {', '.join(DEVICES)}, got {request.device!r}", field="device")
    device = requested_torch_device(request.device, field="device")
    model_folder = resolve_confined_model(request.model, field="model")
    tokenizer_folder = (resolve_confined_model(request.tokenizer_model, field="tokenizer_model")
                        if request.tokenizer_model else model_folder)
    return ClozeRequest(model_folder=model_folder, tokenizer_folder=tokenizer_folder,
                        corpus=confined_corpus(request.corpus, field="corpus"), corpus_seed=request.corpus_seed,
                        items=items, cloze_seed=request.cloze_seed, context_tokens=context,
                        length_normalised=not request.summed_log_likelihood, device=device)


def estimate_cloze(request: ClozeRequest, artifacts: ArtifactStore) -> pb.EstimateClozeConfidenceResponse:
    outcome: ClozeConfidence = cloze_confidence(request)
    artifact = artifacts.put_json(outcome.to_document(), name="cloze-confidence.json")
    return pb.EstimateClozeConfidenceResponse(
        predictions=array_to_proto(outcome.predictions), labels=array_to_proto(outcome.labels),
        correct=array_to_proto(outcome.correct), confidence=array_to_proto(outcome.confidence),
        margin=array_to_proto(outcome.margin), n=len(outcome.item_ids), accuracy=outcome.accuracy,
        cloze_task_sha256=outcome.task_sha256, artifact=artifact, device=request.device)


