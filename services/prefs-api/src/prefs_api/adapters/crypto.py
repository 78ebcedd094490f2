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
from pydantic import SecretStr

from ledgerbridge_common.prefs_client import BillcomCredentials, QboCredentials


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

    def seal(self, billcom: BillcomCredentials | None, qbo: QboCredentials | None) -> bytes:
        data = {
            "billcom": billcom.model_dump(mode="json") if billcom else None,
            "qbo": qbo.model_dump(mode="json") if qbo else None,
        }
        return self._fernet.encrypt(json.dumps(data).encode())

    def open(self, token: bytes | None) -> tuple[BillcomCredentials | None, QboCredentials | None]:
        if not token:
            return None, None
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise CredentialsError("stored credentials cannot be decrypted with any configured key") from exc
        billcom = BillcomCredentials.model_validate(data["billcom"]) if data.get("billcom") else None
        qbo = QboCredentials.model_validate(data["qbo"]) if data.get("qbo") else None
        return billcom, qbo

    def sign(self, payload: dict[str, str]) -> str:
        """A tamper-proof, time-stamped token (OAuth ``state``)."""
        return self._fernet.encrypt(json.dumps(payload).encode()).decode()

    def verify(self, token: str, ttl_seconds: int) -> dict[str, str] | None:
        try:
            return dict(json.loads(self._fernet.decrypt(token.encode(), ttl=ttl_seconds)))
        except (InvalidToken, ValueError):
            return None
