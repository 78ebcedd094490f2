"""deploy/ passes its schema checks (compose spec, Kubernetes, KEDA, PromQL), and each check
really catches the mistake it is for (a broken copy of deploy/ fails with the right message)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from ledgerbridge_ops import deploy_check

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def clean_run() -> tuple[list[str], list[str]]:
    return deploy_check.run(ROOT)


def test_deploy_files_pass_every_check(clean_run):
    errors, summary = clean_run
    assert errors == []
    assert any("compose-spec" in line for line in summary)
    assert any("documents" in line and "strict" in line for line in summary)


def test_module_entry_point_exit_code(capsys):
    assert deploy_check.main([str(ROOT)]) == 0
    assert "deploy check: ok" in capsys.readouterr().out


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of deploy/ (with the service Dockerfile) to break."""
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy", ignore=shutil.ignore_patterns("local"))
    return tmp_path


def edit_yaml(path: Path, change, *, index: int = 0) -> None:
    docs = list(yaml.safe_load_all(path.read_text()))
    change(docs[index])
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def errors_of(root: Path) -> list[str]:
    errors, _ = deploy_check.run(root)
    return errors


def test_compose_schema_catches_a_wrong_key(broken):
    edit_yaml(broken / "deploy/compose.yml", lambda d: d["services"]["posting"].update(restart_policy="always"))
    assert any("compose.yml" in e and "restart_policy" in e for e in errors_of(broken))


def test_kubernetes_schema_catches_a_typo(broken):
    def typo(doc):
        doc["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/x"

    edit_yaml(broken / "deploy/k8s/posting.yaml", typo)
    assert any("posting.yaml:Deployment/posting" in e and "paht" in e for e in errors_of(broken))


def test_keda_schema_wants_string_metadata(broken):
    def numeric(doc):
        doc["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 50

    edit_yaml(broken / "deploy/k8s/keda.yaml", numeric, index=1)
    assert any("ScaledObject/posting" in e and "lagThreshold" in e for e in errors_of(broken))


def test_env_var_that_no_settings_field_reads(broken):
    edit_yaml(
        broken / "deploy/compose.yml",
        lambda d: d["services"]["sync-engine"]["environment"].update(LB_KAFKA__BOOTSTRAP_SERVER="kafka:9092"),
    )

    def k8s(doc):
        doc["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": "LB_PREFS_URLS", "value": "x"})

    edit_yaml(broken / "deploy/k8s/posting.yaml", k8s)
    errors = errors_of(broken)
    assert any("compose sync-engine" in e and "LB_KAFKA__BOOTSTRAP_SERVER " in e for e in errors)
    assert any("k8s posting" in e and "LB_PREFS_URLS" in e for e in errors)


def test_wrong_port_group_and_image(broken):
    def port(doc):
        doc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 8080

    edit_yaml(broken / "deploy/k8s/sync-engine.yaml", port)
    edit_yaml(
        broken / "deploy/k8s/keda.yaml",
        lambda d: d["spec"]["triggers"][0]["metadata"].update(consumerGroup="x"),
    )
    edit_yaml(broken / "deploy/compose.yml", lambda d: d["services"]["posting"].update(image="posting:dev"))
    errors = errors_of(broken)
    assert any("k8s sync-engine" in e and "containerPort" in e for e in errors)
    assert any("consumerGroup x" in e for e in errors)
    assert any("compose posting: image posting" in e for e in errors)


def test_alert_rules_are_parsed(broken):
    def bad(doc):
        doc["groups"][0]["rules"][0]["expr"] = "max by (group (ledgerbridge_consumer_lag_seconds) > 1"
        doc["groups"][1]["rules"][0]["expr"] = "increase(ledgerbridge_dead_letter_total[5m]) > 0"

    edit_yaml(broken / "deploy/prometheus/alerts.yml", bad)
    errors = errors_of(broken)
    assert any("LedgerBridgeConsumerLagHigh" in e and "does not parse" in e for e in errors)
    assert any("unknown metric ledgerbridge_dead_letter_total" in e for e in errors)


def test_dashboard_queries_are_parsed(broken):
    path = broken / "deploy/grafana/ledgerbridge.json"
    dash = json.loads(path.read_text())
    panel = next(p for p in dash["panels"] if p.get("targets"))
    panel["targets"][0]["expr"] = "rate(ledgerbridge_nope_total[$__rate_interval])"
    path.write_text(json.dumps(dash))
    assert any("unknown metric ledgerbridge_nope_total" in e for e in errors_of(broken))


def test_service_image_arguments_must_match_the_service(broken):
    def build_args(doc):
        doc["services"]["posting"]["build"]["args"].update(MODULE="sync_engine", PORT="8080")
        del doc["services"]["webhook-ingest"]["build"]["args"]["PACKAGE"]

    edit_yaml(broken / "deploy/compose.yml", build_args)
    errors = errors_of(broken)
    assert any("compose posting: build.args.MODULE" in e for e in errors)
    assert any("compose posting: build.args.PORT" in e for e in errors)
    assert any("compose webhook-ingest: build.args.PACKAGE" in e for e in errors)
