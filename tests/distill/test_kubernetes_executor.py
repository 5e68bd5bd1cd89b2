"""The Kubernetes executor against an emulated API server (kmock): the Indexed Job it creates, success,
and a failed pod mapped to a failure with the pod's reason."""

from __future__ import annotations

import asyncio

import pytest
from kubernetes import client

from tessel.common.v1 import artifact_pb2
from tessel.runtime.executors import WorkerFailed
from tessel.runtime.executors.kubernetes import KubernetesExecutor
from tessel_block_distiller.core.settings import WORKER, DistillerSettings

WORK_ORDER = artifact_pb2.ArtifactRef(uri="s3://bucket/sha256/ab/abcd", sha256="ab" * 32)
JOBS = "batch/v1/jobs"


class _Store:
    root_uri = "s3://bucket/tessel"


def _settings(**changes) -> DistillerSettings:
    values = dict(k8s_image="registry.example/tessel/block-distiller:1.2", k8s_namespace="ml", k8s_gpus_per_pod=1,
                  k8s_node_selector={"nvidia.com/gpu.product": "H100"}, k8s_service_account="distiller",
                  k8s_tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                  k8s_poll_seconds=0.05)
    values.update(changes)
    return DistillerSettings(**values)


def _executor(kmock, settings) -> KubernetesExecutor:
    configuration = client.Configuration(host=str(kmock.url).rstrip("/"))
    return KubernetesExecutor(settings, WORKER, job_id="JOB-42", attempt=2, api_client=client.ApiClient(configuration))


async def _wait_for_job(kmock, name):
    for _ in range(200):
        try:
            return kmock.objects[JOBS, "ml", name]
        except KeyError:
            await asyncio.sleep(0.02)
    raise AssertionError("the Job was never created")


async def test_creates_the_indexed_job_and_returns_when_it_completes(kmock):
    events = []
    run = asyncio.create_task(asyncio.to_thread(_executor(kmock, _settings()).run, _Store(), WORK_ORDER, 3, events.append))
    name = WORKER.job_name("JOB-42", 2)
    job = await _wait_for_job(kmock, name)
    spec = job["spec"]
    assert name == "tessel-distill-job-42-a2"
    assert spec["completionMode"] == "Indexed" and spec["completions"] == 3 and spec["parallelism"] == 3
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["serviceAccountName"] == "distiller"
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "H100"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    (container,) = pod["containers"]
    assert container["image"] == "registry.example/tessel/block-distiller:1.2"
    assert container["command"] == [
        "python", "-m", "tessel_block_distiller.worker", "--work-order-uri", WORK_ORDER.uri,
        "--work-order-sha256", WORK_ORDER.sha256, "--shard-count", "3",
    ]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["TESSEL_ARTIFACTS_URI"] == "s3://bucket/tessel" and env["TESSEL_DEVICE"] == "cuda"
    assert container["resources"]["limits"] == {"nvidia.com/gpu": "1"}
    assert not run.done()  # still polling: the Job has not finished
    kmock.objects[JOBS, "ml", name].patch(
        {"status": {"succeeded": 3, "conditions": [{"type": "Complete", "status": "True"}]}}
    )
    await asyncio.wait_for(run, 10)
    assert events[0]["event"] == "submitted" and events[0]["pods"] == 3


async def test_a_failed_pod_fails_the_run_with_its_reason(kmock):
    run = asyncio.create_task(asyncio.to_thread(_executor(kmock, _settings(k8s_gpus_per_pod=0)).run,
                                                _Store(), WORK_ORDER, 2, lambda event: None))
    name = WORKER.job_name("JOB-42", 2)
    job = await _wait_for_job(kmock, name)
    assert "resources" not in job["spec"]["template"]["spec"]["containers"][0]
    kmock.objects["v1/pods", "ml", f"{name}-1-x7k2p"] = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"{name}-1-x7k2p", "namespace": "ml", "labels": {"job-name": name}},
        "status": {"phase": "Failed", "containerStatuses": [{
            "name": "worker", "image": "i", "imageID": "", "ready": False, "restartCount": 0,
            "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
        }]},
    }
    kmock.objects[JOBS, "ml", name].patch({"status": {"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
    ]}})
    with pytest.raises(WorkerFailed) as raised:
        await asyncio.wait_for(run, 10)
    assert "OOMKilled" in str(raised.value) and "exit code 137" in str(raised.value) and f"{name}-1-x7k2p" in str(raised.value)


async def test_cancelling_deletes_the_job(kmock):
    class Cancelled(Exception):
        pass

    def on_event(event):
        if event["event"] == "poll":
            raise Cancelled

    with pytest.raises(Cancelled):
        await asyncio.to_thread(_executor(kmock, _settings()).run, _Store(), WORK_ORDER, 2, on_event)
    deletes = kmock["delete"]
    assert len(deletes) == 1 and deletes[0].url.path.endswith(f"/namespaces/ml/jobs/{WORKER.job_name('JOB-42', 2)}")
