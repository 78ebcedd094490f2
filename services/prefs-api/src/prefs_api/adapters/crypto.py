"""Credentials at rest: Fernet-encrypted JSON. Never logged, never returned by the public API."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from ledgerbridge_common.prefs_client import BillcomCredentials, QboCredentials


class CredentialsError(RuntimeError):
    pass


class CredentialCipher:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

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
            raise CredentialsError("stored credentials cannot be decrypted with the configured key") from exc
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
