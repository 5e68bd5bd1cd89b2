"""BlockScorerService: the job RPCs of two resources (scoring, measurement), each over its own JobManager.

`job_rpcs` binds a mixin's RPCs to `self.jobs`; with two resources on one service each mixin gets its own
instance and the servicer exposes their bound methods."""

from __future__ import annotations

from tessel.runtime.job_rpcs import job_rpcs
from tessel.runtime.jobs import JobManager
from tessel.scoring.v1 import scoring_pb2, scoring_pb2_grpc
from tessel_block_scorer.api.jobs import validate_measurement_spec, validate_scoring_spec

ScoringRpcs = job_rpcs("ScoringJob", scoring_pb2, validate=validate_scoring_spec)
MeasurementRpcs = job_rpcs("MeasurementJob", scoring_pb2, validate=validate_measurement_spec)


class BlockScorerServicer(scoring_pb2_grpc.BlockScorerServiceServicer):
    def __init__(self, scoring: JobManager, measurement: JobManager) -> None:
        for rpcs, jobs in ((ScoringRpcs, scoring), (MeasurementRpcs, measurement)):
            handler = rpcs()
            handler.jobs = jobs
            for name in vars(rpcs):
                if not name.startswith("_"):
                    setattr(self, name, getattr(handler, name))
