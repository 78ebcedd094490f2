"""A connection's lifecycle, owned by the product:

- **connect BILL's webhooks**: create the BILL webhook subscription (the shared event-type list
  ``ledgerbridge_common.connectors.billcom.subscriptions.EVENT_TYPES``) posting to
  ``{LB_WEBHOOK_PUBLIC_URL}/webhooks/billcom/{id}``; its security key (shown once by BILL) is
  sealed into the connection's credentials with the subscription id. Never twice: a connection
  that has a subscription keeps it.
- **rotate the key**: BILL issues a new security key; it replaces the sealed one.
- **disconnect**: status ``disconnected`` first (posting parks every command of the connection
  from then on, ``posting_service/lifecycle.py``, and the engine every change published after the
  answer, ``sync_engine/domain/plans.park_disconnected``; the sweeper reads only active connections;
  webhook-ingest takes no more deliveries for it), then the BILL subscription is removed and the
  QBO refresh token revoked at Intuit (the tokens are dropped from the sealed credentials).
- **reconnect** (after QuickBooks is connected again through OAuth): status ``active``, BILL's
  webhooks again, ``PreferencesChanged`` (posting releases the parked commands) and a catch-up
  ``SyncRequested`` (the sweeper resumes from its watermarks).

Each step is a sync-log ``action`` row naming the API key."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import BaseModel

from ledgerbridge_common.errors import ConnectorError, NotFoundError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import SyncRequested
from ledgerbridge_common.prefs_client import BillcomCredentials, ConnectionInfo, LedgerCredentials, QboCredentials
from prefs_api.adapters import error_actions as actions
from prefs_api.adapters import repository as repo
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.billcom_webhooks import ensure_subscription, subscriptions_of
from prefs_api.handlers.connections import publish_prefs_changed, to_info, visible_connection
from prefs_api.handlers.sync import publish
from prefs_api.problems import ProblemError
from prefs_api.schemas import LifecycleOut

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
ACTIVE, DISCONNECTED = "active", "disconnected"


def _conflict(title: str, detail: str) -> ProblemError:
    return ProblemError(409, title, detail, kind="conflict")


async def _state(services: Services, principal: Principal, connection_id: str) -> ConnectionInfo:
    async with services.sessions() as session:
        return to_info(await visible_connection(session, principal, connection_id), services.cipher)


async def _save(
    services: Services, connection_id: str, billcom: BillcomCredentials | None, ledger: LedgerCredentials | None
) -> None:
    """Seal both credentials again: ``ledger`` is the connection's own, whichever ledger it is for."""
    async with services.sessions.begin() as session:
        await repo.get_connection(session, connection_id, lock=True)
        await repo.update_connection(session, connection_id, credentials=services.cipher.seal(billcom, ledger))


async def _log(services: Services, principal: Principal, connection_id: str, action: str, reason: str) -> None:
    async with services.sessions.begin() as session:
        actor = await actions.actor_name(session, principal.key_id)
        await actions.record_action(
            session,
            connection_id=connection_id,
            source_ref=f"connection:{connection_id}",
            object_type="connection",
            action=action,
            actor=actor,
            reason=f"{reason} (by {actor})",
        )


def _with(model: M, **changes: Any) -> M:
    """A validated copy (secrets stay ``SecretStr``)."""
    return type(model).model_validate({**model.model_dump(mode="json"), **changes})


def _qbo(info: ConnectionInfo) -> QboCredentials | None:
    return info.ledger if isinstance(info.ledger, QboCredentials) else None


async def subscribe_billcom(services: Services, principal: Principal, connection_id: str) -> LifecycleOut:
    """Create the BILL webhook subscription unless the connection has one (``billcom_webhooks``)."""
    await _state(services, principal, connection_id)  # visible to this key
    info, sub_id, made = await ensure_subscription(services, connection_id)
    if made:
        await _log(services, principal, connection_id, "billcom_subscribe", f"BILL webhooks subscribed ({sub_id})")
    return LifecycleOut(connection_id=connection_id, status=info.status, subscription_id=sub_id)


async def rotate_billcom_key(services: Services, principal: Principal, connection_id: str) -> LifecycleOut:
    info = await _state(services, principal, connection_id)
    creds = info.billcom
    if creds is None or not creds.webhook_subscription_id:
        raise _conflict("No BILL subscription", "Connect BILL's webhooks first")
    try:
        key = await subscriptions_of(services, info).rotate_security_key(creds.webhook_subscription_id)
    except ConnectorError as exc:
        raise vendor_unavailable("BILL", exc) from exc
    await _save(services, connection_id, _with(creds, webhook_security_key=key), info.ledger)
    await _log(services, principal, connection_id, "billcom_rotate_key", "BILL webhook security key rotated")
    return LifecycleOut(connection_id=connection_id, status=info.status, subscription_id=creds.webhook_subscription_id)


