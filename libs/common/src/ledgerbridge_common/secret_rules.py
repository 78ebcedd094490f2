"""What a deployment outside the ``sandbox`` profile refuses: placeholder or short secrets and
URLs that point at the local simulators.

A shared secret must be at least ``MIN_SECRET_LENGTH`` characters that look random:
``openssl rand -hex 32`` (64 characters) or ``python -c 'import secrets;
print(secrets.token_urlsafe(32))'`` (43 characters) pass; ``compose-internal-token-change-me``,
``dev-internal-token`` or 40 times ``a`` do not.
"""

from __future__ import annotations

import ipaddress
import itertools
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 10
PLACEHOLDER_WORDS = (
    "change",
    "placeholder",
    "example",
    "secret",
    "password",
    "internal-token",
    "insecure",
    "default",
    "sample",
    "dummy",
    "local",
    "<",
)
SANDBOX_HOSTS = frozenset({"localhost", "qbo-sandbox", "billcom-sandbox", "intacct-sandbox", "netsuite-sandbox"})


def is_placeholder(value: str) -> bool:
    """Empty, or containing a word people put in a value meant to be replaced."""
    lowered = value.strip().lower()
    return not lowered or any(word in lowered for word in PLACEHOLDER_WORDS)


def weak_secret_reason(value: str) -> str | None:
    """Why ``value`` is not acceptable as a shared secret outside the sandbox, or None."""
    if is_placeholder(value):
        return "looks like a placeholder"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is {len(value)} characters long (at least {MIN_SECRET_LENGTH} random characters are required)"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS or _has_run(value):
        return "does not look random"
    return None


def _has_run(value: str, length: int = 8) -> bool:
    """A run like ``12345678`` or ``abcdefgh``: typed by hand, not drawn at random."""
    steps = 0
    for previous, current in itertools.pairwise(value):
        steps = steps + 1 if ord(current) - ord(previous) == 1 else 0
        if steps >= length - 1:
            return True
    return False


def is_sandbox_url(url: str) -> bool:
    """A URL of the local simulators: loopback or private-network host, a sandbox service name,
    or plain http (every real vendor host is https)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host in SANDBOX_HOSTS or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local
