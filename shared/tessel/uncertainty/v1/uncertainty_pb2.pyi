from tessel.common.v1 import array_pb2 as _array_pb2
from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.training.v1 import training_pb2 as _training_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfidenceMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIDENCE_METHOD_UNSPECIFIED: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_SOFTMAX_RESPONSE: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_MARGIN: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_NEGATIVE_ENTROPY: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_MC_DROPOUT: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_AES: _ClassVar[ConfidenceMethod]
    CONFIDENCE_METHOD_PES: _ClassVar[ConfidenceMethod]

class MCDropoutConfidence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MC_DROPOUT_CONFIDENCE_UNSPECIFIED: _ClassVar[MCDropoutConfidence]
    MC_DROPOUT_CONFIDENCE_MEAN_PROBABILITY: _ClassVar[MCDropoutConfidence]
    MC_DROPOUT_CONFIDENCE_NEGATIVE_ENTROPY: _ClassVar[MCDropoutConfidence]
    MC_DROPOUT_CONFIDENCE_NEGATIVE_PREDICTED_VARIANCE: _ClassVar[MCDropoutConfidence]
    MC_DROPOUT_CONFIDENCE_NEGATIVE_MEAN_VARIANCE: _ClassVar[MCDropoutConfidence]
    MC_DROPOUT_CONFIDENCE_NEGATIVE_MUTUAL_INFORMATION: _ClassVar[MCDropoutConfidence]

class ServedPrediction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVED_PREDICTION_UNSPECIFIED: _ClassVar[ServedPrediction]
    SERVED_PREDICTION_DETERMINISTIC: _ClassVar[ServedPrediction]
    SERVED_PREDICTION_MC_MEAN: _ClassVar[ServedPrediction]

