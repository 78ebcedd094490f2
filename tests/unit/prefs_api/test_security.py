"""Credentials at rest, API keys, settings refusing placeholders, the OAuth exchange."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from ledgerbridge_common.canonical.models import Account
from ledgerbridge_common.prefs_client import BillcomCredentials, QboCredentials
from prefs_api.adapters.crypto import CredentialCipher, CredentialsError
from prefs_api.adapters.qbo_oauth import QboOAuth
from prefs_api.adapters.vendors import ChartOfAccounts
from prefs_api.domain.access import Principal, Scope, hash_secret, key_id_of, new_key
from prefs_api.problems import ProblemError
from prefs_api.settings import Settings


def test_credentials_round_trip_and_are_opaque_at_rest() -> None:
    cipher = CredentialCipher(Fernet.generate_key().decode())
    billcom = BillcomCredentials(username="u", password="pa55-word", organization_id="o", dev_key="d")
    qbo = QboCredentials(client_id="c", client_secret="client-secret-xyz")
    sealed = cipher.seal(billcom, qbo)
    assert b"pa55-word" not in sealed and b"client-secret-xyz" not in sealed
    assert cipher.open(sealed) == (billcom, qbo)
    with pytest.raises(CredentialsError):
        CredentialCipher(Fernet.generate_key().decode()).open(sealed)


def test_signed_state_expires_and_resists_tampering() -> None:
    cipher = CredentialCipher(Fernet.generate_key().decode())
    state = cipher.sign({"connection_id": "c1", "tenant_id": "t"})
    assert cipher.verify(state, 60) == {"connection_id": "c1", "tenant_id": "t"}
    assert cipher.verify(state[:-4] + "AAAA", 60) is None


def test_keys_are_random_hashed_and_scoped() -> None:
    key_id, key = new_key()
    assert key_id_of(key) == key_id and key.startswith("lbk_")
    assert hash_secret(key) != key and len(hash_secret(key)) == 64
    assert key_id_of("not-a-key") is None
    writer = Principal("k", "t1", frozenset({Scope.WRITE}), frozenset({"c1"}))
    assert writer.has(Scope.READ) and writer.has(Scope.WRITE) and not writer.has(Scope.ADMIN)
    assert writer.sees("t1", "c1") and not writer.sees("t1", "c2") and not writer.sees("t2", "c1")


@pytest.mark.parametrize("key", ["changethis", "", "not-a-fernet-key"])
def test_settings_refuse_a_placeholder_credentials_key(key: str) -> None:
    with pytest.raises(ValidationError):
        Settings(prefs_credentials_key=key)


def test_settings_refuse_short_or_placeholder_secrets() -> None:
    with pytest.raises(ValidationError):
        Settings(internal_token="changeme")
    with pytest.raises(ValidationError):
        Settings(prefs_bootstrap_admin_key="short")
    assert Settings(internal_token="x" * 32).http_port == 18010


async def test_oauth_exchanges_the_code_at_the_token_endpoint() -> None:
    seen: list[httpx.Request] = []

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {
            "access_token": "at",
            "refresh_token": "rt",
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8726400,
        }
        return httpx.Response(200, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(token_endpoint)) as http:
        oauth = QboOAuth(
            http,
            oauth_url="http://qbo.test",
            authorize_url="http://qbo.test/connect/oauth2",
            redirect_uri="http://cb",
        )
        tokens = await oauth.exchange("client", "secret", "the-code", "9130")
        url = oauth.authorize_url("client", "st")
    assert str(seen[0].url) == "http://qbo.test/oauth2/v1/tokens/bearer"
    assert b"code=the-code" in seen[0].content and seen[0].headers["authorization"].startswith("Basic ")
    assert tokens.refresh_token.get_secret_value() == "rt" and tokens.access_expires_at > dt.datetime.now(dt.UTC)
    assert url.startswith("http://qbo.test/connect/oauth2?") and "state=st" in url


async def test_a_refused_code_is_a_problem_not_a_crash() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(400, json={"error": "invalid_grant"}))
    async with httpx.AsyncClient(transport=transport) as http:
        oauth = QboOAuth(http, oauth_url="http://qbo.test", authorize_url="http://a", redirect_uri="http://cb")
        with pytest.raises(ProblemError) as err:
            await oauth.exchange("client", "secret", "bad", "9130")
    assert err.value.status == 400


async def test_chart_of_accounts_is_cached_for_its_ttl() -> None:
    from ledgerbridge_common.events.models import LedgerKind
    from ledgerbridge_common.prefs_client import ConnectionInfo

    class Ledger:
        calls = 0

        async def list_accounts(self) -> list[Account]:
            Ledger.calls += 1
            return [Account(id="1", name="Checking", account_type="Bank")]

    now = [0.0]
    chart = ChartOfAccounts(lambda c: Ledger(), ttl=60, clock=lambda: now[0])  # type: ignore[arg-type]
    info = ConnectionInfo(
        connection_id="c",
        tenant_id="t",
        name="n",
        status="active",
        billcom_org_id="o",
        ledger_kind=LedgerKind.QUICKBOOKS_ONLINE,
        ledger_company_id="1",
    )
    await chart.get(info)
    await chart.get(info)
    now[0] = 61
    assert "1" in await chart.get(info)
    assert Ledger.calls == 2
