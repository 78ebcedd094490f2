"""Verifying the client assertion of the OAuth 2.0 client credentials (M2M) grant (reference §1.2,
O:section_162755359851, O:section_162790605110): a JWS signed PS256/384/512 or ES256/384/512 with the
certificate registered under ``kid``, ``iss`` = client id, ``scope`` with ``rest_webservices``,
``aud`` = the token URL, and ``exp`` at most 60 minutes after ``iat``."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
MAX_LIFETIME = 3600
CLOCK_SKEW = 60


class AssertionRejected(Exception):
    """The assertion is malformed, badly signed or its claims do not hold."""


def b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_signature(alg: str, key_pem: str, signing_input: bytes, sig: bytes) -> None:
    key = serialization.load_pem_public_key(key_pem.encode())
    digest = HASHES.get(alg[2:])
    if digest is None:
        raise AssertionRejected(f"unsupported alg {alg}")
    try:
        if alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(digest()), salt_length=digest().digest_size)
            key.verify(sig, signing_input, pss, digest())
        elif alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(sig) // 2
            der = encode_dss_signature(int.from_bytes(sig[:half], "big"), int.from_bytes(sig[half:], "big"))
            key.verify(der, signing_input, ec.ECDSA(digest()))
        else:
            raise AssertionRejected(f"alg {alg} does not fit the registered key")
    except InvalidSignature as exc:
        raise AssertionRejected("bad signature") from exc


def verify_assertion(token: str, *, client_id: str, certificates: dict[str, str], token_url: str) -> dict[str, Any]:
    """Answer the claims of a valid assertion; raise :class:`AssertionRejected` otherwise."""
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(b64url(head_b64))
        claims = json.loads(b64url(claims_b64))
        sig = b64url(sig_b64)
    except ValueError as exc:
        raise AssertionRejected("malformed assertion") from exc
    alg, kid = str(header.get("alg", "")), header.get("kid")
    if alg[:2] not in ("PS", "ES") or kid not in certificates:
        raise AssertionRejected("unknown certificate or alg")
    verify_signature(alg, certificates[kid], f"{head_b64}.{claims_b64}".encode(), sig)
    scope = claims.get("scope")
    scopes = scope if isinstance(scope, list) else str(scope or "").replace(",", " ").split()
    now = time.time()
    try:
        iat, exp = float(claims["iat"]), float(claims["exp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AssertionRejected("iat and exp are required") from exc
    if claims.get("iss") != client_id or "rest_webservices" not in scopes or claims.get("aud") != token_url:
        raise AssertionRejected("iss, scope or aud do not match")
    if iat > now + CLOCK_SKEW or exp <= now or exp - iat > MAX_LIFETIME:
        raise AssertionRejected("expired or too long-lived")
    return dict(claims)
