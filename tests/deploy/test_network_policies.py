"""NetworkPolicies: evaluate the rendered policies as a CNI would and check who can reach whom."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import yaml

from deploy_helpers import NAMESPACE, PROFILES, SERVICES, Rendered


@dataclass
class Pod:
    name: str
    labels: dict[str, str]
    namespace: str = NAMESPACE
    ports: dict[str, int] = field(default_factory=dict)


def pods_of(rendered: Rendered) -> dict[str, Pod]:
    pods = {}
    for kind in ("Deployment", "StatefulSet"):
        for name, workload in rendered.of_kind(kind).items():
            template = workload["spec"]["template"]
            ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            pods[name] = Pod(name, template["metadata"]["labels"], ports=ports)
    worker = rendered.of_kind("ConfigMap").get("tessel-block-distiller-worker")
    if worker:
        labels = yaml.safe_load(worker["data"]["worker-pod-template.yaml"])["metadata"]["labels"]
        pods["worker"] = Pod("worker", labels)
    pods["stranger"] = Pod("stranger", {"app": "something-else"})
    pods["kube-dns"] = Pod("kube-dns", {"k8s-app": "kube-dns"}, namespace="kube-system", ports={"dns": 53})
    return pods


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def peer_matches(peer: dict, pod: Pod) -> bool:
    if "ipBlock" in peer:
        return False  # pods are addressed by selectors here; CIDR rules are checked separately
    namespace_selector = peer.get("namespaceSelector")
    if namespace_selector is None:
        in_namespace = pod.namespace == NAMESPACE
    else:
        in_namespace = selects(namespace_selector, {"kubernetes.io/metadata.name": pod.namespace})
    return in_namespace and selects(peer.get("podSelector", {}), pod.labels)


def port_matches(rule_ports: list[dict] | None, dest: Pod, port: int, protocol: str) -> bool:
    if not rule_ports:
        return True
    for p in rule_ports:
        number = dest.ports.get(p["port"]) if isinstance(p["port"], str) else p["port"]
        if number == port and p.get("protocol", "TCP") == protocol:
            return True
    return False


def rules_allow(rules: list[dict], peers_key: str, other: Pod, dest: Pod, port: int, protocol: str) -> bool:
    return any(
        ("to" not in rule and "from" not in rule or any(peer_matches(p, other) for p in rule.get(peers_key, [])))
        and port_matches(rule.get("ports"), dest, port, protocol)
        for rule in rules
    )


class Network:
    def __init__(self, rendered: Rendered) -> None:
        self.policies = list(rendered.of_kind("NetworkPolicy").values())
        self.pods = pods_of(rendered)

    def policies_for(self, pod: Pod) -> list[dict]:
        return [p for p in self.policies if p["metadata"].get("namespace", NAMESPACE) == pod.namespace
                and selects(p["spec"]["podSelector"], pod.labels)]

    def allowed(self, source: str, dest: str, port: int, protocol: str = "TCP") -> bool:
        src, dst = self.pods[source], self.pods[dest]
        egress = [p for p in self.policies_for(src) if "Egress" in p["spec"]["policyTypes"]]
        ingress = [p for p in self.policies_for(dst) if "Ingress" in p["spec"]["policyTypes"]]
        out_ok = not egress or any(rules_allow(p["spec"].get("egress", []), "to", dst, dst, port, protocol) for p in egress)
        in_ok = not ingress or any(rules_allow(p["spec"].get("ingress", []), "from", src, dst, port, protocol) for p in ingress)
        return out_ok and in_ok


@pytest.fixture(scope="module", params=PROFILES)
def network(request, rendered) -> tuple[str, Network]:
    return request.param, Network(rendered[request.param])


def test_every_tessel_pod_is_isolated_in_both_directions(network):
    _, net = network
    for name, pod in net.pods.items():
        if name in ("stranger", "kube-dns"):
            continue
        (policy,) = net.policies_for(pod)
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"], name


def test_services_reach_nats_and_each_other_only_on_their_ports(network):
    _, net = network
    for spec in SERVICES.values():
        source = f"tessel-{spec.name}"
        assert net.allowed(source, "tessel-nats", 4222)
        assert not net.allowed(source, "tessel-nats", 8222)
        assert net.allowed(source, "kube-dns", 53, "UDP")
        for peer in SERVICES.values():
            if peer.name != spec.name:
                assert net.allowed(source, f"tessel-{peer.name}", peer.port)
                assert not net.allowed(source, f"tessel-{peer.name}", 8080)


def test_unlabelled_pods_reach_nothing(network):
    _, net = network
    assert not net.allowed("stranger", "tessel-nats", 4222)
    for spec in SERVICES.values():
        assert not net.allowed("stranger", f"tessel-{spec.name}", spec.port)


def test_nats_opens_no_connections(network):
    _, net = network
    (policy,) = net.policies_for(net.pods["tessel-nats"])
    assert policy["spec"]["egress"] == []
    assert not net.allowed("tessel-nats", "tessel-metrics", SERVICES["metrics"].port)


def test_collector_traffic_only_when_enabled(network):
    profile, net = network
    if "tessel-otel-collector" not in net.pods:
        assert profile == "ci"
        return
    for spec in SERVICES.values():
        assert net.allowed(f"tessel-{spec.name}", "tessel-otel-collector", 4317)
    assert not net.allowed("stranger", "tessel-otel-collector", 4317)
    assert not net.allowed("tessel-otel-collector", "tessel-metrics", SERVICES["metrics"].port)


def test_job_workers_reach_nats_and_accept_nothing(network):
    profile, net = network
    if "worker" not in net.pods:
        assert profile == "dev"
        return
    assert net.allowed("worker", "tessel-nats", 4222)
    assert net.allowed("worker", "kube-dns", 53, "UDP")
    assert not net.allowed("worker", "tessel-metrics", SERVICES["metrics"].port)
    assert not net.allowed("tessel-block-distiller", "worker", 8080)
    if "tessel-otel-collector" in net.pods:
        assert net.allowed("worker", "tessel-otel-collector", 4317)


def test_only_the_distiller_may_reach_the_kubernetes_api(network):
    profile, net = network
    api_ports = {443, 6443}
    for name, pod in net.pods.items():
        if name in ("stranger", "kube-dns"):
            continue
        (policy,) = net.policies_for(pod)
        open_ports = {p["port"] for rule in policy["spec"]["egress"] if "to" not in rule for p in rule["ports"]}
        expects_api = name == "tessel-block-distiller" and profile != "dev"
        assert (open_ports == api_ports) if expects_api else not open_ports, (name, open_ports)
