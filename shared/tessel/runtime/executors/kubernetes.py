"""Run shards as one Kubernetes Indexed Job: pod i runs the worker on shard i (JOB_COMPLETION_INDEX).

Clusters are reached from in-cluster config or kubeconfig. The synchronous `kubernetes` client is used,
so call `run` from a thread. A failed Job ends the run with the failed pod's reason.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tessel.runtime.executors import OnEvent, WorkerFailed, WorkerProgram, worker_command
from tessel.runtime.executors.settings import ExecutorSettings

GPU_RESOURCE = "nvidia.com/gpu"


def indexed_job_manifest(
    *, name: str, job_id: str, settings: ExecutorSettings, program: WorkerProgram, artifacts_uri: str, work_order_ref,
    shard_count: int,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "worker",
        "image": settings.k8s_image,
        "command": ["python", *worker_command(program, work_order_ref, shard_count)],
        "env": [
            {"name": "TESSEL_ARTIFACTS_URI", "value": artifacts_uri},
            {"name": program.threads_env, "value": str(settings.threads_per_worker)},
            {"name": "TESSEL_DEVICE", "value": "cuda" if settings.k8s_gpus_per_pod else "cpu"},
        ],
    }
    if settings.k8s_gpus_per_pod:
        gpus = str(settings.k8s_gpus_per_pod)
        container["resources"] = {"limits": {GPU_RESOURCE: gpus}, "requests": {GPU_RESOURCE: gpus}}
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [container]}
    if settings.k8s_service_account:
        pod_spec["serviceAccountName"] = settings.k8s_service_account
    if settings.k8s_node_selector:
        pod_spec["nodeSelector"] = dict(settings.k8s_node_selector)
    if settings.k8s_tolerations:
        pod_spec["tolerations"] = list(settings.k8s_tolerations)
    labels = {"app.kubernetes.io/name": program.app, program.job_label: job_id[:63]}
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    if settings.k8s_pod_template is not None:
        template = _from_base_template(settings.k8s_pod_template, container, labels)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": settings.k8s_namespace, "labels": labels},
        "spec": {
            "completionMode": "Indexed",
            "completions": shard_count,
            "parallelism": shard_count,
            # A failed pod fails the Job; the service job's own resume retries without redoing work.
            "backoffLimit": 0,
            "ttlSecondsAfterFinished": 86_400,
            "template": template,
        },
    }


def _from_base_template(path: Path, container: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The chart's worker pod template (hardening, volumes, runtime env, placement, resources, the labels
    its NetworkPolicies select on) with this run's command, env and labels added. What the template
    sets wins over the executor's own defaults, so the chart stays the one place a cluster is described."""
    import yaml  # with the kubernetes client (only services that fan out to a cluster install it)

    template = yaml.safe_load(Path(path).read_text())
    template.setdefault("metadata", {}).setdefault("labels", {}).update(labels)
    spec = template.setdefault("spec", {})
    spec["restartPolicy"] = "Never"
    containers = spec.get("containers") or [{"name": "worker"}]
    worker = next((c for c in containers if c.get("name") == "worker"), containers[0])
    worker["command"] = container["command"]
    worker.setdefault("image", container["image"])
    ours = {entry["name"] for entry in container["env"]}
    worker["env"] = [e for e in worker.get("env", []) if e.get("name") not in ours] + container["env"]
    if "resources" not in worker and "resources" in container:
        worker["resources"] = container["resources"]
    spec["containers"] = containers
    return template


class KubernetesExecutor:
    def __init__(self, settings: ExecutorSettings, program: WorkerProgram, *, job_id: str, attempt: int,
                 api_client=None) -> None:
        self.settings = settings
        self.program = program
        self.job_id = job_id
        self.attempt = attempt
        self._api_client = api_client

    def _client(self):
        if self._api_client is None:
            from kubernetes import client, config

            try:
                config.load_incluster_config()
            except config.ConfigException:
                config.load_kube_config()
            self._api_client = client.ApiClient()
        return self._api_client

    def run(self, store, work_order_ref, shard_count: int, on_event: OnEvent) -> None:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        batch = client.BatchV1Api(self._client())
        core = client.CoreV1Api(self._client())
        namespace = self.settings.k8s_namespace
        name = self.program.job_name(self.job_id, self.attempt)
        manifest = indexed_job_manifest(
            name=name, job_id=self.job_id, settings=self.settings, program=self.program, artifacts_uri=store.root_uri,
            work_order_ref=work_order_ref, shard_count=shard_count,
        )
        try:
            batch.create_namespaced_job(namespace=namespace, body=manifest)
        except ApiException as error:
            if error.status != 409:  # 409: this attempt's Job exists already (a restarted coordinator)
                raise WorkerFailed(f"cannot create Job {namespace}/{name}: {error.status} {error.reason}") from error
        try:
            on_event({"event": "submitted", "job": name, "namespace": namespace, "pods": shard_count})
            self._wait(batch, core, namespace, name, shard_count, on_event)
        except WorkerFailed:
            raise
        except BaseException:
            # Cancelled (or the coordinator is going down): stop the pods rather than leave them running.
            batch.delete_namespaced_job(name=name, namespace=namespace, propagation_policy="Background")
            raise

    def _wait(self, batch, core, namespace: str, name: str, shard_count: int, on_event: OnEvent) -> None:
        while True:
            status = batch.read_namespaced_job_status(name=name, namespace=namespace).status
            conditions = {c.type: c for c in (status.conditions or []) if c.status == "True"} if status else {}
            if "Complete" in conditions or (status and (status.succeeded or 0) >= shard_count):
                on_event({"event": "poll"})
                return
            if "Failed" in conditions or (status and status.failed):
                reason = self._failed_pod_reason(core, namespace, name) or _condition_text(conditions.get("Failed"))
                raise WorkerFailed(f"Kubernetes Job {namespace}/{name} failed: {reason}")
            on_event({"event": "poll"})
            time.sleep(self.settings.k8s_poll_seconds)

    @staticmethod
    def _failed_pod_reason(core, namespace: str, name: str) -> str:
        pods = core.list_namespaced_pod(namespace=namespace, label_selector=f"job-name={name}").items
        for pod in pods:
            if pod.status is None or pod.status.phase != "Failed":
                continue
            parts = [pod.metadata.name]
            if pod.status.reason or pod.status.message:
                parts.append(" ".join(filter(None, [pod.status.reason, pod.status.message])))
            for container in pod.status.container_statuses or []:
                terminated = container.state.terminated if container.state else None
                if terminated is not None:
                    parts.append(
                        f"container {container.name} {terminated.reason or 'terminated'} (exit code {terminated.exit_code})"
                        + (f": {terminated.message}" if terminated.message else "")
                    )
            return "; ".join(parts)
        return ""


def _condition_text(condition) -> str:
    if condition is None:
        return "no reason reported"
    return " ".join(filter(None, [condition.reason, condition.message])) or "no reason reported"
