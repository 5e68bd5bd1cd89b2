"""Trust evaluation of a compressed child against its parent, through the services (issue 16 item 1).

On the same held-out cloze items, the uncertainty-estimator gives each model's choice and confidence
(softmax response over the options); metrics gives accuracy, Prediction Advantage, AURC and E-AURC; the
selective-trainer certifies the risk r* (SGR, confidence delta) on a seeded calibration split of the items,
and the certificate's threshold is applied to the disjoint test split (its coverage and selective risk).
Retention is child / parent for each number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tessel.client.metrics import MetricsClient
from tessel.client.selective_trainer import SelectiveTrainerClient
from tessel.client.uncertainty_estimator import UncertaintyEstimatorClient
from tessel.runtime.arrays import array_from_proto
from tessel.runtime.errors import InvalidArgument

NUM_OPTIONS = 4  # tessel.assets.cloze: the answer and 3 distractors
RETAINED = ("accuracy", "prediction_advantage", "aurc", "e_aurc", "certified_coverage", "test_coverage")


@dataclass(frozen=True)
class TrustSettings:
    corpus: str = ""
    corpus_seed: int = 0
    cloze_items: int = 200
    cloze_seed: int = 0
    risk_target: float = 0.1
    delta: float = 0.05
    calibration_fraction: float = 0.5
    split_seed: int = 0
    device: str = ""

    def check(self) -> None:
        for name in ("risk_target", "delta", "calibration_fraction"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                raise InvalidArgument(f"must be in (0, 1), got {value}", field=name)


@dataclass(frozen=True)
class ModelTrust:
    model: str
    n: int
    accuracy: float
    prediction_advantage: float
    aurc: float
    e_aurc: float
    feasible: bool  # a threshold met r* on the calibration split
    threshold: float
    certified_coverage: float  # on the calibration split
    certified_bound: float
    test_coverage: float  # the threshold applied to the test split
    test_risk: float  # selective risk on the covered test items (0 when none is covered)


@dataclass(frozen=True)
class TrustComparison:
    parent: ModelTrust
    child: ModelTrust
    cloze_task_sha256: str
    settings: TrustSettings

    @property
    def retention(self) -> dict[str, float | None]:
        """child / parent per number (None where the parent's is 0)."""
        parent, child = asdict(self.parent), asdict(self.child)
        return {key: child[key] / parent[key] if parent[key] else None for key in RETAINED}

    def to_document(self) -> dict:
        return {"parent": asdict(self.parent), "child": asdict(self.child), "retention": self.retention,
                "cloze_task_sha256": self.cloze_task_sha256, "settings": asdict(self.settings)}


def calibration_mask(n: int, fraction: float, seed: int) -> np.ndarray:
    """A seeded split: True for the calibration items, False for the disjoint test items (both non-empty)."""
    calibration = min(n - 1, max(1, round(n * fraction)))
    if n < 2:
        raise InvalidArgument(f"needs at least 2 cloze items to split, got {n}", field="cloze_items")
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n)[:calibration]] = True
    return mask


async def model_trust(model: str, settings: TrustSettings, *, tokenizer_model: str = "") -> tuple[ModelTrust, str]:
    """One model's trust numbers and the sha256 of the cloze task it answered."""
    async with UncertaintyEstimatorClient() as estimator:
        cloze = await estimator.estimate_cloze_confidence(
            model, tokenizer_model=tokenizer_model, corpus=settings.corpus, corpus_seed=settings.corpus_seed,
            cloze_items=settings.cloze_items, cloze_seed=settings.cloze_seed, device=settings.device)
    labels = array_from_proto(cloze.labels, field="labels")
    predictions = array_from_proto(cloze.predictions, field="predictions")
    confidence = array_from_proto(cloze.confidence, field="confidence")
    errors = (predictions != labels).astype(np.int64)
    async with MetricsClient() as metrics:
        advantage = await metrics.prediction_advantage("zero_one", labels, predictions=predictions,
                                                       num_classes=NUM_OPTIONS)
        curve = await metrics.risk_coverage(labels, predictions, confidence)
    calibration = calibration_mask(len(labels), settings.calibration_fraction, settings.split_seed)
    async with SelectiveTrainerClient() as trainer:
        certificate = await trainer.certify_risk(confidence[calibration], errors[calibration],
                                                 risk_target=settings.risk_target, delta=settings.delta)
    test_confidence, test_errors = confidence[~calibration], errors[~calibration]
    covered = test_confidence >= certificate.threshold if certificate.feasible else np.zeros(len(test_errors), bool)
    trust = ModelTrust(
        model=model, n=int(cloze.n), accuracy=float(cloze.accuracy),
        prediction_advantage=float(advantage.prediction_advantage), aurc=float(curve.aurc),
        e_aurc=float(curve.e_aurc), feasible=bool(certificate.feasible), threshold=float(certificate.threshold),
        certified_coverage=float(certificate.coverage), certified_bound=float(certificate.bound),
        test_coverage=float(covered.mean()), test_risk=float(test_errors[covered].mean()) if covered.any() else 0.0)
    return trust, cloze.cloze_task_sha256


async def compare_trust(parent: str, child: str, settings: TrustSettings, *,
                        child_tokenizer: str = "") -> TrustComparison:
    settings.check()
    parent_trust, task = await model_trust(parent, settings)
    child_trust, child_task = await model_trust(child, settings, tokenizer_model=child_tokenizer)
    if child_task != task:  # a different tokenizer draws other items: the numbers would not be comparable
        raise InvalidArgument("the child answered other cloze items than the parent (another tokenizer?)",
                              field="child")
    return TrustComparison(parent_trust, child_trust, task, settings)
