"""API keys: who is calling, which tenant, which scopes, which connections."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}
KEY_PREFIX = "lbk"


@dataclass(frozen=True)
class Principal:
    key_id: str
    tenant_id: str
    scopes: frozenset[Scope]
    connection_ids: frozenset[str] | None = None
    """None = every connection of the tenant."""

    def has(self, scope: Scope) -> bool:
        """Scopes nest: admin ⊇ write ⊇ read."""
        return any(_RANK[s] >= _RANK[scope] for s in self.scopes)

    def sees(self, tenant_id: str, connection_id: str) -> bool:
        if tenant_id != self.tenant_id:
            return False
        return self.connection_ids is None or connection_id in self.connection_ids


def hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """(key id, the full key shown once: ``lbk_<id>_<secret>``)."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    return parts[1]
