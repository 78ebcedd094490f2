"""Credentials at rest: Fernet-encrypted JSON. Never logged, never returned by the public API.

Key rotation (``MultiFernet``): the current key seals, every configured key opens. After a new key
is deployed with the old ones listed as previous keys, ``reseal`` (``python -m prefs_api
reseal-credentials`` or ``ledgerbridge credentials reseal``) seals every row with the new key;
then the old keys can be dropped."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr, TypeAdapter

from ledgerbridge_common.prefs_client import BillcomCredentials, LedgerCredentials, QboCredentials

_LEDGER: TypeAdapter[LedgerCredentials] = TypeAdapter(LedgerCredentials)


class CredentialsError(RuntimeError):
    pass


def key_text(key: str | SecretStr) -> str:
    """A configured key as text, whether the setting holds it plain or as ``SecretStr``."""
    return key if isinstance(key, str) else key.get_secret_value()


class CredentialCipher:
    def __init__(self, key: str, previous_keys: Sequence[str] = ()) -> None:
        self._current = Fernet(key.encode())
        self._fernet = MultiFernet([self._current, *(Fernet(k.encode()) for k in previous_keys)])

    def is_current(self, token: bytes) -> bool:
        """True when ``token`` was sealed with the current key."""
        try:
            self._current.decrypt(token)
        except InvalidToken:
            return False
        return True

    def reseal(self, token: bytes) -> bytes:
        """The same sealed content, sealed with the current key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise CredentialsError("stored credentials cannot be decrypted with any configured key") from exc

    def seal(self, billcom: BillcomCredentials | None, ledger: LedgerCredentials | None) -> bytes:
        """Both credentials as one token; the ledger's carry their ``kind``."""
        data = {
            "billcom": billcom.model_dump(mode="json") if billcom else None,
            "ledger": ledger.model_dump(mode="json") if ledger else None,
        }
        return self._fernet.encrypt(json.dumps(data).encode())

    def open_ledger(self, token: bytes | None) -> tuple[BillcomCredentials | None, LedgerCredentials | None]:
        """The BILL credentials and the ledger's, whichever ledger they are for (a token holding
        ``qbo`` instead of ``ledger`` holds QBO credentials)."""
        if not token:
            return None, None
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise CredentialsError("stored credentials cannot be decrypted with any configured key") from exc
        billcom = BillcomCredentials.model_validate(data["billcom"]) if data.get("billcom") else None
        ledger: LedgerCredentials | None = None
        if data.get("ledger"):
            ledger = _LEDGER.validate_python(data["ledger"])
        elif data.get("qbo"):
            ledger = QboCredentials.model_validate(data["qbo"])
        return billcom, ledger

    def open(self, token: bytes | None) -> tuple[BillcomCredentials | None, QboCredentials | None]:
        """The BILL credentials and the ledger's when the ledger is QuickBooks Online."""
        billcom, ledger = self.open_ledger(token)
        return billcom, ledger if isinstance(ledger, QboCredentials) else None

    def sign(self, payload: dict[str, str]) -> str:
        """A tamper-proof, time-stamped token (OAuth ``state``)."""
        return self._fernet.encrypt(json.dumps(payload).encode()).decode()

    def verify(self, token: str, ttl_seconds: int) -> dict[str, str] | None:
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode(), ttl=ttl_seconds)))
        except (InvalidToken, ValueError):
            return None
