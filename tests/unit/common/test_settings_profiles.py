"""LB_PROFILE picks the vendor hosts; outside the sandbox profile a service refuses to start with
a sandbox URL, an unset or weak secret, or the demo database, naming the setting."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from ledgerbridge_common.profiles import ENDPOINTS, SOURCES, Profile, VendorEndpoints
from ledgerbridge_common.secret_rules import is_sandbox_url, weak_secret_reason
from ledgerbridge_common.settings import SANDBOX_INTERNAL_TOKEN, ConnectedServiceSettings
from prefs_api.settings import Settings as PrefsSettings
from sync_engine.settings import Settings as EngineSettings

TOKEN = secrets.token_hex(32)
DATABASE = {"url": "postgresql+asyncpg://lb:pw@db.internal:5432/ledgerbridge"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("LB_")]:
        monkeypatch.delenv(name)


def refusal(**kwargs: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        EngineSettings(**kwargs)
    return str(caught.value)


def test_the_sandbox_profile_is_the_default_and_points_at_the_simulators() -> None:
    settings = EngineSettings()
    assert settings.profile is Profile.SANDBOX
    assert settings.qbo_base_url == "http://127.0.0.1:18081"
    assert settings.billcom_base_url == "http://127.0.0.1:18082/connect"
    assert settings.internal_token.get_secret_value() == SANDBOX_INTERNAL_TOKEN


@pytest.mark.parametrize(
    ("profile", "qbo", "billcom"),
    [
        ("production", "https://quickbooks.api.intuit.com", "https://gateway.prod.bill.com/connect"),
        ("development", "https://sandbox-quickbooks.api.intuit.com", "https://gateway.stage.bill.com/connect"),
    ],
)
def test_a_real_profile_fills_in_the_vendor_hosts(profile: str, qbo: str, billcom: str) -> None:
    settings = EngineSettings(profile=profile, internal_token=TOKEN, database=DATABASE)
    assert (settings.qbo_base_url, settings.billcom_base_url) == (qbo, billcom)
    assert settings.qbo_oauth_url == "https://oauth.platform.intuit.com"
    assert settings.intacct_url == "https://api.intacct.com/ia/xml/xmlgw.phtml"


def test_each_url_stays_overridable_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LB_PROFILE", "production")
    monkeypatch.setenv("LB_INTERNAL_TOKEN", TOKEN)
    monkeypatch.setenv("LB_DATABASE__URL", DATABASE["url"])
    monkeypatch.setenv("LB_BILLCOM_BASE_URL", "https://bill-proxy.acme.example/connect")
    settings = EngineSettings()
    assert settings.billcom_base_url == "https://bill-proxy.acme.example/connect"
    assert settings.qbo_base_url == "https://quickbooks.api.intuit.com"


def test_outside_the_sandbox_a_local_vendor_url_is_refused_by_name() -> None:
    message = refusal(
        profile="production", internal_token=TOKEN, database=DATABASE, qbo_base_url="http://127.0.0.1:18081"
    )
    assert "LB_QBO_BASE_URL=http://127.0.0.1:18081 is a local or sandbox URL" in message


def test_outside_the_sandbox_the_internal_token_and_database_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LB_PROFILE", "production")
    message = refusal()
    assert "LB_INTERNAL_TOKEN is not set" in message
    assert "LB_DATABASE__URL is not set" in message


@pytest.mark.parametrize(
    "token",
    [
        "compose-internal-token-change-me",
        SANDBOX_INTERNAL_TOKEN,
        "local-internal-token-change-me-in-prod",
        secrets.token_hex(15),  # 30 characters
        "a" * 40,
        "lb0123456789abcdefghijklmnopqrstuvwxyz",
    ],
    ids=["compose-placeholder", "sandbox-token", "local-placeholder", "30-hex", "one-letter", "alphabet"],
)
def test_outside_the_sandbox_a_weak_internal_token_is_refused(token: str) -> None:
    message = refusal(profile="production", internal_token=token, database=DATABASE)
    assert "LB_INTERNAL_TOKEN" in message and "openssl rand -hex 32" in message
    assert token not in message


@pytest.mark.parametrize("password", ["ledgerbridge", "changeme", "password"])
def test_outside_the_sandbox_the_demo_database_password_is_refused(password: str) -> None:
    url = f"postgresql+asyncpg://ledgerbridge:{password}@postgres:5432/ledgerbridge"
    message = refusal(profile="production", internal_token=TOKEN, database={"url": url})
    assert "LB_DATABASE__URL has the demo's or a placeholder password" in message


def test_the_refusal_never_echoes_the_input() -> None:
    message = refusal(profile="production", internal_token="x" * 40, database=DATABASE)
    assert "x" * 40 not in message and "pw@db" not in message


def test_a_secret_is_hidden_in_repr() -> None:
    settings = EngineSettings(profile="production", internal_token=TOKEN, database=DATABASE)
    assert TOKEN not in repr(settings) and "pw@db" not in repr(settings)


def test_prefs_api_needs_its_credentials_key_and_an_https_callback_outside_the_sandbox() -> None:
    with pytest.raises(ValidationError) as caught:
        PrefsSettings(profile="production", internal_token=TOKEN, database=DATABASE)
    message = str(caught.value)
    assert "LB_PREFS_CREDENTIALS_KEY is not set" in message
    assert "LB_QBO_REDIRECT_URI=http://127.0.0.1:18010/v1/oauth/qbo/callback is a local or sandbox URL" in message
    settings = PrefsSettings(
        profile="production",
        internal_token=TOKEN,
        database=DATABASE,
        prefs_credentials_key=Fernet.generate_key().decode(),
        qbo_redirect_uri="https://ledgerbridge.acme.example/v1/oauth/qbo/callback",
    )
    assert settings.authorize_url == "https://appcenter.intuit.com/connect/oauth2"


def test_prefs_api_refuses_a_weak_bootstrap_admin_key_outside_the_sandbox() -> None:
    with pytest.raises(ValidationError, match="LB_PREFS_BOOTSTRAP_ADMIN_KEY"):
        PrefsSettings(
            profile="production",
            internal_token=TOKEN,
            database=DATABASE,
            prefs_credentials_key=Fernet.generate_key().decode(),
            prefs_bootstrap_admin_key="lb_demo_admin_key_0123456789abcdef",
            qbo_redirect_uri="https://ledgerbridge.acme.example/v1/oauth/qbo/callback",
        )


@pytest.mark.parametrize(
    ("value", "weak"),
    [
        (secrets.token_hex(32), False),
        (secrets.token_hex(16), False),
        ("changeme-" + secrets.token_hex(16), True),
        ("<your token here>" + secrets.token_hex(16), True),
        (secrets.token_hex(15), True),
        ("abababababababababababababababababab", True),
    ],
    ids=["64-hex", "32-hex", "changeme-prefix", "placeholder-prefix", "30-hex", "repeating"],
)
def test_weak_secret_rules(value: str, weak: bool) -> None:
    assert (weak_secret_reason(value) is not None) is weak


@pytest.mark.parametrize(
    ("url", "sandbox"),
    [
        ("https://quickbooks.api.intuit.com", False),
        ("https://gateway.prod.bill.com/connect", False),
        ("http://quickbooks.api.intuit.com", True),
        ("https://127.0.0.1:18081", True),
        ("https://localhost/x", True),
        ("https://10.0.0.5/connect", True),
        ("http://qbo-sandbox:18081", True),
        ("https://billcom-sandbox/connect", True),
    ],
)
def test_sandbox_urls(url: str, sandbox: bool) -> None:
    assert is_sandbox_url(url) is sandbox


def test_every_real_host_has_a_source_and_no_real_profile_points_at_a_simulator() -> None:
    for profile in (Profile.DEVELOPMENT, Profile.PRODUCTION):
        for name, url in vars(ENDPOINTS[profile]).items():
            assert SOURCES[name].startswith("../shared/reference/")
            assert not is_sandbox_url(url.replace("{account}", "123456")), (profile, name)
    assert set(SOURCES) == set(VendorEndpoints.__dataclass_fields__)
    assert ConnectedServiceSettings().profile is Profile.SANDBOX


@pytest.mark.timeout(60)
@pytest.mark.parametrize("package", ["prefs_api", "sync_engine"])  # ingest and posting share the engine's base
def test_a_service_refuses_to_start_naming_the_setting(package: str) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LB_")},
        "LB_PROFILE": "production",
        "LB_QBO_BASE_URL": "http://127.0.0.1:18081",
        "LB_INTERNAL_TOKEN": "compose-internal-token-change-me",
        "LB_HTTP_PORT": "1",  # never reached: a start would fail to bind
    }
    started = subprocess.run([sys.executable, "-m", package], capture_output=True, text=True, timeout=50, env=env)
    assert started.returncode != 0
    assert "refusing to start with LB_PROFILE=production" in started.stderr
    assert "LB_QBO_BASE_URL=http://127.0.0.1:18081 is a local or sandbox URL" in started.stderr
    assert "LB_INTERNAL_TOKEN looks like a placeholder" in started.stderr
    assert "compose-internal-token-change-me" not in started.stderr
