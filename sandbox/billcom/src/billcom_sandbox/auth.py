"""``/v3/login``, ``/v3/logout`` and ``/v3/login/session``."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import BAD_CREDENTIALS, BAD_DEVKEY, BillError
from billcom_sandbox.resources import json_body
from billcom_sandbox.store import Session, Store

Doc = dict[str, Any]


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/login")
    async def login(request: Request) -> Doc:
        body = await json_body(request) or {}
        org = store.org_by_dev_key(str(body.get("devKey", "")))
        if org is None:
            raise BillError(401, *BAD_DEVKEY)
        if not store.take_hourly(store.login_hourly, org.dev_key, store.settings.login_hourly_limit):
            raise BillError(400, "BDC_1144", "Max number of allowed logins per hour reached.")
        if (
            body.get("username") != org.username
            or body.get("password") != org.password
            or body.get("organizationId") != org.id
        ):
            raise BillError(401, *BAD_CREDENTIALS)
        session = Session(
            id=secrets.token_hex(24),
            org_id=org.id,
            dev_key=org.dev_key,
            user_id=org.user_id,
            last_used=store.clock.now(),
        )
        store.sessions[session.id] = session
        store.counters.logins += 1
        return {"organizationId": org.id, "sessionId": session.id, "trusted": False, "userId": org.user_id}

    @api.post("/v3/logout")
    async def logout(request: Request) -> Doc:
        store.sessions.pop(request.state.session.id, None)
        return {}

    @api.get("/v3/login/session")
    async def session_info(request: Request) -> Doc:
        session: Session = request.state.session
        return {
            "organizationId": session.org_id,
            "userId": session.user_id,
            "mfaStatus": "NOT_TRUSTED",
            "mfaBypass": False,
        }

    return api
