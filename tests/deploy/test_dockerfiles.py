"""Service images: one Dockerfile per service on the shared base, hadolint-clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploy_helpers import REPO, SERVICES

HADOLINT = Path(sys.executable).parent / "hadolint"
DOCKERFILES = [REPO / "docker" / "base.Dockerfile", *(REPO / "services" / s / "Dockerfile" for s in SERVICES)]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_hadolint_passes(dockerfile):
    result = subprocess.run([str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install torch\n")
    result = subprocess.run([str(HADOLINT), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3007" in result.stdout and "DL3013" in result.stdout


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_runs_its_module_as_non_root(name):
    spec = SERVICES[name]
    text = (REPO / "services" / name / "Dockerfile").read_text()
    base = "cuda" if spec.gpu else "cpu"
    assert re.search(rf"^ARG BASE_IMAGE=tessel-base-{base}:\S+$", text, re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", text, re.MULTILINE)
    assert f'CMD ["python", "-m", "{spec.module}"]' in text
    assert f"EXPOSE {spec.port}" in text and f"TESSEL_GRPC_PORT={spec.port}" in text
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users[-1] == "10001:10001"
    assert f"COPY --chown=10001:10001 services/{name}/ /app/services/{name}/" in text


def test_base_pins_torch_and_installs_the_pinned_requirements():
    text = (REPO / "docker" / "base.Dockerfile").read_text()
    assert "torch==2.13.0" in text and "-r /app/requirements/runtime.txt" in text
    assert re.search(r"^FROM python:3\.11\.\d+-slim", text, re.MULTILINE)
    assert re.findall(r"^USER (\S+)$", text, re.MULTILINE)[-1] == "10001:10001"
    assert "huggingface" not in text.lower() and "hf_hub" not in text.lower()