class Split(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPLIT_UNSPECIFIED: _ClassVar[Split]
    SPLIT_TRAIN: _ClassVar[Split]
    SPLIT_VALIDATION: _ClassVar[Split]
    SPLIT_TEST: _ClassVar[Split]
CONFIDENCE_METHOD_UNSPECIFIED: ConfidenceMethod
CONFIDENCE_METHOD_SOFTMAX_RESPONSE: ConfidenceMethod
CONFIDENCE_METHOD_MARGIN: ConfidenceMethod
CONFIDENCE_METHOD_NEGATIVE_ENTROPY: ConfidenceMethod
CONFIDENCE_METHOD_MC_DROPOUT: ConfidenceMethod
CONFIDENCE_METHOD_AES: ConfidenceMethod
CONFIDENCE_METHOD_PES: ConfidenceMethod
MC_DROPOUT_CONFIDENCE_UNSPECIFIED: MCDropoutConfidence
MC_DROPOUT_CONFIDENCE_MEAN_PROBABILITY: MCDropoutConfidence
MC_DROPOUT_CONFIDENCE_NEGATIVE_ENTROPY: MCDropoutConfidence
MC_DROPOUT_CONFIDENCE_NEGATIVE_PREDICTED_VARIANCE: MCDropoutConfidence
MC_DROPOUT_CONFIDENCE_NEGATIVE_MEAN_VARIANCE: MCDropoutConfidence
MC_DROPOUT_CONFIDENCE_NEGATIVE_MUTUAL_INFORMATION: MCDropoutConfidence
SERVED_PREDICTION_UNSPECIFIED: ServedPrediction
SERVED_PREDICTION_DETERMINISTIC: ServedPrediction
SERVED_PREDICTION_MC_MEAN: ServedPrediction
SPLIT_UNSPECIFIED: Split
SPLIT_TRAIN: Split
SPLIT_VALIDATION: Split
SPLIT_TEST: Split

class MCDropoutOptions(_message.Message):
    __slots__ = ("passes", "rate", "layers", "confidence", "prediction", "seed")
    PASSES_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    passes: int
    rate: float
    layers: _containers.RepeatedScalarFieldContainer[str]
    confidence: MCDropoutConfidence
    prediction: ServedPrediction
    seed: int
    def __init__(self, passes: _Optional[int] = ..., rate: _Optional[float] = ..., layers: _Optional[_Iterable[str]] = ..., confidence: _Optional[_Union[MCDropoutConfidence, str]] = ..., prediction: _Optional[_Union[ServedPrediction, str]] = ..., seed: _Optional[int] = ...) -> None: ...

class SnapshotOptions(_message.Message):
    __slots__ = ("aes_snapshots", "peel_fraction", "min_region", "aes_start_fraction")
    AES_SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    PEEL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    MIN_REGION_FIELD_NUMBER: _ClassVar[int]
    AES_START_FRACTION_FIELD_NUMBER: _ClassVar[int]
    aes_snapshots: int
    peel_fraction: float
    min_region: int
    aes_start_fraction: float
    def __init__(self, aes_snapshots: _Optional[int] = ..., peel_fraction: _Optional[float] = ..., min_region: _Optional[int] = ..., aes_start_fraction: _Optional[float] = ...) -> None: ...

class EstimationJobSpec(_message.Message):
    __slots__ = ("model", "dataset", "snapshots", "method", "split", "learning_split", "dataset_seed", "dataset_root", "mc_dropout", "snapshot_options", "device")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    LEARNING_SPLIT_FIELD_NUMBER: _ClassVar[int]
    DATASET_SEED_FIELD_NUMBER: _ClassVar[int]
    DATASET_ROOT_FIELD_NUMBER: _ClassVar[int]
    MC_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    model: _artifact_pb2.ArtifactRef
    dataset: str
    snapshots: _containers.RepeatedCompositeFieldContainer[_training_pb2.EpochSnapshot]
    method: ConfidenceMethod
    split: Split
    learning_split: Split
    dataset_seed: int
    dataset_root: str
    mc_dropout: MCDropoutOptions
    snapshot_options: SnapshotOptions
    device: str
    def __init__(self, model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., dataset: _Optional[str] = ..., snapshots: _Optional[_Iterable[_Union[_training_pb2.EpochSnapshot, _Mapping]]] = ..., method: _Optional[_Union[ConfidenceMethod, str]] = ..., split: _Optional[_Union[Split, str]] = ..., learning_split: _Optional[_Union[Split, str]] = ..., dataset_seed: _Optional[int] = ..., dataset_root: _Optional[str] = ..., mc_dropout: _Optional[_Union[MCDropoutOptions, _Mapping]] = ..., snapshot_options: _Optional[_Union[SnapshotOptions, _Mapping]] = ..., device: _Optional[str] = ...) -> None: ...

class SplitUse(_message.Message):
    __slots__ = ("step", "split")
    STEP_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    step: str
    split: Split
    def __init__(self, step: _Optional[str] = ..., split: _Optional[_Union[Split, str]] = ...) -> None: ...

class PESRule(_message.Message):
    __slots__ = ("epoch", "threshold")
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    epoch: int
    threshold: float
    def __init__(self, epoch: _Optional[int] = ..., threshold: _Optional[float] = ...) -> None: ...

class EstimationJobResult(_message.Message):
    __slots__ = ("predictions", "confidence", "labels", "errors", "method", "served_prediction", "split", "n", "error_rate", "aurc", "e_aurc", "split_uses", "snapshot_epochs", "pes_rules", "device")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SERVED_PREDICTION_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    AURC_FIELD_NUMBER: _ClassVar[int]
    E_AURC_FIELD_NUMBER: _ClassVar[int]
    SPLIT_USES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    PES_RULES_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    predictions: _array_pb2.Array
    confidence: _array_pb2.Array
    labels: _array_pb2.Array
    errors: _array_pb2.Array
    method: ConfidenceMethod
    served_prediction: ServedPrediction
    split: Split
    n: int
    error_rate: float
    aurc: float
    e_aurc: float
    split_uses: _containers.RepeatedCompositeFieldContainer[SplitUse]
    snapshot_epochs: _containers.RepeatedScalarFieldContainer[int]
    pes_rules: _containers.RepeatedCompositeFieldContainer[PESRule]
    device: str
    def __init__(self, predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., errors: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., method: _Optional[_Union[ConfidenceMethod, str]] = ..., served_prediction: _Optional[_Union[ServedPrediction, str]] = ..., split: _Optional[_Union[Split, str]] = ..., n: _Optional[int] = ..., error_rate: _Optional[float] = ..., aurc: _Optional[float] = ..., e_aurc: _Optional[float] = ..., split_uses: _Optional[_Iterable[_Union[SplitUse, _Mapping]]] = ..., snapshot_epochs: _Optional[_Iterable[int]] = ..., pes_rules: _Optional[_Iterable[_Union[PESRule, _Mapping]]] = ..., device: _Optional[str] = ...) -> None: ...

class EstimationJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: EstimationJobSpec
    result: EstimationJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[EstimationJobSpec, _Mapping]] = ..., result: _Optional[_Union[EstimationJobResult, _Mapping]] = ...) -> None: ...

