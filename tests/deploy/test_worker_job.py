"""The block-distiller's Indexed Job built on the chart's worker pod template: a valid Job that keeps
the chart's hardening, volumes, GPU placement and NetworkPolicy labels and adds the run's command."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml
from deploy_helpers import KUBE_VERSION, worker_pod_template

from tessel.common.v1 import artifact_pb2
from tessel.runtime.executors.kubernetes import indexed_job_manifest
from tessel_block_distiller.core.settings import WORKER, DistillerSettings


@pytest.mark.parametrize("profile", ["ci", "gpu"])
def test_indexed_job_from_the_chart_template_is_valid_and_keeps_the_chart_settings(rendered, profile, tmp_path):
    base = worker_pod_template(rendered[profile])
    path = tmp_path / "worker-pod-template.yaml"
    path.write_text(yaml.safe_dump(base))
    settings = DistillerSettings(k8s_pod_template=path, k8s_namespace="tessel", k8s_image="ignored:when-templated")
    ref = artifact_pb2.ArtifactRef(uri="file:///data/artifacts/sha256/ab/" + "ab" * 32, sha256="ab" * 32)
    job = indexed_job_manifest(name="tessel-distill-x-a1", job_id="x", settings=settings, program=WORKER,
                               artifacts_uri="file:///data/artifacts", work_order_ref=ref, shard_count=4)
    kubernetes_validate.validate(job, KUBE_VERSION, strict=True)

    pod = job["spec"]["template"]
    (worker,) = pod["spec"]["containers"]
    (chart_worker,) = base["spec"]["containers"]
    assert worker["image"] == chart_worker["image"]
    assert worker["command"][:3] == ["python", "-m", "tessel_block_distiller.worker"] and "--shard-count" in worker["command"]
    assert worker["securityContext"] == chart_worker["securityContext"]
    assert worker["volumeMounts"] == chart_worker["volumeMounts"] and pod["spec"]["volumes"] == base["spec"]["volumes"]
    assert worker["resources"] == chart_worker["resources"]
    assert pod["metadata"]["labels"]["tessel.io/nats-client"] == "true"
    assert pod["metadata"]["labels"]["tessel.dev/distillation-job"] == "x"
    env = {e["name"]: e for e in worker["env"]}
    assert env["TESSEL_ARTIFACTS_URI"]["value"] == "file:///data/artifacts"
    assert "TESSEL_NATS_URL" in env  # from the chart's runtime env
    assert len(worker["env"]) == len(env)  # no duplicated names
    if profile == "gpu":
        assert pod["spec"]["nodeSelector"]["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3"
        assert worker["resources"]["limits"]["nvidia.com/gpu"]