async def disconnect(services: Services, principal: Principal, connection_id: str) -> LifecycleOut:
    async with services.sessions.begin() as session:
        row = await visible_connection(session, principal, connection_id, lock=True)
        if row["status"] == DISCONNECTED:
            raise _conflict("Already disconnected", "Reconnect it first")
        await repo.update_connection(session, connection_id, status=DISCONNECTED)
    await _caches_dropped(services, connection_id)
    info = await _state(services, principal, connection_id)
    notes: list[str] = []
    billcom, qbo = info.billcom, _qbo(info)
    removed = revoked = False
    if billcom is not None and billcom.webhook_subscription_id:
        removed = await _remove_subscription(services, info, billcom.webhook_subscription_id, notes)
        if removed:
            billcom = _with(billcom, webhook_subscription_id=None, webhook_security_key=None)
    ledger = info.ledger
    if qbo is not None and qbo.tokens is not None:
        revoked = await _revoke(services, qbo, notes)
        ledger = _with(qbo, tokens=None)  # unusable now, or to be replaced by a new consent
    await _save(services, connection_id, billcom, ledger)
    summary = f"Disconnected: BILL webhooks {'removed' if removed else 'not removed'}, QBO token "
    await _log(services, principal, connection_id, "disconnect", summary + ("revoked" if revoked else "not revoked"))
    return LifecycleOut(
        connection_id=connection_id, status=DISCONNECTED, webhook_removed=removed, token_revoked=revoked, notes=notes
    )


async def _remove_subscription(services: Services, info: ConnectionInfo, sub_id: str, notes: list[str]) -> bool:
    try:
        await subscriptions_of(services, info).delete_subscription(sub_id)
    except NotFoundError:
        notes.append(f"BILL subscription {sub_id} was already gone")
    except (ConnectorError, ProblemError) as exc:
        notes.append(f"BILL subscription {sub_id} not removed: {exc}; remove it in BILL or retry the disconnect")
        return False
    return True


async def _revoke(services: Services, qbo: QboCredentials, notes: list[str]) -> bool:
    assert qbo.tokens is not None
    client = services.oauth.client(qbo.client_id, qbo.client_secret.get_secret_value())
    try:
        await client.revoke(qbo.tokens.refresh_token.get_secret_value())
    except ConnectorError as exc:
        notes.append(f"QBO refresh token not revoked: {exc.message}; revoke the app in QuickBooks")
        return False
    return True


async def reconnect(services: Services, principal: Principal, connection_id: str) -> LifecycleOut:
    info = await _state(services, principal, connection_id)
    if info.status != DISCONNECTED:
        raise _conflict("Not disconnected", f"The connection is {info.status}")
    qbo = _qbo(info)
    if qbo is not None and qbo.tokens is None:
        raise _conflict(
            "Connect QuickBooks again first",
            f"Its tokens were revoked: GET /v1/connections/{connection_id}/qbo/authorize, then reconnect",
        )
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id, lock=True)
        await repo.update_connection(session, connection_id, status=ACTIVE)
    notes: list[str] = []
    sub_id = None
    if services.settings.webhook_public_url and info.billcom is not None:
        sub_id = (await subscribe_billcom(services, principal, connection_id)).subscription_id
    else:
        notes.append("BILL webhooks not subscribed (no LB_WEBHOOK_PUBLIC_URL or no BILL credentials)")
    await _caches_dropped(services, connection_id)
    catch_up = Envelope.wrap(SyncRequested(trigger="catch_up"), connection_id=connection_id)
    await publish(services, services.settings.kafka.topics.prefs, [catch_up])
    await _log(services, principal, connection_id, "reconnect", "Reconnected: parked work released, catch-up sweep")
    return LifecycleOut(connection_id=connection_id, status=ACTIVE, subscription_id=sub_id, notes=notes)


async def _caches_dropped(services: Services, connection_id: str) -> None:
    """The status is saved: a Kafka outage here must not stop the rest of the disconnect or
    reconnect (the services read the state again after their cache bound)."""
    async with services.sessions() as session:
        current = await repo.current_version(session, connection_id)
    await publish_prefs_changed(services, connection_id, int(current["version"]) if current else 0, in_force=True)
