"""Do deploy/ and the code agree? Every env var a compose service or a Deployment sets must be a
field of that service's ``Settings`` (``LB_`` prefix, ``__`` nesting); ports, images, consumer
groups and topics must be the ones the services use.

A service whose ``settings.py`` (or ``__main__``) is not written yet is reported as *pending*,
not as an error.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ledgerbridge_common.events.topics import Topics


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # compose service, Deployment, services/<name>/, image ledgerbridge/<name>
    module: str  # python -m <module>
    settings: str  # "module:Class"
    prefix: str = "LB_"
    port: int | None = None
    group: str | None = None  # its main consumer group (CONVENTIONS.md)


SERVICES = {
    s.name: s
    for s in (
        ServiceSpec("webhook-ingest", "webhook_ingest", "webhook_ingest.settings:Settings", port=18000),
        ServiceSpec("prefs-api", "prefs_api", "prefs_api.settings:Settings", port=18010),
        ServiceSpec("sync-engine", "sync_engine", "sync_engine.settings:Settings", port=18020,
                    group="ledgerbridge-sync-engine"),
        ServiceSpec("posting", "posting_service", "posting_service.settings:Settings", port=18030,
                    group="ledgerbridge-posting"),
    )
}  # fmt: skip
SANDBOXES = {
    "qbo-sandbox": ServiceSpec("qbo-sandbox", "qbo_sandbox", "qbo_sandbox.settings:SandboxSettings",
                               prefix="QBO_SANDBOX_", port=18081),
    "billcom-sandbox": ServiceSpec("billcom-sandbox", "billcom_sandbox", "", prefix="", port=18082),
}  # fmt: skip
THIRD_PARTY = {"kafka", "kafka-init", "postgres", "prometheus", "grafana", "otel-collector", "jaeger"}


def load_settings_class(spec: ServiceSpec) -> type[BaseModel] | None:
    if not spec.settings:
        return None
    module_name, _, cls_name = spec.settings.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    cls = getattr(module, cls_name, None)
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def env_field(settings_cls: type[BaseModel], env_name: str, prefix: str = "LB_") -> bool:
    """True when ``env_name`` sets a field of ``settings_cls`` (nested models with ``__``)."""
    if not env_name.startswith(prefix):
        return False
    model: type[BaseModel] | None = settings_cls
    parts = env_name[len(prefix) :].lower().split("__")
    for i, part in enumerate(parts):
        if model is None or part not in model.model_fields:
            return False
        if i < len(parts) - 1:
            model = _model_of(model.model_fields[part].annotation)
    return True


def default_of(settings_cls: type[BaseModel], field: str) -> Any:
    info = settings_cls.model_fields.get(field)
    return None if info is None else info.get_default(call_default_factory=True)


def _check_env(spec: ServiceSpec, env: dict[str, str], where: str, pending: set[str]) -> list[str]:
    if spec.name == "billcom-sandbox":
        return [f"{where}: the BILL sandbox reads no environment, yet sets {sorted(env)}"] if env else []
    cls = load_settings_class(spec)
    if cls is None:
        pending.add(f"{spec.name} settings")
        return []
    errors = [
        f"{where}: {name} is not a field of {spec.settings}"
        for name in sorted(env)
        if not env_field(cls, name, spec.prefix)
    ]
    port = env.get(f"{spec.prefix}HTTP_PORT") or env.get(f"{spec.prefix}PORT")
    default_port = default_of(cls, "http_port") if "http_port" in cls.model_fields else default_of(cls, "port")
    if spec.port is not None and default_port != spec.port:
        errors.append(f"{where}: {spec.settings} listens on {default_port} by default, deploy says {spec.port}")
    if port is not None and int(port) != spec.port:
        errors.append(f"{where}: port variable {port} != {spec.port}")
    return errors


def _check_main(spec: ServiceSpec, pending: set[str]) -> None:
    try:
        found = importlib.util.find_spec(f"{spec.module}.__main__")
    except ModuleNotFoundError:
        found = None
    if found is None:
        pending.add(f"{spec.module}.__main__")


SERVICE_DOCKERFILE = "deploy/service.Dockerfile"


def check_compose_refs(root: Path, pending: set[str]) -> list[str]:
    compose = yaml.safe_load((root / "deploy/compose.yml").read_text())
    errors: list[str] = []
    for name, svc in compose["services"].items():
        if name in THIRD_PARTY:
            continue
        spec = SERVICES.get(name) or SANDBOXES.get(name)
        if spec is None:
            errors.append(f"compose {name}: not a LedgerBridge service or sandbox")
            continue
        env = {str(k): str(v) for k, v in (svc.get("environment") or {}).items()}
        errors += _check_env(spec, env, f"compose {name}", pending)
        image = str(svc.get("image", "")).split(":")[0]
        if image != f"ledgerbridge/{name}":
            errors.append(f"compose {name}: image {image} should be ledgerbridge/{name}")
        health = " ".join(map(str, (svc.get("healthcheck") or {}).get("test", [])))
        if f":{spec.port}/" not in health:
            errors.append(f"compose {name}: healthcheck does not call port {spec.port}")
        if name in SERVICES:
            errors += _check_dockerfile(root, spec, svc, pending)
    return errors


def _check_dockerfile(root: Path, spec: ServiceSpec, svc: dict[str, Any], pending: set[str]) -> list[str]:
    """Every service is built from deploy/service.Dockerfile with its module and port as arguments."""
    build = svc.get("build") or {}
    dockerfile = build.get("dockerfile")
    if dockerfile != SERVICE_DOCKERFILE:
        return [f"compose {spec.name}: build.dockerfile should be {SERVICE_DOCKERFILE}"]
    text = (root / dockerfile).read_text()
    args = {str(k): str(v) for k, v in (build.get("args") or {}).items()}
    errors = []
    if args.get("MODULE") != spec.module or 'CMD ["sh", "-c", "exec python -m \\"$LB_MODULE\\""]' not in text:
        errors.append(f"compose {spec.name}: build.args.MODULE is not {spec.module} (python -m)")
    if args.get("PORT") != str(spec.port) or "EXPOSE ${PORT}" not in text or "LB_HTTP_PORT=${PORT}" not in text:
        errors.append(f"compose {spec.name}: build.args.PORT / EXPOSE / LB_HTTP_PORT is not {spec.port}")
    if not args.get("PACKAGE"):
        errors.append(f"compose {spec.name}: build.args.PACKAGE (the uv workspace package) is missing")
    _check_main(spec, pending)
    return errors


def check_k8s_refs(root: Path, pending: set[str]) -> list[str]:
    docs = [d for p in sorted((root / "deploy/k8s").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
    config = {
        k: str(v) for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "ledgerbridge-config"
        for k, v in d["data"].items()
    }  # fmt: skip
    errors: list[str] = []
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    if set(deployments) != set(SERVICES):
        errors.append(f"k8s: Deployments {sorted(deployments)} != services {sorted(SERVICES)}")
    for name, dep in deployments.items():
        spec = SERVICES.get(name)
        if spec is None:
            continue
        pod = dep["spec"]["template"]
        (container,) = pod["spec"]["containers"]
        env = dict(config)
        env.update({e["name"]: str(e.get("value", "<secret>")) for e in container.get("env", [])})
        errors += _check_env(spec, env, f"k8s {name}", pending)
        if container["image"].split(":")[0] != f"ledgerbridge/{name}":
            errors.append(f"k8s {name}: image {container['image']} should be ledgerbridge/{name}:<tag>")
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        if ports.get("http") != spec.port or pod["metadata"]["annotations"]["prometheus.io/port"] != str(spec.port):
            errors.append(f"k8s {name}: containerPort / scrape port is not {spec.port}")
        probes = (
            container["livenessProbe"]["httpGet"]["path"],
            container["readinessProbe"]["httpGet"]["path"],
        )
        if probes != ("/healthz", "/readyz"):
            errors.append(f"k8s {name}: probes {probes} should be /healthz and /readyz")
    for svc in (d for d in docs if d["kind"] == "Service"):
        spec = SERVICES.get(svc["metadata"]["name"])
        if spec is None or svc["spec"]["ports"][0]["port"] != spec.port:
            errors.append(f"k8s Service {svc['metadata']['name']}: no such service or port != its port")
    topics = set(Topics().all())
    for so in (d for d in docs if d["kind"] == "ScaledObject"):
        spec = SERVICES.get(so["spec"]["scaleTargetRef"]["name"])
        if spec is None or spec.group is None:
            errors.append(f"k8s ScaledObject {so['metadata']['name']}: target is not a consumer service")
            continue
        for trig in so["spec"]["triggers"]:
            meta = trig["metadata"]
            if meta.get("consumerGroup") != spec.group:
                errors.append(
                    f"k8s ScaledObject {spec.name}: consumerGroup {meta.get('consumerGroup')} != {spec.group}"
                )
            if meta.get("topic") not in topics:
                errors.append(f"k8s ScaledObject {spec.name}: topic {meta.get('topic')} is not a LedgerBridge topic")
            if meta.get("bootstrapServers") != config.get("LB_KAFKA__BOOTSTRAP_SERVERS"):
                errors.append(f"k8s ScaledObject {spec.name}: bootstrapServers differs from the ConfigMap")
        cls = load_settings_class(spec)
        groups = {v for f, v in _defaults(cls).items() if "group" in f} if cls else set()
        if groups and spec.group not in groups:
            errors.append(f"{spec.settings}: consumer group default {sorted(groups)} lacks {spec.group}")
    return errors


def check_prometheus_refs(root: Path) -> list[str]:
    config = yaml.safe_load((root / "deploy/prometheus/prometheus.yml").read_text())
    errors = []
    for job in config["scrape_configs"]:
        spec = SERVICES.get(job["job_name"])
        targets = [t for sc in job.get("static_configs", []) for t in sc["targets"]]
        targets += [f"{n}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for n in sd["names"]]
        if spec is None or targets != [f"{spec.name}:{spec.port}"]:
            errors.append(f"prometheus job {job['job_name']}: targets {targets} are not the service's port")
    return errors


def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {name: default_of(cls, name) for name in cls.model_fields}


def check_all(root: Path) -> tuple[list[str], list[str]]:
    pending: set[str] = set()
    errors = check_compose_refs(root, pending) + check_k8s_refs(root, pending) + check_prometheus_refs(root)
    readme = (root / "deploy/README.md").read_text() if (root / "deploy/README.md").exists() else ""
    if not re.search(r"partitions", readme, re.IGNORECASE):
        errors.append("deploy/README.md: missing (or says nothing about partitions and instances)")
    return errors, sorted(pending)
