"""A tiny stand-in for prefs-api's internal API: one QBO connection, its preferences, and the
rotated tokens posting saves back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI, HTTPException


class PrefsStub:
    def __init__(self) -> None:
        self.connections: dict[str, dict[str, Any]] = {}
        self.preferences: dict[str, dict[str, Any]] = {}
        self.saved_tokens: list[dict[str, Any]] = []

    def add_qbo_connection(
        self,
        connection_id: str,
        realm_id: str,
        tokens: dict[str, Any],
        *,
        client_id: str,
        client_secret: str,
        preferences: dict[str, Any] | None = None,
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        self.connections[connection_id] = {
            "connection_id": connection_id,
            "tenant_id": "tenant-1",
            "name": "Test connection",
            "status": "active",
            "billcom_org_id": "org-1",
            "ledger_kind": "quickbooks_online",
            "ledger_company_id": realm_id,
            "qbo": {
                "client_id": client_id,
                "client_secret": client_secret,
                "tokens": {
                    "access_token": tokens["access_token"],
                    "refresh_token": tokens["refresh_token"],
                    "access_expires_at": (now + dt.timedelta(seconds=int(tokens["expires_in"]))).isoformat(),
                },
            },
        }
        self.preferences[connection_id] = {
            "connection_id": connection_id,
            "version": 1,
            "ledger_kind": "quickbooks_online",
            "ready": True,
            **(preferences or {}),
        }

    def app(self) -> FastAPI:
        app = FastAPI()

        def connection(connection_id: str) -> dict[str, Any]:
            if connection_id not in self.connections:
                raise HTTPException(404)
            return self.connections[connection_id]

        @app.get("/internal/v1/connections/{connection_id}")
        async def get_connection(connection_id: str) -> dict[str, Any]:
            return connection(connection_id)

        @app.get("/internal/v1/connections/{connection_id}/preferences")
        async def get_preferences(connection_id: str) -> dict[str, Any]:
            connection(connection_id)
            return self.preferences[connection_id]

        @app.put("/internal/v1/connections/{connection_id}/qbo-tokens")
        async def put_tokens(connection_id: str, body: dict[str, Any]) -> dict[str, Any]:
            connection(connection_id)["qbo"]["tokens"] = body
            self.saved_tokens.append(body)
            return {"ok": True}

        return app
