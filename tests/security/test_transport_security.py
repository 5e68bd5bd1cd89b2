"""gRPC TLS + mTLS and NATS user/password auth over TLS, end to end: a service that requires client
certificates, on a nats-server that requires a password over TLS; clients with and without the right
credentials; the password never appears in the logs."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tessel.client.metrics import MetricsClient
from tessel.metrics.v1 import metrics_pb2, metrics_pb2_grpc
from tessel.runtime.messaging import Messaging
from tessel.runtime.server import start_service
from tessel.runtime.settings import Settings
from tessel.runtime.transport import client_channel, nats_options
from tessel.stack.local import nats_server_binary
from tessel_metrics.service import DEFINITION

pytestmark = pytest.mark.nats
PASSWORD = "s3cret-Pa55word-not-for-logs"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by the CA."""
    folder = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=tessel-test-ca", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=folder)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", "san.ext", cwd=folder)
    (folder / "nats-password").write_text(PASSWORD + "\n")
    return folder


@pytest.fixture(scope="module")
def secure_nats(pki: Path, tmp_path_factory):
    store = tmp_path_factory.mktemp("nats-secure")
    config = store / "nats.conf"
    config.write_text(
        f'listen: "127.0.0.1:-1"\njetstream {{ store_dir: "{store}" }}\n'
        f'tls {{ cert_file: "{pki / "server.pem"}", key_file: "{pki / "server.key"}", ca_file: "{pki / "ca.pem"}" }}\n'
        f'authorization {{ user: tessel, password: "{PASSWORD}" }}\n'
    )
    process = subprocess.Popen([nats_server_binary(), "-c", str(config), "--ports_file_dir", str(store)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ports_file = store / f"nats-server_{process.pid}.ports"
    deadline = time.monotonic() + 20
    while not ports_file.exists():
        assert process.poll() is None and time.monotonic() < deadline, "secure nats-server did not start"
        time.sleep(0.05)
    url = json.loads(ports_file.read_text())["nats"][0].replace("nats://", "tls://")
    yield url
    process.terminate()
    process.wait(timeout=10)


def _settings(tmp_path: Path, pki: Path, url: str, **overrides) -> Settings:
    values = dict(
        home=tmp_path / "home", nats_url=url, grpc_host="127.0.0.1", grpc_port=0,
        tls_cert_file=pki / "server.pem", tls_key_file=pki / "server.key", tls_client_ca_file=pki / "ca.pem",
        tls_ca_file=pki / "ca.pem", tls_client_cert_file=pki / "client.pem", tls_client_key_file=pki / "client.key",
        tls_server_name="localhost",
        nats_user="tessel", nats_password_file=pki / "nats-password", nats_tls_ca_file=pki / "ca.pem",
    )
    return Settings(**(values | overrides))


async def _risk_coverage(address: str, settings: Settings):
    async with MetricsClient(address, settings=settings) as client:
        return await client.risk_coverage(np.array([0, 1, 1]), np.array([0, 1, 0]), np.array([0.9, 0.8, 0.1]))


async def test_mtls_service_on_authenticated_tls_nats(pki, secure_nats, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = _settings(tmp_path, pki, secure_nats)
    service = await start_service(DEFINITION, settings)
    try:
        report = await _risk_coverage(service.address, settings)
        assert report.n == 3 and report.aurc > 0
        no_client_cert = settings.model_copy(update={"tls_client_cert_file": None, "tls_client_key_file": None})
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _risk_coverage(service.address, no_client_cert)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        plaintext = settings.model_copy(update={"tls_ca_file": None})
        with pytest.raises(grpc.aio.AioRpcError) as plain:
            await _risk_coverage(service.address, plaintext)
        assert plain.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await service.stop()
    assert PASSWORD not in caplog.text


async def test_nats_refuses_a_wrong_password_and_no_tls(pki, secure_nats, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not-it")
    for overrides in ({"nats_password_file": wrong}, {"nats_tls_ca_file": None}, {"nats_user": None}):
        settings = _settings(tmp_path, pki, secure_nats, **overrides)
        with pytest.raises(Exception):  # noqa: B017 - nats raises auth, TLS or connection errors by case
            messaging = await Messaging.connect(settings.nats_url, name="probe", connect_timeout=2,
                                                options=nats_options(settings))
            await messaging.close()


async def test_probes_get_a_plaintext_health_port_and_reflection_can_be_off(pki, secure_nats, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        health_port = probe.getsockname()[1]
    settings = _settings(tmp_path, pki, secure_nats, health_port=health_port, grpc_reflection=False)
    service = await start_service(DEFINITION, settings)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{health_port}") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            with pytest.raises(grpc.aio.AioRpcError) as other:  # only health on the plaintext port
                await metrics_pb2_grpc.MetricsServiceStub(channel).ComputeRiskCoverage(
                    metrics_pb2.ComputeRiskCoverageRequest(), timeout=5)
            assert other.value.code() == grpc.StatusCode.UNIMPLEMENTED
        async with client_channel(service.address, settings, []) as channel:
            replies = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
            with pytest.raises(grpc.aio.AioRpcError) as listed:
                [reply async for reply in replies]
            assert listed.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        await service.stop()
