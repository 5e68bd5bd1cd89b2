from tessel.common.v1 import artifact_pb2 as _artifact_pb2
from tessel.common.v1 import job_pb2 as _job_pb2
from tessel.common.v1 import scenario_pb2 as _scenario_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Subblock(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBBLOCK_UNSPECIFIED: _ClassVar[Subblock]
    SUBBLOCK_ATTENTION: _ClassVar[Subblock]
    SUBBLOCK_FFN: _ClassVar[Subblock]

class Solver(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLVER_UNSPECIFIED: _ClassVar[Solver]
    SOLVER_HIGHS: _ClassVar[Solver]
    SOLVER_CBC: _ClassVar[Solver]

class Method(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METHOD_UNSPECIFIED: _ClassVar[Method]
    METHOD_MIP: _ClassVar[Method]
    METHOD_GREEDY: _ClassVar[Method]
    METHOD_RANDOM: _ClassVar[Method]
    METHOD_MAX_PARAMS: _ClassVar[Method]
    METHOD_UNIFORM: _ClassVar[Method]

class SolutionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOLUTION_STATUS_UNSPECIFIED: _ClassVar[SolutionStatus]
    SOLUTION_STATUS_OPTIMAL: _ClassVar[SolutionStatus]
    SOLUTION_STATUS_FEASIBLE: _ClassVar[SolutionStatus]
    SOLUTION_STATUS_HEURISTIC: _ClassVar[SolutionStatus]
SUBBLOCK_UNSPECIFIED: Subblock
SUBBLOCK_ATTENTION: Subblock
SUBBLOCK_FFN: Subblock
SOLVER_UNSPECIFIED: Solver
SOLVER_HIGHS: Solver
SOLVER_CBC: Solver
METHOD_UNSPECIFIED: Method
METHOD_MIP: Method
METHOD_GREEDY: Method
METHOD_RANDOM: Method
METHOD_MAX_PARAMS: Method
METHOD_UNIFORM: Method
SOLUTION_STATUS_UNSPECIFIED: SolutionStatus
SOLUTION_STATUS_OPTIMAL: SolutionStatus
SOLUTION_STATUS_FEASIBLE: SolutionStatus
SOLUTION_STATUS_HEURISTIC: SolutionStatus

class Budget(_message.Message):
    __slots__ = ("min_throughput_tokens_per_second", "max_latency_seconds", "max_memory_bytes", "max_time_to_first_token_seconds", "max_params", "target_speedup")
    MIN_THROUGHPUT_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_TIME_TO_FIRST_TOKEN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_PARAMS_FIELD_NUMBER: _ClassVar[int]
    TARGET_SPEEDUP_FIELD_NUMBER: _ClassVar[int]
    min_throughput_tokens_per_second: float
    max_latency_seconds: float
    max_memory_bytes: int
    max_time_to_first_token_seconds: float
    max_params: int
    target_speedup: float
    def __init__(self, min_throughput_tokens_per_second: _Optional[float] = ..., max_latency_seconds: _Optional[float] = ..., max_memory_bytes: _Optional[int] = ..., max_time_to_first_token_seconds: _Optional[float] = ..., max_params: _Optional[int] = ..., target_speedup: _Optional[float] = ...) -> None: ...

class SubblockRef(_message.Message):
    __slots__ = ("layer", "subblock")
    LAYER_FIELD_NUMBER: _ClassVar[int]
    SUBBLOCK_FIELD_NUMBER: _ClassVar[int]
    layer: int
    subblock: Subblock
    def __init__(self, layer: _Optional[int] = ..., subblock: _Optional[_Union[Subblock, str]] = ...) -> None: ...

class LayerRules(_message.Message):
    __slots__ = ("keep_attention_layers", "keep_parent", "max_no_op_attention", "max_no_op_ffn")
    KEEP_ATTENTION_LAYERS_FIELD_NUMBER: _ClassVar[int]
    KEEP_PARENT_FIELD_NUMBER: _ClassVar[int]
    MAX_NO_OP_ATTENTION_FIELD_NUMBER: _ClassVar[int]
    MAX_NO_OP_FFN_FIELD_NUMBER: _ClassVar[int]
    keep_attention_layers: _containers.RepeatedScalarFieldContainer[int]
    keep_parent: _containers.RepeatedCompositeFieldContainer[SubblockRef]
    max_no_op_attention: int
    max_no_op_ffn: int
    def __init__(self, keep_attention_layers: _Optional[_Iterable[int]] = ..., keep_parent: _Optional[_Iterable[_Union[SubblockRef, _Mapping]]] = ..., max_no_op_attention: _Optional[int] = ..., max_no_op_ffn: _Optional[int] = ...) -> None: ...

class SolveOptions(_message.Message):
    __slots__ = ("metric", "solver", "time_limit_seconds", "rules", "method", "seed")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    TIME_LIMIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    metric: str
    solver: Solver
    time_limit_seconds: float
    rules: LayerRules
    method: Method
    seed: int
    def __init__(self, metric: _Optional[str] = ..., solver: _Optional[_Union[Solver, str]] = ..., time_limit_seconds: _Optional[float] = ..., rules: _Optional[_Union[LayerRules, _Mapping]] = ..., method: _Optional[_Union[Method, str]] = ..., seed: _Optional[int] = ...) -> None: ...

class Costs(_message.Message):
    __slots__ = ("params", "weight_bytes", "kv_cache_bytes", "memory_bytes", "time_to_first_token_seconds", "latency_seconds", "throughput_tokens_per_second", "speedup")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_BYTES_FIELD_NUMBER: _ClassVar[int]
    KV_CACHE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_FIRST_TOKEN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    THROUGHPUT_TOKENS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    SPEEDUP_FIELD_NUMBER: _ClassVar[int]
    params: int
    weight_bytes: int
    kv_cache_bytes: int
    memory_bytes: int
    time_to_first_token_seconds: float
    latency_seconds: float
    throughput_tokens_per_second: float
    speedup: float
    def __init__(self, params: _Optional[int] = ..., weight_bytes: _Optional[int] = ..., kv_cache_bytes: _Optional[int] = ..., memory_bytes: _Optional[int] = ..., time_to_first_token_seconds: _Optional[float] = ..., latency_seconds: _Optional[float] = ..., throughput_tokens_per_second: _Optional[float] = ..., speedup: _Optional[float] = ...) -> None: ...

class LayerChoice(_message.Message):
    __slots__ = ("layer", "subblock", "variant_id", "is_parent", "name", "config_json", "score")
    LAYER_FIELD_NUMBER: _ClassVar[int]
    SUBBLOCK_FIELD_NUMBER: _ClassVar[int]
    VARIANT_ID_FIELD_NUMBER: _ClassVar[int]
    IS_PARENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_JSON_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    layer: int
    subblock: Subblock
    variant_id: str
    is_parent: bool
    name: str
    config_json: str
    score: float
    def __init__(self, layer: _Optional[int] = ..., subblock: _Optional[_Union[Subblock, str]] = ..., variant_id: _Optional[str] = ..., is_parent: _Optional[bool] = ..., name: _Optional[str] = ..., config_json: _Optional[str] = ..., score: _Optional[float] = ...) -> None: ...

class Solution(_message.Message):
    __slots__ = ("choices", "objective", "artifact", "costs", "method", "status", "bound", "gap", "solve_seconds", "metric")
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    COSTS_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    SOLVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    choices: _containers.RepeatedCompositeFieldContainer[LayerChoice]
    objective: float
    artifact: _artifact_pb2.ArtifactRef
    costs: Costs
    method: Method
    status: SolutionStatus
    bound: float
    gap: float
    solve_seconds: float
    metric: str
    def __init__(self, choices: _Optional[_Iterable[_Union[LayerChoice, _Mapping]]] = ..., objective: _Optional[float] = ..., artifact: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., costs: _Optional[_Union[Costs, _Mapping]] = ..., method: _Optional[_Union[Method, str]] = ..., status: _Optional[_Union[SolutionStatus, str]] = ..., bound: _Optional[float] = ..., gap: _Optional[float] = ..., solve_seconds: _Optional[float] = ..., metric: _Optional[str] = ...) -> None: ...

class SolveRequest(_message.Message):
    __slots__ = ("scored_library", "scenario", "budget", "options", "num_solutions", "min_difference")
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    NUM_SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    MIN_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    scored_library: _artifact_pb2.ArtifactRef
    scenario: _scenario_pb2.Scenario
    budget: Budget
    options: SolveOptions
    num_solutions: int
    min_difference: float
    def __init__(self, scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., budget: _Optional[_Union[Budget, _Mapping]] = ..., options: _Optional[_Union[SolveOptions, _Mapping]] = ..., num_solutions: _Optional[int] = ..., min_difference: _Optional[float] = ...) -> None: ...

class SolveResponse(_message.Message):
    __slots__ = ("solutions", "parent_costs")
    SOLUTIONS_FIELD_NUMBER: _ClassVar[int]
    PARENT_COSTS_FIELD_NUMBER: _ClassVar[int]
    solutions: _containers.RepeatedCompositeFieldContainer[Solution]
    parent_costs: Costs
    def __init__(self, solutions: _Optional[_Iterable[_Union[Solution, _Mapping]]] = ..., parent_costs: _Optional[_Union[Costs, _Mapping]] = ...) -> None: ...

class SolveSweepRequest(_message.Message):
    __slots__ = ("scored_library", "scenario", "budgets", "options")
    SCORED_LIBRARY_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    scored_library: _artifact_pb2.ArtifactRef
    scenario: _scenario_pb2.Scenario
    budgets: _containers.RepeatedCompositeFieldContainer[Budget]
    options: SolveOptions
    def __init__(self, scored_library: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., scenario: _Optional[_Union[_scenario_pb2.Scenario, _Mapping]] = ..., budgets: _Optional[_Iterable[_Union[Budget, _Mapping]]] = ..., options: _Optional[_Union[SolveOptions, _Mapping]] = ...) -> None: ...

class Infeasible(_message.Message):
    __slots__ = ("budget", "limit", "tightest_achievable", "message")
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIGHTEST_ACHIEVABLE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    budget: str
    limit: float
    tightest_achievable: float
    message: str
    def __init__(self, budget: _Optional[str] = ..., limit: _Optional[float] = ..., tightest_achievable: _Optional[float] = ..., message: _Optional[str] = ...) -> None: ...

class SweepPoint(_message.Message):
    __slots__ = ("budget", "solution", "infeasible", "pareto_optimal")
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    INFEASIBLE_FIELD_NUMBER: _ClassVar[int]
    PARETO_OPTIMAL_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    solution: Solution
    infeasible: Infeasible
    pareto_optimal: bool
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ..., solution: _Optional[_Union[Solution, _Mapping]] = ..., infeasible: _Optional[_Union[Infeasible, _Mapping]] = ..., pareto_optimal: _Optional[bool] = ...) -> None: ...

class SolveSweepResponse(_message.Message):
    __slots__ = ("points", "parent_costs")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    PARENT_COSTS_FIELD_NUMBER: _ClassVar[int]
    points: _containers.RepeatedCompositeFieldContainer[SweepPoint]
    parent_costs: Costs
    def __init__(self, points: _Optional[_Iterable[_Union[SweepPoint, _Mapping]]] = ..., parent_costs: _Optional[_Union[Costs, _Mapping]] = ...) -> None: ...

class AssemblyJobSpec(_message.Message):
    __slots__ = ("solution", "precision")
    SOLUTION_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    solution: _artifact_pb2.ArtifactRef
    precision: _scenario_pb2.Precision
    def __init__(self, solution: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., precision: _Optional[_Union[_scenario_pb2.Precision, str]] = ...) -> None: ...

class AssemblyJobResult(_message.Message):
    __slots__ = ("model", "nemotron_nas_exact", "flags", "predicted_costs")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NEMOTRON_NAS_EXACT_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_COSTS_FIELD_NUMBER: _ClassVar[int]
    model: _artifact_pb2.ArtifactRef
    nemotron_nas_exact: bool
    flags: _containers.RepeatedScalarFieldContainer[str]
    predicted_costs: Costs
    def __init__(self, model: _Optional[_Union[_artifact_pb2.ArtifactRef, _Mapping]] = ..., nemotron_nas_exact: _Optional[bool] = ..., flags: _Optional[_Iterable[str]] = ..., predicted_costs: _Optional[_Union[Costs, _Mapping]] = ...) -> None: ...

class AssemblyJob(_message.Message):
    __slots__ = ("job", "spec", "result")
    JOB_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    spec: AssemblyJobSpec
    result: AssemblyJobResult
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., spec: _Optional[_Union[AssemblyJobSpec, _Mapping]] = ..., result: _Optional[_Union[AssemblyJobResult, _Mapping]] = ...) -> None: ...

class CreateAssemblyJobRequest(_message.Message):
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
    spec: AssemblyJobSpec
    labels: _containers.ScalarMap[str, str]
    request_id: str
    def __init__(self, spec: _Optional[_Union[AssemblyJobSpec, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class GetAssemblyJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class WatchAssemblyJobRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class WatchAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class CancelAssemblyJobRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelAssemblyJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: AssemblyJob
    def __init__(self, job: _Optional[_Union[AssemblyJob, _Mapping]] = ...) -> None: ...

class ListAssemblyJobsRequest(_message.Message):
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

class ListAssemblyJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[AssemblyJob]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[AssemblyJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
