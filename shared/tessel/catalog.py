"""The seven services: names, Python packages, default ports and proto services (docs/conventions.md)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    package: str
    port: int
    proto_service: str
    gpu: bool

    @property
    def domain(self) -> str:
        """The proto domain, e.g. "distill" for tessel.distill.v1 (events go to tessel.<domain>.v1.*)."""
        return self.proto_service.split(".")[1]

    @property
    def address_variable(self) -> str:
        """Client-side override, e.g. TESSEL_METRICS_ADDRESS."""
        return f"TESSEL_{self.name.upper().replace('-', '_')}_ADDRESS"


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("metrics", "tessel_metrics", 50051, "tessel.metrics.v1.MetricsService", False),
    ServiceInfo("block-distiller", "tessel_block_distiller", 50052, "tessel.distill.v1.BlockDistillerService", True),
    ServiceInfo("block-scorer", "tessel_block_scorer", 50053, "tessel.scoring.v1.BlockScorerService", True),
    ServiceInfo("arch-solver", "tessel_arch_solver", 50054, "tessel.arch.v1.ArchSolverService", False),
    ServiceInfo("selective-trainer", "tessel_selective_trainer", 50055, "tessel.training.v1.SelectiveTrainerService", True),
    ServiceInfo("uncertainty-estimator", "tessel_uncertainty_estimator", 50056,
                "tessel.uncertainty.v1.UncertaintyEstimatorService", True),
    ServiceInfo("active-learner", "tessel_active_learner", 50057, "tessel.active.v1.ActiveLearnerService", True),
)
BY_NAME = {service.name: service for service in SERVICES}
