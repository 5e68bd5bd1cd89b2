"""charts/tessel: lint, schema validation and the properties every rendered profile must have."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from deploy_helpers import (
    CHART, KUBE_VERSION, NAMESPACE, PROFILES, SERVICES, WORKER_TEMPLATE, Rendered, helm_template, profile_args,
    worker_pod_template,
)

H100 = {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def env_of(container_spec: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container_spec.get("env", [])}


@pytest.mark.parametrize("profile", PROFILES)
def test_helm_lint_strict(helm, profile):
    result = subprocess.run([str(helm), "lint", "--strict", str(CHART), *profile_args(profile)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_rendered_manifests_validate_strictly(rendered, profile, tmp_path):
    manifest = tmp_path / f"{profile}.yaml"
    manifest.write_text(rendered[profile].text)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kubernetes-validate"), "--strict", "--kubernetes-version", KUBE_VERSION, str(manifest)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    passed = result.stdout.count(" passed for resource ")
    assert passed == len(rendered[profile].objects) > 20


@pytest.mark.parametrize("profile", ["ci", "gpu"])
def test_worker_pod_template_is_a_valid_pod_template(rendered, profile):
    pod_template = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "worker"},
                    "template": worker_pod_template(rendered[profile])}
    kubernetes_validate.validate(pod_template, KUBE_VERSION, strict=True)


def test_schema_rejects_typos_and_bad_enums():
    for bad in (["--set", "services.blockdistiller.enabled=true"], ["--set", "artifacts.backend=nfs"],
                ["--set", "services.block-distiller.executor.kind=slurm"]):
        with pytest.raises(AssertionError, match="values don't meet the specifications|schema"):
            helm_template(*bad)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_service_has_a_hardened_probed_deployment(rendered, profile):
    deployments = rendered[profile].of_kind("Deployment")
    for spec in SERVICES.values():
        deployment = deployments[f"tessel-{spec.name}"]
        pod = deployment["spec"]["template"]["spec"]
        main = container(deployment)
        assert main["image"].split(":")[0].endswith(f"tessel-{spec.name}")
        assert main["ports"] == [{"name": "grpc", "containerPort": spec.port, "protocol": "TCP"}]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert main[probe]["grpc"] == {"port": spec.port}, (spec.name, probe)
        assert main["startupProbe"]["periodSeconds"] * main["startupProbe"]["failureThreshold"] >= 300
        assert main["resources"]["requests"]["cpu"] and main["resources"]["requests"]["memory"]
        assert main["resources"]["limits"]["memory"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        security = main["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["privileged"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        # Only the Tilt profile relaxes this, because live_update writes synced sources into the container.
        assert security["readOnlyRootFilesystem"] is (profile != "dev")
        assert {m["mountPath"] for m in main["volumeMounts"]} >= {"/tmp", "/var/cache/tessel", "/data/artifacts"}
        env = env_of(main)
        assert env["TESSEL_GRPC_PORT"] == str(spec.port)
        assert env["TESSEL_NATS_URL"] == "nats://tessel-nats:4222"
        assert env["TESSEL_ARTIFACTS_URI"] == "file:///data/artifacts"
        assert env["OTEL_SERVICE_NAME"] == spec.name
        peers = {f"TESSEL_{p.name.upper().replace('-', '_')}_ADDRESS": f"tessel-{p.name}:{p.port}"
                 for p in SERVICES.values() if p.name != spec.name}
        assert {k: env[k] for k in peers} == peers
        service = rendered[profile].get("Service", f"tessel-{spec.name}")
        assert service["spec"]["ports"][0] == {"name": "grpc", "port": spec.port, "targetPort": "grpc",
                                               "protocol": "TCP", "appProtocol": "grpc"}


@pytest.mark.parametrize("profile", PROFILES)
def test_infrastructure_pods_are_hardened_too(rendered, profile):
    workloads = [*rendered[profile].of_kind("StatefulSet").values(), *rendered[profile].of_kind("Deployment").values()]
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is (workload["metadata"]["name"] == "tessel-block-distiller"
                                                      and profile != "dev")
        for c in pod["containers"]:
            assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["resources"]["limits"]["memory"]


def test_nats_runs_jetstream_on_a_persistent_volume(rendered):
    nats = rendered["gpu"].get("StatefulSet", "tessel-nats")
    (claim,) = nats["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    mounts = {m["name"]: m["mountPath"] for m in container(nats)["volumeMounts"]}
    assert mounts["data"] == "/data"
    config = rendered["gpu"].get("ConfigMap", "tessel-nats")["data"]["nats.conf"]
    assert "store_dir: /data/jetstream" in config and "max_file_store: 16GB" in config
    assert container(nats)["livenessProbe"]["httpGet"]["path"] == "/healthz?js-enabled-only=true"


def test_dev_profile_requests_no_gpu(rendered):
    for deployment in rendered["dev"].of_kind("Deployment").values():
        resources = container(deployment)["resources"]
        assert "nvidia.com/gpu" not in json.dumps(resources)
        assert "nodeSelector" not in deployment["spec"]["template"]["spec"]
        assert env_of(container(deployment)).get("TESSEL_DEVICE", "cpu") == "cpu"


def test_gpu_profile_schedules_gpu_services_on_h100_nodes(rendered):
    deployments = rendered["gpu"].of_kind("Deployment")
    for spec in SERVICES.values():
        deployment = deployments[f"tessel-{spec.name}"]
        pod = deployment["spec"]["template"]["spec"]
        resources = container(deployment)["resources"]
        if spec.gpu:
            assert resources["requests"]["nvidia.com/gpu"] == 1 == resources["limits"]["nvidia.com/gpu"]
            assert pod["nodeSelector"] == H100
            assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
            assert env_of(container(deployment))["TESSEL_DEVICE"] == "cuda"
            assert {"name": "dshm", "mountPath": "/dev/shm"} in container(deployment)["volumeMounts"]
            assert deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
        else:
            assert "nvidia.com/gpu" not in json.dumps(resources)
            assert "nodeSelector" not in pod and "tolerations" not in pod
            assert env_of(container(deployment))["TESSEL_DEVICE"] == "cpu"


def test_gpu_profile_configures_the_kubernetes_job_executor(rendered):
    env = env_of(container(rendered["gpu"].get("Deployment", "tessel-block-distiller")))
    assert env["TESSEL_BLOCK_DISTILLER_EXECUTOR"] == "kubernetes"
    assert env["TESSEL_BLOCK_DISTILLER_K8S_IMAGE"] == "tessel-block-distiller:0.1.0"
    assert env["TESSEL_BLOCK_DISTILLER_K8S_NAMESPACE"] == NAMESPACE
    assert env["TESSEL_BLOCK_DISTILLER_K8S_SERVICE_ACCOUNT"] == "tessel-block-distiller-worker"
    assert env["TESSEL_BLOCK_DISTILLER_K8S_GPUS_PER_POD"] == "1"
    assert json.loads(env["TESSEL_BLOCK_DISTILLER_K8S_NODE_SELECTOR"]) == H100
    assert json.loads(env["TESSEL_BLOCK_DISTILLER_K8S_TOLERATIONS"]) == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    worker_sa = rendered["gpu"].get("ServiceAccount", "tessel-block-distiller-worker")
    assert worker_sa["automountServiceAccountToken"] is False

    template = worker_pod_template(rendered["gpu"])
    (worker,) = template["spec"]["containers"]
    assert worker["command"] == ["python", "-m", "tessel_block_distiller.worker"]
    assert worker["image"] == env["TESSEL_BLOCK_DISTILLER_K8S_IMAGE"]
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert template["spec"]["nodeSelector"] == H100
    assert template["spec"]["serviceAccountName"] == "tessel-block-distiller-worker"
    assert template["spec"]["restartPolicy"] == "Never"
    assert worker["securityContext"]["readOnlyRootFilesystem"] is True
    assert env_of(worker)["TESSEL_NATS_URL"] == "nats://tessel-nats:4222"
    assert env_of(worker)["TESSEL_ARTIFACTS_URI"] == "file:///data/artifacts"
    mounted = {v["name"]: v for v in template["spec"]["volumes"]}
    assert mounted["artifacts"]["persistentVolumeClaim"]["claimName"] == "tessel-artifacts"


def test_ci_profile_runs_cpu_workers(rendered):
    env = env_of(container(rendered["ci"].get("Deployment", "tessel-block-distiller")))
    assert env["TESSEL_BLOCK_DISTILLER_EXECUTOR"] == "kubernetes"
    assert env["TESSEL_BLOCK_DISTILLER_K8S_GPUS_PER_POD"] == "0"
    assert json.loads(env["TESSEL_BLOCK_DISTILLER_K8S_NODE_SELECTOR"]) == {}
    (worker,) = worker_pod_template(rendered["ci"])["spec"]["containers"]
    assert "nvidia.com/gpu" not in json.dumps(worker["resources"])


@pytest.mark.parametrize("profile", ["ci", "gpu"])
def test_rbac_allows_exactly_the_job_executor_verbs(rendered, profile):
    objects = rendered[profile]
    assert not objects.of_kind("ClusterRole") and not objects.of_kind("ClusterRoleBinding")
    (role,) = objects.of_kind("Role").values()
    granted = {(group, resource, verb) for rule in role["rules"] for group in rule["apiGroups"]
               for resource in rule["resources"] for verb in rule["verbs"]}
    expected = {("batch", "jobs", v) for v in ("create", "get", "list", "watch", "delete")}
    expected |= {("", "pods", v) for v in ("get", "list", "watch")} | {("", "pods/log", "get")}
    assert granted == expected
    assert all(not rule.get("resourceNames") and not rule.get("nonResourceURLs") for rule in role["rules"])
    (binding,) = objects.of_kind("RoleBinding").values()
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": role["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "tessel-block-distiller", "namespace": NAMESPACE}]
    distiller = objects.get("Deployment", "tessel-block-distiller")["spec"]["template"]["spec"]
    assert distiller["serviceAccountName"] == "tessel-block-distiller"


def test_local_executor_gets_no_kubernetes_access(rendered):
    objects = rendered["dev"]
    assert not objects.of_kind("Role") and not objects.of_kind("RoleBinding")
    assert WORKER_TEMPLATE not in objects.of_kind("ConfigMap")
    assert all(sa["automountServiceAccountToken"] is False for sa in objects.of_kind("ServiceAccount").values())


def test_artifacts_on_s3_use_the_secret_and_no_volume():
    objects = Rendered(helm_template(
        *profile_args("gpu"), "--set", "artifacts.backend=s3", "--set", "artifacts.s3.uri=s3://models/tessel",
        "--set", "artifacts.s3.endpointUrl=https://minio.storage:9000", "--set", "artifacts.s3.existingSecret=s3-creds"))
    assert not objects.of_kind("PersistentVolumeClaim")
    for name in ("tessel-metrics", "tessel-block-distiller"):
        main = container(objects.get("Deployment", name))
        assert env_of(main)["TESSEL_ARTIFACTS_URI"] == "s3://models/tessel"
        assert env_of(main)["FSSPEC_S3_ENDPOINT_URL"] == "https://minio.storage:9000"
        assert main["envFrom"] == [{"secretRef": {"name": "s3-creds"}}]
        assert "/data/artifacts" not in {m["mountPath"] for m in main["volumeMounts"]}
    (worker,) = worker_pod_template(objects)["spec"]["containers"]
    assert worker["envFrom"] == [{"secretRef": {"name": "s3-creds"}}]
    with pytest.raises(AssertionError, match="artifacts.s3.uri is required"):
        helm_template("--set", "artifacts.backend=s3")


def test_otel_collector_receives_from_services_when_enabled(rendered):
    gpu, ci = rendered["gpu"], rendered["ci"]
    assert "tessel-otel-collector" in gpu.of_kind("Deployment")
    assert "tessel-otel-collector" not in ci.of_kind("Deployment")
    for spec in SERVICES.values():
        gpu_env = env_of(container(gpu.get("Deployment", f"tessel-{spec.name}")))
        assert gpu_env["OTEL_TRACES_EXPORTER"] == "otlp"
        assert gpu_env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://tessel-otel-collector:4317"
        ci_env = env_of(container(ci.get("Deployment", f"tessel-{spec.name}")))
        assert ci_env["OTEL_TRACES_EXPORTER"] == "none" and "OTEL_EXPORTER_OTLP_ENDPOINT" not in ci_env
    config = yaml.safe_load(gpu.get("ConfigMap", "tessel-otel-collector")["data"]["collector.yaml"])
    assert config["service"]["pipelines"]["traces"]["receivers"] == ["otlp"]
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["debug"]
    exported = Rendered(helm_template(*profile_args("gpu"), "--set", "otelCollector.exportEndpoint=jaeger:4317"))
    config = yaml.safe_load(exported.get("ConfigMap", "tessel-otel-collector")["data"]["collector.yaml"])
    assert config["exporters"] == {"otlp": {"endpoint": "jaeger:4317", "tls": {"insecure": True}}}


def test_a_service_added_to_the_manifest_alone_is_deployed(tmp_path):
    """Adding a service is one manifest entry: the shared template renders its Deployment, Service and
    NetworkPolicy with the manifest's port and default resources, and its peers may call it."""
    import shutil

    chart = tmp_path / "tessel"
    shutil.copytree(CHART, chart, symlinks=False)
    manifest = yaml.safe_load((CHART / "services.yaml").read_text())
    manifest["services"].append({"name": "demo-ranker", "package": "tessel_demo_ranker", "port": 50099, "gpu": False,
                                 "proto_service": "tessel.demo.v1.DemoRankerService",
                                 "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}})
    (chart / "services.yaml").unlink()
    (chart / "services.yaml").write_text(yaml.safe_dump(manifest))
    result = subprocess.run([str(CHART.parents[1] / ".tools" / "bin" / "helm"), "template", "tessel", str(chart),
                             "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    rendered = Rendered(result.stdout)
    main = container(rendered.get("Deployment", "tessel-demo-ranker"))
    assert main["ports"][0]["containerPort"] == 50099 and main["image"].startswith("tessel-demo-ranker:")
    assert main["resources"] == {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    assert rendered.get("Service", "tessel-demo-ranker")["spec"]["ports"][0]["port"] == 50099
    assert "tessel-demo-ranker" in rendered.of_kind("NetworkPolicy")
    metrics_env = env_of(container(rendered.get("Deployment", "tessel-metrics")))
    assert metrics_env["TESSEL_DEMO_RANKER_ADDRESS"] == "tessel-demo-ranker:50099"


def test_values_for_a_service_not_in_the_manifest_fail_the_render():
    with pytest.raises(AssertionError, match="services.rankr: no such service in services.yaml"):
        helm_template("--set", "services.rankr.replicas=2")


def test_production_values_turn_reflection_off_and_dev_turns_it_on(rendered):
    production = Rendered(helm_template())
    for name in SERVICES:
        assert env_of(container(production.get("Deployment", f"tessel-{name}")))["TESSEL_GRPC_REFLECTION"] == "false"
    assert env_of(container(rendered["dev"].get("Deployment", "tessel-metrics")))["TESSEL_GRPC_REFLECTION"] == "true"


def test_tls_mtls_nats_auth_and_clustered_jetstream_render_together(tmp_path):
    objects = Rendered(helm_template(
        *profile_args("gpu"), "--set", "grpc.tls.enabled=true", "--set", "grpc.tls.existingSecret=tessel-tls",
        "--set", "nats.auth.enabled=true", "--set", "nats.auth.existingSecret=nats-auth",
        "--set", "nats.tls.enabled=true", "--set", "nats.tls.existingSecret=nats-tls",
        "--set", "nats.cluster.enabled=true"))
    for name in ("tessel-metrics", "tessel-block-distiller"):
        deployment = objects.get("Deployment", name)
        main = container(deployment)
        env = env_of(main)
        assert env["TESSEL_TLS_CERT_FILE"] == "/etc/tessel/tls/tls.crt" and env["TESSEL_TLS_CLIENT_CA_FILE"] == "/etc/tessel/tls/ca.crt"
        assert env["TESSEL_NATS_USER"] == "tessel" and env["TESSEL_NATS_PASSWORD_FILE"] == "/etc/tessel/nats-auth/password"
        assert env["TESSEL_NATS_URL"].startswith("tls://") and env["TESSEL_NATS_STREAM_REPLICAS"] == "3"
        assert not any("PASSWORD" in key and key != "TESSEL_NATS_PASSWORD_FILE" for key in env)  # secrets stay files
        assert main["readinessProbe"]["grpc"]["port"] == int(env["TESSEL_HEALTH_PORT"]) == 8086
        secrets = {v["name"]: v["secret"]["secretName"] for v in deployment["spec"]["template"]["spec"]["volumes"] if "secret" in v}
        assert secrets == {"grpc-tls": "tessel-tls", "nats-auth": "nats-auth", "nats-tls": "nats-tls"}
    nats = objects.get("StatefulSet", "tessel-nats")
    assert nats["spec"]["replicas"] == 3
    config = objects.get("ConfigMap", "tessel-nats")["data"]["nats.conf"]
    assert "authorization" in config and "$NATS_PASSWORD" in config and "tls {" in config
    assert config.count("nats://tessel-nats-") == 3
    manifest = tmp_path / "secure.yaml"
    manifest.write_text(objects.text)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kubernetes-validate"), "--strict", "--kubernetes-version", KUBE_VERSION, str(manifest)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with pytest.raises(AssertionError, match="grpc.tls.existingSecret is required"):
        helm_template("--set", "grpc.tls.enabled=true")
