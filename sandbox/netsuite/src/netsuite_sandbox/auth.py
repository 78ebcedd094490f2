"""Token-Based Authentication (OAuth 1.0a, HMAC-SHA256) and OAuth 2.0 bearer tokens (reference §1.2).

TBA: the signature base string is RFC 5849 §3.4.1 over the method, the URL the client used and every
parameter (query parameters plus every ``oauth_*`` parameter of the header except ``oauth_signature``
and ``realm``, ``oauth_body_hash`` included). The realm must be the account id in ``123456_SB1`` form.
Built on oauthlib's RFC 5849 functions; the signature is compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from types import SimpleNamespace

from oauthlib.oauth1.rfc5849 import signature, utils

from netsuite_sandbox.account import Account
from netsuite_sandbox.errors import invalid_login

FORM = "application/x-www-form-urlencoded"


@dataclass
class AccessToken:
    account_id: str
    client_id: str
    expires_at: float


@dataclass
class RefreshToken:
    account_id: str
    client_id: str


class TokenAuthority:
    """OAuth 2.0 access and refresh tokens of every account."""

    def __init__(self, access_seconds: int) -> None:
        self.access_seconds = access_seconds
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}

    def issue(self, account_id: str, client_id: str, expires_in: int | None = None) -> dict[str, object]:
        lifetime = expires_in if expires_in is not None else self.access_seconds
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access[access] = AccessToken(account_id, client_id, time.time() + lifetime)
        self.refresh[refresh] = RefreshToken(account_id, client_id)
        return {"access_token": access, "refresh_token": refresh, "expires_in": lifetime, "token_type": "Bearer"}

    def check(self, token: str, account: Account) -> None:
        grant = self.access.get(token)
        if grant is None or grant.expires_at <= time.time() or grant.account_id != account.account_id:
            raise invalid_login(account.account_id)


def verify_tba(
    account: Account,
    *,
    method: str,
    url: str,
    query: str,
    header: str,
    content_type: str,
    body: bytes,
    tolerance_seconds: int,
) -> None:
    """Raise 401 INVALID_LOGIN unless ``header`` is a valid TBA signature of this request."""
    failure = invalid_login(account.account_id)
    try:
        params = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
    except (ValueError, IndexError) as exc:
        raise failure from exc
    if params.get("realm") != account.account_id:
        raise failure
    if params.get("oauth_signature_method") != "HMAC-SHA256" or params.get("oauth_version", "1.0") != "1.0":
        raise failure  # HMAC-SHA1 ended with 2023.1 (O:section_1534941088)
    consumer_key = params.get("oauth_consumer_key", "")
    token = account.tokens.get(params.get("oauth_token", ""))
    consumer_secret = account.consumers.get(consumer_key)
    if token is None or token.revoked or consumer_secret is None or token.consumer_key != consumer_key:
        raise failure
    try:
        stamp = int(params.get("oauth_timestamp", ""))
    except ValueError as exc:
        raise failure from exc
    nonce = params.get("oauth_nonce", "")
    now = time.time()
    if not nonce or abs(now - stamp) > tolerance_seconds:
        raise failure
    if "oauth_body_hash" in params:
        expected_hash = base64.b64encode(hashlib.sha1(body).digest()).decode()  # noqa: S324 - RFC body hash
        if not hmac.compare_digest(expected_hash, params["oauth_body_hash"]):
            raise failure
    form_body = body.decode() if FORM in content_type and body else None
    try:
        collected = signature.collect_parameters(uri_query=query, body=form_body, headers={"Authorization": header})
    except ValueError as exc:
        raise failure from exc
    base = signature.signature_base_string(
        method.upper(), signature.base_string_uri(url), signature.normalize_parameters(collected)
    )
    secrets_of = SimpleNamespace(client_secret=consumer_secret, resource_owner_secret=token.token_secret)
    expected = signature.sign_hmac_sha256_with_client(base, secrets_of)
    if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
        raise failure
    seen_key = (consumer_key, nonce)
    for key, at in list(account.nonces.items()):
        if now - at > tolerance_seconds:
            del account.nonces[key]
    if seen_key in account.nonces:
        raise failure
    account.nonces[seen_key] = now


def authenticate(account: Account, tokens: TokenAuthority, header: str, verify: VerifyArgs) -> str:
    """Check the ``Authorization`` header; answer ``"tba"`` or ``"oauth2"``."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "oauth":
        verify_tba(account, header=header, **verify.__dict__)
        return "tba"
    if scheme.lower() == "bearer" and rest.strip():
        tokens.check(rest.strip(), account)
        return "oauth2"
    raise invalid_login(account.account_id)


@dataclass
class VerifyArgs:
    method: str
    url: str
    query: str
    content_type: str
    body: bytes
    tolerance_seconds: int
