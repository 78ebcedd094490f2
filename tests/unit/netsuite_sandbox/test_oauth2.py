"""OAuth 2.0: authorization code with PKCE (S256) and the client credentials grant with a PS256 or
ES256 JWT assertion (signed here with joserfc, an independent JOSE library)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tests.unit.netsuite_sandbox.conftest import BASE, Sandbox
from tests.unit.netsuite_sandbox.test_auth import Bearer, assert_invalid_login

REDIRECT = "http://127.0.0.1/callback"


def token_url(account: dict[str, Any]) -> str:
    return f"{BASE}{account['path_prefix']}/auth/oauth2/v1/token"


async def authorize(sandbox: Sandbox, account: dict[str, Any], challenge: str, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": account["oauth2"]["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "rest_webservices",
        "state": "s-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    response = await sandbox.http.get(f"/{account['host_slug']}/app/login/oauth2/authorize.nl", params=params)
    assert response.status_code == 302
    location = urlparse(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


async def test_authorization_code_with_pkce(sandbox: Sandbox, account: dict[str, Any]) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    callback = await authorize(sandbox, account, challenge)
    assert callback["state"] == "s-1"
    client = (account["oauth2"]["client_id"], account["oauth2"]["client_secret"])
    form = {"grant_type": "authorization_code", "code": callback["code"], "redirect_uri": REDIRECT}
    wrong = await sandbox.http.post(token_url(account), data={**form, "code_verifier": "nope"}, auth=client)
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant"}
    callback = await authorize(sandbox, account, challenge)
    form["code"] = callback["code"]
    good = await sandbox.http.post(token_url(account), data={**form, "code_verifier": verifier}, auth=client)
    assert good.status_code == 200, good.text
    tokens = good.json()
    assert tokens["expires_in"] == 3600 and tokens["refresh_token"]
    reused = await sandbox.http.post(token_url(account), data={**form, "code_verifier": verifier}, auth=client)
    assert reused.status_code == 400
    async with sandbox.client(account, Bearer(tokens["access_token"])) as ns:
        assert (await ns.get("/record/v1/vendor")).status_code == 200


async def test_authorize_refuses_plain_pkce_and_missing_scope(sandbox: Sandbox, account: dict[str, Any]) -> None:
    assert (await authorize(sandbox, account, "x", code_challenge_method="plain"))["error"] == "invalid_request"
    assert (await authorize(sandbox, account, "x", scope="restlets"))["error"] == "invalid_scope"
    unknown = await sandbox.http.get(
        f"/{account['host_slug']}/app/login/oauth2/authorize.nl",
        params={"client_id": account["oauth2"]["client_id"], "redirect_uri": "https://evil.example/cb"},
    )
    assert unknown.status_code == 400


def assertion(account: dict[str, Any], key: Any, alg: str, kid: str, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": account["oauth2"]["client_id"],
        "scope": ["rest_webservices"],
        "aud": token_url(account),
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode({"alg": alg, "kid": kid, "typ": "JWT"}, body, key, algorithms=[alg])


@pytest.mark.parametrize(
    ("alg", "make_key"), [("PS256", lambda: RSAKey.generate_key(2048)), ("ES256", lambda: ECKey.generate_key("P-256"))]
)
async def test_client_credentials_with_a_jwt_assertion(
    sandbox: Sandbox, account: dict[str, Any], alg: str, make_key: Any
) -> None:
    key = make_key()
    registered = await sandbox.http.post(
        f"/_sandbox/accounts/{account['account_id']}/oauth2/certificates",
        json={"public_key_pem": key.as_pem(private=False).decode()},
    )
    kid = registered.json()["certificate_id"]

    async def grant(token: str) -> httpx.Response:
        return await sandbox.http.post(
            token_url(account),
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": token,
            },
        )

    good = await grant(assertion(account, key, alg, kid))
    assert good.status_code == 200, good.text
    assert "refresh_token" not in good.json()
    async with sandbox.client(account, Bearer(good.json()["access_token"])) as ns:
        assert (await ns.get("/record/v1/vendor")).status_code == 200
    other_key = make_key()
    now = int(time.time())
    for bad in (
        assertion(account, other_key, alg, kid),  # signed by a key not registered under kid
        assertion(account, key, alg, kid, aud="https://elsewhere/token"),
        assertion(account, key, alg, kid, scope=["restlets"]),
        assertion(account, key, alg, kid, exp=now + 7200),  # more than 60 minutes
        assertion(account, key, alg, kid, exp=now - 10),
    ):
        response = await grant(bad)
        assert response.status_code == 400 and response.json() == {"error": "invalid_grant"}


async def test_bearer_of_a_revoked_or_unknown_token(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account, Bearer("not-a-token")) as ns:
        assert_invalid_login(await ns.get("/record/v1/vendor"))
