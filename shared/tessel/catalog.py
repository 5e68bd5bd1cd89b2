"""The services, as declared in `tessel/services.yaml` (the one manifest the chart, Tilt and the
local stack read too): names, Python packages, default ports, proto services, GPU needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

MANIFEST = Path(__file__).with_name("services.yaml")


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


def load_manifest(path: Path = MANIFEST) -> tuple[ServiceInfo, ...]:
    entries = yaml.safe_load(path.read_text())["services"]
    return tuple(
        ServiceInfo(e["name"], e["package"], int(e["port"]), e["proto_service"], bool(e["gpu"])) for e in entries
    )


SERVICES: tuple[ServiceInfo, ...] = load_manifest()
BY_NAME = {service.name: service for service in SERVICES}


if __name__ == "__main__":  # `python -m tessel.catalog`: one "name port cpu|cuda" line per service, for build loops
    for service in SERVICES:
        print(service.name, service.port, "cuda" if service.gpu else "cpu")
