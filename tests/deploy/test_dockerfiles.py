"""Service images: one parameterised Dockerfile (ARG SERVICE, PORT) on the shared base, hadolint-clean;
the manifest's services are what the catalog, the docs and the packages say."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from deploy_helpers import REPO, SERVICES, conventions_services

HADOLINT = Path(sys.executable).parent / "hadolint"
SERVICE_DOCKERFILE = REPO / "docker" / "service.Dockerfile"
DOCKERFILES = [REPO / "docker" / "base.Dockerfile", SERVICE_DOCKERFILE]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_hadolint_passes(dockerfile):
    result = subprocess.run([str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install torch\n")
    result = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3007" in result.stdout and "DL3013" in result.stdout


def test_one_service_dockerfile_runs_the_service_named_by_its_build_argument_as_non_root():
    text = SERVICE_DOCKERFILE.read_text()
    assert re.search(r"^ARG BASE_IMAGE=tessel-base-cpu:\S+$", text, re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.MULTILINE)
    assert re.findall(r"^ARG (SERVICE|PORT)$", text, re.MULTILINE) == ["SERVICE", "PORT"]
    assert "COPY --chown=10001:10001 services/${SERVICE}/ /app/services/${SERVICE}/" in text
    assert 'ln -s "/opt/venv/bin/tessel-${SERVICE}" /opt/venv/bin/tessel-service' in text
    assert 'CMD ["tessel-service"]' in text
    assert "EXPOSE ${PORT}" in text and "TESSEL_GRPC_PORT=${PORT}" in text
    assert re.findall(r"^USER (\S+)$", text, re.MULTILINE)[-1] == "10001:10001"
    assert not list(REPO.glob("services/*/Dockerfile")), "a service that truly differs needs a reason here"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_the_console_script_the_image_runs(name):
    spec = SERVICES[name]
    project = tomllib.loads((REPO / "services" / name / "pyproject.toml").read_text())["project"]
    assert project["scripts"][f"tessel-{name}"] == f"{spec.module}.__main__:main"
    assert (REPO / "services" / name / spec.module / "__main__.py").is_file()


def test_the_manifest_is_what_the_catalog_and_the_conventions_table_say():
    from tessel.catalog import SERVICES as CATALOG

    assert {s.name: (s.package, s.port, s.gpu) for s in CATALOG} == {
        s.name: (s.module, s.port, s.gpu) for s in SERVICES.values()
    }
    assert conventions_services() == SERVICES
    assert len({s.port for s in SERVICES.values()}) == len(SERVICES)


def test_base_pins_torch_and_installs_the_pinned_requirements():
    text = (REPO / "docker" / "base.Dockerfile").read_text()
    assert "torch==2.13.0" in text and "-r /app/requirements/runtime.txt" in text
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.MULTILINE)
    assert re.findall(r"^USER (\S+)$", text, re.MULTILINE)[-1] == "10001:10001"
    assert "huggingface" not in text.lower() and "hf_hub" not in text.lower()