class CreateEstimationJobRequest(_message.Message):
    __slots__ = ("spec", "labels", "request_id")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SPEC_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    spec: EstimationJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[EstimationJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class GetEstimationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class WatchEstimationJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class CancelEstimationJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelEstimationJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: EstimationJob
    def __init__(self, job: _Optional[_Union[EstimationJob, _Mapping]] = ...) -> None: ...

class ListEstimationJobsRequest(_message.Message):
    __slots__ = ("page", "state", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    page: _job_pb2.PageRequest
    state: _job_pb2.JobState
    labels: _containers.ScalarMap[str, str]
    def __init__(self, page: _Optional[_Union[_job_pb2.PageRequest, _Mapping]] = ..., state: _Optional[_Union[_job_pb2.JobState, str]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListEstimationJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[EstimationJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[EstimationJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EstimateConfidenceRequest(_message.Message):
    __slots__ = ("logits", "probabilities", "stacked_probabilities", "method", "mc_dropout_confidence", "labels")
    LOGITS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    STACKED_PROBABILITIES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    MC_DROPOUT_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    logits: _array_pb2.Array
    probabilities: _array_pb2.Array
    stacked_probabilities: _array_pb2.Array
    method: ConfidenceMethod
    mc_dropout_confidence: MCDropoutConfidence
    labels: _array_pb2.Array
    def __init__(self, logits: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., probabilities: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., stacked_probabilities: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., method: _Optional[_Union[ConfidenceMethod, str]] = ..., mc_dropout_confidence: _Optional[_Union[MCDropoutConfidence, str]] = ..., labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ...) -> None: ...

class EstimateConfidenceResponse(_message.Message):
    __slots__ = ("predictions", "confidence", "errors")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    predictions: _array_pb2.Array
    confidence: _array_pb2.Array
    errors: _array_pb2.Array
    def __init__(self, predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., errors: _Optional[_Union[_array_pb2.Array, _Mapping]] = ...) -> None: ...

class EstimateClozeConfidenceRequest(_message.Message):
    __slots__ = ("model", "tokenizer_model", "corpus", "corpus_seed", "cloze_items", "cloze_seed", "context_tokens", "summed_log_likelihood", "device")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_MODEL_FIELD_NUMBER: _ClassVar[int]
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    CORPUS_SEED_FIELD_NUMBER: _ClassVar[int]
    CLOZE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    CLOZE_SEED_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SUMMED_LOG_LIKELIHOOD_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    model: str
    tokenizer_model: str
    corpus: str
    corpus_seed: int
    cloze_items: int
    cloze_seed: int
    context_tokens: int
    summed_log_likelihood: bool
    device: str
    def __init__(self, model: _Optional[str] = ..., tokenizer_model: _Optional[str] = ..., corpus: _Optional[str] = ..., corpus_seed: _Optional[int] = ..., cloze_items: _Optional[int] = ..., cloze_seed: _Optional[int] = ..., context_tokens: _Optional[int] = ..., summed_log_likelihood: _Optional[bool] = ..., device: _Optional[str] = ...) -> None: ...

class EstimateClozeConfidenceResponse(_message.Message):
    __slots__ = ("predictions", "labels", "correct", "confidence", "margin", "n", "accuracy", "cloze_task_sha256", "artifact", "device")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CORRECT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    N_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    CLOZE_TASK_SHA256_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    DEVICE_FIELD_NUMBER: _ClassVar[int]
    predictions: _array_pb2.Array
    labels: _array_pb2.Array
    correct: _array_pb2.Array
    confidence: _array_pb2.Array
    margin: _array_pb2.Array
    n: int
    accuracy: float
    cloze_task_sha256: str
    artifact: _artifact_pb2.ArtifactRef
    device: str
    def __init__(self, predictions: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., labels: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., correct: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., confidence: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., margin: _Optional[_Union[_array_pb2.Array, _Mapping]] = ..., n: _Optional[int] = ..., accuracy: _Optional[float] = ..., cloze_task_sha256: _Optional[str] = ..., artifact: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., device: _Optional[str] = ...) -> None: ...
