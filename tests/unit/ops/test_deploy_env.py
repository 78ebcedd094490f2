"""Every env var that deploy/compose.yml and deploy/k8s set for a service is a field of that
service's Settings class (LB_ prefix, ``__`` nesting)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from ledgerbridge_common.settings import ServiceSettings
from ledgerbridge_ops.deploy_refs import SERVICES, env_field, load_settings_class

ROOT = Path(__file__).resolve().parents[3]


def compose_env(name: str) -> set[str]:
    compose = yaml.safe_load((ROOT / "deploy/compose.yml").read_text())
    return set(compose["services"][name].get("environment") or {})


def k8s_env(name: str) -> set[str]:
    docs = [d for p in (ROOT / "deploy/k8s").glob("*.yaml") for d in yaml.safe_load_all(p.read_text()) if d]
    config = next(d for d in docs if d["kind"] == "ConfigMap")
    dep = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name)
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    refs = {r["configMapRef"]["name"] for r in container.get("envFrom", []) if "configMapRef" in r}
    assert refs <= {config["metadata"]["name"]}
    return set(config["data"]) | {e["name"] for e in container.get("env", [])}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_variable_is_a_settings_field(name):
    settings_cls = load_settings_class(SERVICES[name])
    assert settings_cls is not None, f"{SERVICES[name].settings} has no Settings class"
    for where, names in (("compose", compose_env(name)), ("k8s", k8s_env(name))):
        assert names, f"{where} sets no variable for {name}"
        unknown = sorted(n for n in names if not env_field(settings_cls, n))
        assert unknown == [], f"{where} {name}: not read by {settings_cls.__name__}: {unknown}"
        # and pydantic-settings really reads them from the environment:
        assert {"LB_KAFKA__BOOTSTRAP_SERVERS", "LB_HTTP_PORT"} <= names


class Inner(BaseModel):
    url: str = "x"


class Example(ServiceSettings):
    extra: Inner | None = None
    plain: int = 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("LB_PLAIN", True),
        ("LB_KAFKA__BOOTSTRAP_SERVERS", True),
        ("LB_KAFKA__TOPICS__DLQ", True),
        ("LB_EXTRA__URL", True),
        ("LB_KAFKA__BOOTSTRAP", False),
        ("LB_PLAIN__X", False),
        ("LB_NOPE", False),
        ("PLAIN", False),
    ],
)
def test_env_field_resolution(env, expected):
    assert env_field(Example, env) is expected


def test_env_field_agrees_with_pydantic_settings(monkeypatch):
    monkeypatch.setenv("LB_KAFKA__TOPICS__DLQ", "x.dlq")
    monkeypatch.setenv("LB_EXTRA__URL", "http://y")
    settings = Example()
    assert settings.kafka.topics.dlq == "x.dlq" and settings.extra is not None and settings.extra.url == "http://y"
