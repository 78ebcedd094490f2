"""Webhook signatures: base64(HMAC-SHA256(key, raw body)) for QBO (``intuit-signature``) and BILL
(``x-bill-sha-signature``), compared in constant time on the raw bytes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterable

Verifier = Callable[[bytes, str | None, str], bool]


def sign(secret: str, raw_body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode("ascii")


def _decode(header: str) -> bytes | None:
    try:
        return base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def verify(raw_body: bytes, header: str | None, secret: str) -> bool:
    """True when ``header`` is the base64 HMAC-SHA256 of ``raw_body`` under ``secret``."""
    if not header or not secret:
        return False
    given = _decode(header)
    if given is None:
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)


def matching_secrets(
    raw_body: bytes, header: str | None, secrets: Iterable[str], verifier: Verifier = verify
) -> set[str]:
    """The secrets under which the signature is valid (several during a rotation)."""
    return {secret for secret in set(secrets) if verifier(raw_body, header, secret)}
