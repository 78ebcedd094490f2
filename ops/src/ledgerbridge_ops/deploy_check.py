"""Check the files under deploy/ (``python -m ledgerbridge_ops.deploy_check [REPO]``).

Schemas (no network; every schema comes from an installed package or this repository):

- ``deploy/compose.yml`` — the Compose Specification's JSON schema as vendored by
  check-jsonschema (``check_jsonschema/builtin_schemas/vendor/compose-spec.json``);
- ``deploy/k8s/*.yaml`` — Kubernetes' own OpenAPI-derived JSON schemas shipped in
  kubernetes-validate (strict: unknown fields fail), for ``K8S_VERSION``;
- KEDA ``ScaledObject`` (a CRD, so not in those) — ``schemas/keda-scaledobject.schema.json``
  in this package, written from KEDA 2.x's CRD;
- ``deploy/prometheus/*.yml`` — structure, every PromQL expression parsed with promql-parser,
  ``for`` durations parsed, and every metric name known to the services' registries;
- ``deploy/grafana/ledgerbridge.json`` — panel ids and layout, and the same PromQL checks.

Then ``deploy_refs`` checks that names agree with the code: env vars, ports, images, groups.
"""

from __future__ import annotations

import importlib
import importlib.resources
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import promql_parser
import yaml

from ledgerbridge_ops import deploy_refs

K8S_VERSION = "1.30.0"
METRIC_MODULES = ("ledgerbridge_common.metrics", "posting_service.metrics", "webhook_ingest.metrics",
                  "sync_engine.metrics", "prefs_api.metrics")  # fmt: skip
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    with path.open() as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def _schema_errors(schema: dict[str, Any], doc: Any, where: str) -> list[str]:
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    return [
        f"{where}: {'/'.join(str(p) for p in err.absolute_path) or '<root>'}: {err.message}"
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def compose_schema() -> dict[str, Any]:
    ref = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return dict(json.loads(ref.read_text()))


def keda_schema() -> dict[str, Any]:
    ref = importlib.resources.files("ledgerbridge_ops") / "schemas" / "keda-scaledobject.schema.json"
    return dict(json.loads(ref.read_text()))


def check_compose(path: Path) -> list[str]:
    docs = load_yaml_docs(path)
    if len(docs) != 1:
        return [f"{path}: expected one YAML document, found {len(docs)}"]
    return _schema_errors(compose_schema(), docs[0], str(path))


def check_k8s(folder: Path) -> tuple[list[str], int]:
    errors: list[str] = []
    count = 0
    keda = keda_schema()
    for path in sorted(folder.glob("*.yaml")):
        for doc in load_yaml_docs(path):
            count += 1
            where = f"{path.name}:{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            if doc.get("apiVersion", "").startswith("keda.sh/"):
                errors += _schema_errors(keda, doc, where)
                continue
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                errors.append(f"{where}: {'/'.join(map(str, exc.path))}: {exc.message}")
            except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as exc:
                errors.append(f"{where}: no schema ({exc})")
    return errors, count


def known_metric_names() -> set[str]:
    """Sample names registered by the shared and the services' metric modules (that exist)."""
    from prometheus_client import REGISTRY

    for name in METRIC_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    return set(REGISTRY._names_to_collectors)


def promql_metrics(expr: str) -> set[str]:
    """Metric names selected by a PromQL expression; ValueError if it does not parse."""
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)
        elif isinstance(node, promql_parser.MatrixSelector) and node.vector_selector.name:
            names.add(node.vector_selector.name)
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return names


def check_expr(expr: str, where: str, known: set[str]) -> list[str]:
    try:
        names = promql_metrics(expr)
    except ValueError as exc:
        return [f"{where}: PromQL does not parse: {exc}"]
    unknown = sorted(n for n in names if n.startswith("ledgerbridge_") and n not in known)
    out = [f"{where}: unknown metric {n}" for n in unknown]
    if not names:
        out.append(f"{where}: selects no metric")
    return out


