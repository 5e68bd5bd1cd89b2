"""Client of the uncertainty-estimator service: estimation jobs and confidence from sent outputs."""

from __future__ import annotations

import numpy as np

from tessel.client.jobs import JobClient
from tessel.runtime.arrays import array_from_proto, array_to_proto
from tessel.uncertainty.v1 import uncertainty_pb2, uncertainty_pb2_grpc

METHODS = {
    "sr": uncertainty_pb2.CONFIDENCE_METHOD_SOFTMAX_RESPONSE,
    "margin": uncertainty_pb2.CONFIDENCE_METHOD_MARGIN,
    "entropy": uncertainty_pb2.CONFIDENCE_METHOD_NEGATIVE_ENTROPY,
    "mc-dropout": uncertainty_pb2.CONFIDENCE_METHOD_MC_DROPOUT,
    "aes": uncertainty_pb2.CONFIDENCE_METHOD_AES,
    "pes": uncertainty_pb2.CONFIDENCE_METHOD_PES,
}
MC_CONFIDENCES = {
    "mean-probability": uncertainty_pb2.MC_DROPOUT_CONFIDENCE_MEAN_PROBABILITY,
    "entropy": uncertainty_pb2.MC_DROPOUT_CONFIDENCE_NEGATIVE_ENTROPY,
    "predicted-variance": uncertainty_pb2.MC_DROPOUT_CONFIDENCE_NEGATIVE_PREDICTED_VARIANCE,
    "mean-variance": uncertainty_pb2.MC_DROPOUT_CONFIDENCE_NEGATIVE_MEAN_VARIANCE,
    "mutual-information": uncertainty_pb2.MC_DROPOUT_CONFIDENCE_NEGATIVE_MUTUAL_INFORMATION,
}
SPLITS = {"train": uncertainty_pb2.SPLIT_TRAIN, "validation": uncertainty_pb2.SPLIT_VALIDATION,
          "test": uncertainty_pb2.SPLIT_TEST}


class UncertaintyEstimatorClient(JobClient):
    service_name = "uncertainty-estimator"
    stub_type = uncertainty_pb2_grpc.UncertaintyEstimatorServiceStub
    resource = "EstimationJob"
    messages = uncertainty_pb2

    async def estimate_confidence(
        self,
        *,
        logits: np.ndarray | None = None,
        probabilities: np.ndarray | None = None,
        stacked_probabilities: np.ndarray | None = None,
        method: str = "sr",
        mc_dropout_confidence: str = "mean-probability",
        labels: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(predictions, confidence, errors or None) for small inline outputs."""
        request = uncertainty_pb2.EstimateConfidenceRequest(
            method=METHODS[method], mc_dropout_confidence=MC_CONFIDENCES[mc_dropout_confidence])
        for name, values in (("logits", logits), ("probabilities", probabilities),
                             ("stacked_probabilities", stacked_probabilities), ("labels", labels)):
            if values is not None:
                getattr(request, name).CopyFrom(array_to_proto(np.asarray(values)))
        response = await self.stub.EstimateConfidence(request)
        errors = array_from_proto(response.errors, field="errors") if response.HasField("errors") else None
        return (array_from_proto(response.predictions, field="predictions"),
                array_from_proto(response.confidence, field="confidence"), errors)

    async def estimate_cloze_confidence(self, model: str, *, corpus: str = "", corpus_seed: int = 0,
                                        cloze_items: int = 0, cloze_seed: int = 0, context_tokens: int = 0,
                                        tokenizer_model: str = "", device: str = "",
                                        ) -> uncertainty_pb2.EstimateClozeConfidenceResponse:
        """A causal LM's choice and confidence per held-out cloze item (see the proto for the defaults)."""
        return await self.stub.EstimateClozeConfidence(uncertainty_pb2.EstimateClozeConfidenceRequest(
            model=model, tokenizer_model=tokenizer_model, corpus=corpus, corpus_seed=corpus_seed,
            cloze_items=cloze_items, cloze_seed=cloze_seed, context_tokens=context_tokens, device=device))
