"""The deployment's hardening, read from the manifests themselves: who may reach prefs-api's internal
port, disruption budgets, a drain before SIGTERM that fits the grace period, Kafka credentials from
an optional Secret, and a compose file that publishes no backend port, limits every container and
has no anonymous Grafana."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
SERVICES = {"prefs-api", "webhook-ingest", "sync-engine", "posting"}
PREFS_INTERNAL_PORT = 18011
DRAIN_SECONDS = 20  # the in-flight record a SIGTERM lets finish


def k8s_docs() -> list[dict[str, Any]]:
    return [d for p in sorted((ROOT / "deploy/k8s").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in k8s_docs() if d["kind"] == kind]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        value = labels.get(expr["key"])
        if expr["operator"] == "In" and value not in expr["values"]:
            return False
        if expr["operator"] == "NotIn" and value in expr["values"]:
            return False
    return True


def pod_labels(name: str) -> dict[str, str]:
    (dep,) = [d for d in of_kind("Deployment") if d["metadata"]["name"] == name]
    return dep["spec"]["template"]["metadata"]["labels"]


def allowed_sources(target: str, port: int | str) -> list[dict[str, Any]] | None:
    """The ``from`` peers of every policy rule admitting ``port`` on ``target``'s pods (None: anyone)."""
    peers: list[dict[str, Any]] = []
    for policy in of_kind("NetworkPolicy"):
        if not selects(policy["spec"]["podSelector"], pod_labels(target)):
            continue
        for rule in policy["spec"].get("ingress", []):
            if not any(p.get("port") == port for p in rule.get("ports", [])):
                continue
            if "from" not in rule:
                return None
            peers += rule["from"]
    return peers


def test_namespace_denies_ingress_unless_a_policy_admits_it():
    deny = [p for p in of_kind("NetworkPolicy") if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]]
    assert deny and deny[0]["spec"]["policyTypes"] == ["Ingress"]


def test_only_the_three_services_reach_prefs_api_internal_port():
    peers = allowed_sources("prefs-api", PREFS_INTERNAL_PORT)
    assert peers, "no rule admits prefs-api's internal port"
    admitted = {name for name in SERVICES if any(selects(p.get("podSelector", {}), pod_labels(name)) for p in peers)}
    assert admitted == {"webhook-ingest", "sync-engine", "posting"}
    assert all(set(p) == {"podSelector"} for p in peers)  # no namespace or IP block widens it
    assert not any(selects(p["podSelector"], {"app.kubernetes.io/name": "intruder"}) for p in peers)


def test_public_ports_stay_reachable():
    assert allowed_sources("prefs-api", "http") is None
    assert allowed_sources("webhook-ingest", "http") is None


def test_every_service_has_a_disruption_budget():
    budgets = of_kind("PodDisruptionBudget")
    for name in SERVICES:
        matching = [b for b in budgets if selects(b["spec"]["selector"], pod_labels(name))]
        assert len(matching) == 1, name
        assert matching[0]["spec"].get("maxUnavailable") == 1 or matching[0]["spec"].get("minAvailable") == 1


def test_pods_drain_before_sigterm_within_their_grace_period():
    for dep in of_kind("Deployment"):
        pod = dep["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        command = container["lifecycle"]["preStop"]["exec"]["command"]
        assert command[0] == "sleep"
        assert pod["terminationGracePeriodSeconds"] >= int(command[1]) + DRAIN_SECONDS + 5, dep["metadata"]["name"]


def test_kafka_credentials_come_from_an_optional_secret():
    for dep in of_kind("Deployment"):
        (container,) = dep["spec"]["template"]["spec"]["containers"]
        refs = [e["secretRef"] for e in container["envFrom"] if "secretRef" in e]
        assert {"name": "ledgerbridge-kafka-credentials", "optional": True} in refs


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "deploy/compose.yml").read_text())


def test_compose_publishes_no_backend_port_by_default():
    services = compose()["services"]
    assert "ports" not in services["kafka"] and "ports" not in services["postgres"]
    opt_in = yaml.safe_load((ROOT / "deploy/compose.host-ports.yml").read_text())["services"]
    assert all(p.startswith("127.0.0.1:") for svc in opt_in.values() for p in svc["ports"])


def test_every_compose_container_has_cpu_and_memory_limits():
    for name, svc in compose()["services"].items():
        limits = svc["deploy"]["resources"]["limits"]
        assert limits.get("cpus") and limits.get("memory"), name


def test_grafana_has_no_anonymous_access():
    env = compose()["services"]["grafana"]["environment"]
    assert env.get("GF_AUTH_ANONYMOUS_ENABLED") == "false"
    assert "GF_AUTH_ANONYMOUS_ORG_ROLE" not in env