def check_prometheus(folder: Path, known: set[str]) -> tuple[list[str], int]:
    errors: list[str] = []
    for path in sorted(folder.glob("prometheus*.yml")):
        config = load_yaml_docs(path)[0]
        jobs = [job.get("job_name") for job in config.get("scrape_configs", [])]
        if not jobs or len(jobs) != len(set(jobs)) or None in jobs:
            errors.append(f"{path.name}: scrape_configs need unique job_name values")
        if "/etc/prometheus/alerts.yml" not in config.get("rule_files", []):
            errors.append(f"{path.name}: rule_files does not load alerts.yml")
    rules = load_yaml_docs(folder / "alerts.yml")[0]
    count = 0
    for group in rules.get("groups", []):
        if not group.get("name") or not group.get("rules"):
            errors.append(f"alerts.yml: a group needs a name and rules: {group}")
        for rule in group.get("rules", []):
            count += 1
            where = f"alerts.yml:{rule.get('alert') or rule.get('record')}"
            if not (rule.get("alert") or rule.get("record")) or not rule.get("expr"):
                errors.append(f"{where}: needs alert (or record) and expr")
                continue
            extra = set(rule) - {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
            if extra:
                errors.append(f"{where}: unknown keys {sorted(extra)}")
            errors += check_expr(str(rule["expr"]), where, known)
            if "for" in rule:
                try:
                    promql_parser.parse_duration(str(rule["for"]))
                except ValueError as exc:
                    errors.append(f"{where}: bad for: {exc}")
            if rule.get("alert") and not (rule.get("labels") or {}).get("severity"):
                errors.append(f"{where}: alerts carry a severity label")
            if rule.get("alert") and not (rule.get("annotations") or {}).get("summary"):
                errors.append(f"{where}: alerts carry a summary annotation")
    return errors, count


def grafana_expr(expr: str) -> str:
    for var, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(var, value)
    return re.sub(r"\$\{?\w+\}?", ".*", expr)


def check_grafana(path: Path, known: set[str]) -> tuple[list[str], int]:
    dash = json.loads(path.read_text())
    errors: list[str] = []
    ids = [p.get("id") for p in dash.get("panels", [])]
    if len(ids) != len(set(ids)):
        errors.append(f"{path.name}: panel ids are not unique")
    count = 0
    for panel in dash.get("panels", []):
        if "gridPos" not in panel:
            errors.append(f"{path.name}: panel {panel.get('title')} has no gridPos")
        for target in panel.get("targets", []):
            count += 1
            errors += check_expr(grafana_expr(target["expr"]), f"{path.name}:{panel.get('title')}", known)
    return errors, count


def run(root: Path) -> tuple[list[str], list[str]]:
    """All checks; returns (errors, summary lines)."""
    deploy = root / "deploy"
    known = known_metric_names()
    errors = check_compose(deploy / "compose.yml") + check_compose(deploy / "compose.host-ports.yml")
    summary = ["compose.yml, compose.host-ports.yml: compose-spec schema (check-jsonschema vendor)"]
    k8s_errors, k8s_docs = check_k8s(deploy / "k8s")
    errors += k8s_errors
    summary.append(f"k8s: {k8s_docs} documents (kubernetes-validate {K8S_VERSION} strict; KEDA schema)")
    prom_errors, rules = check_prometheus(deploy / "prometheus", known)
    errors += prom_errors
    summary.append(f"prometheus: {rules} rules parsed")
    graf_errors, queries = check_grafana(deploy / "grafana" / "ledgerbridge.json", known)
    errors += graf_errors
    summary.append(f"grafana: {queries} queries parsed")
    ref_errors, pending = deploy_refs.check_all(root)
    errors += ref_errors
    summary.append(f"names: env vars, ports, images, groups checked against the code; pending: {pending or 'none'}")
    return errors, summary


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root = Path(args[0]) if args else repo_root()
    errors, summary = run(root)
    for line in summary:
        print(line)  # noqa: T201
    for err in errors:
        print(f"ERROR {err}")  # noqa: T201
    print(f"deploy check: {'FAILED' if errors else 'ok'} ({len(errors)} errors)")  # noqa: T201
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
