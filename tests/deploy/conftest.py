"""Fixtures for the deployment tests: the pinned helm binary and the chart rendered per values profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_helpers import PROFILES, Rendered, ensure_helm, helm_template, profile_args


@pytest.fixture(scope="session")
def helm() -> Path:
    return ensure_helm()


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendered]:
    return {profile: Rendered(helm_template(*profile_args(profile))) for profile in PROFILES}
