"""Shared by the deployment tests: repository paths, the services manifest, helm rendering."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "tessel"
HELM = REPO / ".tools" / "bin" / "helm"
PROFILES = ("dev", "ci", "gpu")
RELEASE = "tessel"
NAMESPACE = "tessel"
# Newest Kubernetes minor that both the pinned helm (client v1.35) and kubernetes-validate know.
KUBE_VERSION = "1.35.0"


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    port: int
    gpu: bool


def manifest_services() -> dict[str, ServiceSpec]:
    """The services manifest (shared/tessel/services.yaml): the single source of names, ports and GPU needs."""
    entries = yaml.safe_load((REPO / "shared" / "tessel" / "services.yaml").read_text())["services"]
    return {e["name"]: ServiceSpec(e["name"], e["package"], e["port"], e["gpu"]) for e in entries}


def conventions_services() -> dict[str, ServiceSpec]:
    """The service table of docs/conventions.md (checked against the manifest)."""
    rows = re.findall(
        r"^\| ([a-z-]+) \| (tessel_[a-z_]+) \| \S+ \| (\d+) \| (yes|no) \|$",
        (REPO / "docs" / "conventions.md").read_text(),
        flags=re.MULTILINE,
    )
    return {name: ServiceSpec(name, module, int(port), gpu == "yes") for name, module, port, gpu in rows}


SERVICES = manifest_services()


def ensure_helm() -> Path:
    if not HELM.exists():
        subprocess.run([str(REPO / "scripts" / "install_tools.sh")], check=True, capture_output=True, timeout=300)
    return HELM


def helm_template(*args: str) -> str:
    result = subprocess.run(
        [str(ensure_helm()), "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
         "--kube-version", KUBE_VERSION, *args],
        capture_output=True, text=True, timeout=60,
    )
    if result.returncode != 0:
        raise AssertionError(f"helm template {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def profile_args(profile: str) -> list[str]:
    return ["-f", str(CHART / f"values-{profile}.yaml")]


class Rendered:
    """One profile's manifests, indexed by kind and name."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.objects = [doc for doc in yaml.safe_load_all(text) if doc]

    def of_kind(self, kind: str) -> dict[str, dict]:
        return {o["metadata"]["name"]: o for o in self.objects if o["kind"] == kind}

    def get(self, kind: str, name: str) -> dict:
        objects = self.of_kind(kind)
        assert name in objects, f"no {kind} {name}; have {sorted(objects)}"
        return objects[name]


WORKER_TEMPLATE = "tessel-block-distiller-worker"


def worker_pod_template(rendered: Rendered) -> dict:
    """The block-distiller's worker pod template, as the chart mounts it into the distiller."""
    config_map = rendered.get("ConfigMap", WORKER_TEMPLATE)
    return yaml.safe_load(config_map["data"]["worker-pod-template.yaml"])
