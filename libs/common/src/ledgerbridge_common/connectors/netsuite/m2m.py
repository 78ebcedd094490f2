"""NetSuite OAuth 2.0 client credentials, machine to machine (reference netsuite-api.md §1.2,
O:section_162755359851, O:section_162790605110): an access token is asked for at the token endpoint
with ``grant_type=client_credentials`` and a JWT assertion signed PS256 with the private key of the
certificate registered for the integration record (header ``kid`` = the certificate id; claims
``iss`` = client id, ``scope`` = ``rest_webservices``, ``aud`` = the token URL, ``exp`` = ``iat`` +
at most 60 minutes). The token is kept until NetSuite refuses it (401), then asked for once more;
there is no refresh token. Signed with ``joserfc``."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from ledgerbridge_common.errors import AuthRevokedError, RetryableError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 300
"""The assertion's lifetime (NetSuite accepts up to 60 minutes; it is used at once)."""


@dataclass(frozen=True)
class M2MCredentials:
    """The integration record's client id and the private key (PEM) of the certificate registered
    for it; ``certificate_id`` is the JWT ``kid``."""

    account_id: str
    client_id: str
    certificate_id: str
    private_key_pem: str


def assertion(creds: M2MCredentials, token_url: str, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    header = {"alg": "PS256", "typ": "JWT", "kid": creds.certificate_id}
    claims = {
        "iss": creds.client_id,
        "scope": ["rest_webservices"],
        "aud": token_url,
        "iat": issued,
        "exp": issued + ASSERTION_SECONDS,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(header, claims, RSAKey.import_key(creds.private_key_pem), algorithms=["PS256"])


class ClientCredentialsAuth(httpx.Auth):
    """``Authorization: Bearer`` with a token from the client credentials grant; on a 401 one new
    token and one retry."""

    def __init__(self, creds: M2MCredentials, http: httpx.AsyncClient, token_url: str, *, timeout: float) -> None:
        self.creds = creds
        self.http = http
        self.token_url = token_url
        self.timeout = timeout
        self.token: str | None = None
        self._lock = asyncio.Lock()

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sent = self.token or await self._new_token(None)
        request.headers["Authorization"] = f"Bearer {sent}"
        response = yield request
        if response.status_code != 401:
            return
        request.headers["Authorization"] = f"Bearer {await self._new_token(sent)}"
        yield request

    async def _new_token(self, refused: str | None) -> str:
        async with self._lock:
            if self.token is not None and self.token != refused:  # another request got one meanwhile
                return self.token
            form = {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion(self.creds, self.token_url),
            }
            try:
                response = await self.http.post(self.token_url, data=form, timeout=self.timeout)
            except httpx.HTTPError as exc:
                raise RetryableError(f"NetSuite token request failed: {exc}", vendor="netsuite", code="token") from exc
            if response.status_code >= 500:
                raise RetryableError("NetSuite token request failed", vendor="netsuite", code=str(response.status_code))
            if response.status_code != 200:
                error = str(response.json().get("error", response.status_code)) if response.content else "refused"
                raise AuthRevokedError(
                    f"NetSuite refused the client credentials: {error}", vendor="netsuite", code=error
                )
            self.token = str(response.json()["access_token"])
            return self.token
