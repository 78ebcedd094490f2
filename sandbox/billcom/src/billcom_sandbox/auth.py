"""``/v3/login``, ``/v3/logout``, ``/v3/login/session`` and the MFA trust flow: ``/v3/mfa/challenge``,
``/v3/mfa/challenge/validate`` (``rememberMe`` -> a ``rememberMeId`` trusted for 30 days) and
``/v3/mfa/step-up``; a login with ``rememberMeId`` + ``device`` of a remembered device is trusted."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import BAD_CREDENTIALS, BAD_DEVKEY, HOURLY_LIMIT, BillError
from billcom_sandbox.gate import THROTTLE_STATUS
from billcom_sandbox.resources import json_body
from billcom_sandbox.store import MfaChallenge, RememberedDevice, Session, Store

Doc = dict[str, Any]


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/login")
    async def login(request: Request) -> Doc:
        body = await json_body(request) or {}
        dev_key = str(body.get("devKey", ""))
        if not store.known_dev_key(dev_key):
            raise BillError(401, *BAD_DEVKEY)
        if not store.take_hourly(store.login_hourly, dev_key, store.settings.login_hourly_limit):
            code, message, category = HOURLY_LIMIT
            raise BillError(THROTTLE_STATUS, code, message.format(limit=store.settings.login_hourly_limit), category)
        org = store.orgs.get(str(body.get("organizationId", "")))
        if org is not None and not store.signs_in(dev_key, org):
            raise BillError(401, *BAD_DEVKEY)
        if (
            org is None
            or body.get("username") != org.username
            or body.get("password") != org.password
            or body.get("organizationId") != org.id
        ):
            raise BillError(401, *BAD_CREDENTIALS)
        session = Session(
            id=secrets.token_hex(24),
            org_id=org.id,
            dev_key=dev_key,
            user_id=org.user_id,
            last_used=store.clock.now(),
            trusted=_remembered(store, org.id, body.get("rememberMeId"), body.get("device")),
        )
        store.sessions[session.id] = session
        store.counters.logins += 1
        return {"organizationId": org.id, "sessionId": session.id, "trusted": session.trusted, "userId": org.user_id}

    @api.post("/v3/mfa/challenge")
    async def challenge(request: Request) -> Doc:
        session: Session = request.state.session
        found = MfaChallenge(id=secrets.token_hex(12), session_id=session.id, token=f"{secrets.randbelow(10**6):06d}")
        store.mfa_challenges[found.id] = found
        return {"challengeId": found.id}

    @api.post("/v3/mfa/challenge/validate")
    async def validate(request: Request) -> Doc:
        session: Session = request.state.session
        body = await json_body(request) or {}
        found = store.mfa_challenges.get(str(body.get("challengeId", "")))
        if found is None or found.session_id != session.id or str(body.get("token", "")) != found.token:
            raise BillError.invalid("MFA challenge or token is not valid")
        del store.mfa_challenges[found.id]
        session.trusted = True
        if body.get("rememberMe") is not True:
            return {}
        if not body.get("device"):
            raise BillError.invalid("device is required with rememberMe")
        remembered = RememberedDevice(
            id=secrets.token_hex(16),
            org_id=session.org_id,
            user_id=session.user_id,
            device=str(body["device"]),
            expires=store.clock.now() + dt.timedelta(days=store.settings.mfa_remember_days),
        )
        store.remembered[remembered.id] = remembered
        return {"rememberMeId": remembered.id}

    @api.post("/v3/mfa/step-up")
    async def step_up(request: Request) -> Doc:
        session: Session = request.state.session
        body = await json_body(request) or {}
        if not _remembered(store, session.org_id, body.get("rememberMeId"), body.get("device")):
            raise BillError.invalid("rememberMeId and device are not a trusted MFA device")
        session.trusted = True
        return {"trusted": True}

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
            "mfaStatus": "TRUSTED" if session.trusted else "NOT_TRUSTED",
            "mfaBypass": False,
        }

    return api


def _remembered(store: Store, org_id: str, remember_me_id: Any, device: Any) -> bool:
    found = store.remembered.get(str(remember_me_id or ""))
    return bool(
        found is not None and found.org_id == org_id and found.device == device and store.clock.now() < found.expires
    )
