"""Connections: create, read, update, disable; credentials sealed at rest."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import LedgerKind, PreferencesChanged
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.prefs_client import (
    BillcomCredentials,
    ConnectionInfo,
    IntacctCredentials,
    LedgerCredentials,
    NetSuiteCredentials,
    QboCredentials,
    WebhookSecret,
)
from prefs_api.adapters import repository as repo
from prefs_api.adapters.crypto import CredentialCipher, CredentialsError
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.billcom_webhook import carried_over
from prefs_api.domain.first_sync import first_of_month
from prefs_api.handlers.ledger_login import (
    block_for,
    check_login,
    login_in,
    refuse_other_ledgers,
    refuse_unchecked_company_change,
    same_company,
)
from prefs_api.problems import ProblemError, not_found
from prefs_api.schemas import (
    ConnectionCreate,
    ConnectionOut,
    ConnectionUpdate,
    CredentialsSummary,
    QboCredentialsIn,
)

log = logging.getLogger(__name__)


def to_info(row: RowMapping, cipher: CredentialCipher) -> ConnectionInfo:
    billcom, ledger = cipher.open_ledger(row["credentials"])
    return ConnectionInfo(
        connection_id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        status=row["status"],
        billcom_org_id=row["billcom_org_id"],
        ledger_kind=LedgerKind(row["ledger_kind"]),
        ledger_company_id=row["ledger_company_id"] or "",
        billcom=billcom,
        ledger=ledger,
    )


def readable_infos(rows: Sequence[RowMapping], cipher: CredentialCipher) -> list[ConnectionInfo]:
    """Connections whose credentials decrypt; the others are logged (by id) and left out."""
    out = []
    for row in rows:
        try:
            out.append(to_info(row, cipher))
        except CredentialsError:
            log.error("credentials of connection %s cannot be decrypted with the configured key", row["id"])
    return out


def to_public(row: RowMapping, cipher: CredentialCipher) -> ConnectionOut:
    billcom, ledger = cipher.open_ledger(row["credentials"])
    qbo = ledger if isinstance(ledger, QboCredentials) else None
    intacct = ledger if isinstance(ledger, IntacctCredentials) else None
    netsuite = ledger if isinstance(ledger, NetSuiteCredentials) else None
    tokens = qbo.tokens if qbo else None
    return ConnectionOut(
        id=row["id"],
        tenant_id=row["tenant_id"],
        name=row["name"],
        status=row["status"],
        billcom_org_id=row["billcom_org_id"],
        ledger_kind=LedgerKind(row["ledger_kind"]),
        ledger_company_id=row["ledger_company_id"] or None,
        credentials=CredentialsSummary(
            billcom_login=billcom is not None,
            billcom_webhook_security_key=bool(billcom and billcom.webhook_security_key),
            billcom_webhook_subscription_id=billcom.webhook_subscription_id if billcom else None,
            qbo_client=qbo is not None,
            qbo_tokens=tokens is not None,
            qbo_access_expires_at=tokens.access_expires_at if tokens else None,
            qbo_webhook_verifier_token=bool(qbo and qbo.webhook_verifier_token),
            intacct_login=intacct is not None,
            intacct_entity_id=intacct.entity_id if intacct else None,
            netsuite_tba=netsuite is not None and netsuite.tba,
            netsuite_oauth2=netsuite is not None and netsuite.oauth2 is not None,
            netsuite_subsidiary_id=netsuite.subsidiary_id if netsuite else None,
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def visible_connection(
    session: AsyncSession, principal: Principal, connection_id: str, *, lock: bool = False
) -> RowMapping:
    """The connection if this key may see it; 404 otherwise (never 403: no existence leak)."""
    row = await repo.get_connection(session, connection_id, lock=lock)
    if row is None or not principal.sees(row["tenant_id"], row["id"]):
        raise not_found()
    return row


async def list_visible(session: AsyncSession, principal: Principal, status: str | None) -> list[RowMapping]:
    rows = await repo.list_connections(
        session, tenant_id=principal.tenant_id, ids=principal.connection_ids, status=status
    )
    return list(rows)


def _merge_qbo(new: QboCredentialsIn | None, old: QboCredentials | None) -> QboCredentials | None:
    if new is None:
        return old
    tokens = new.tokens.stored() if new.tokens else (old.tokens if old else None)
    return QboCredentials(
        client_id=new.client_id,
        client_secret=new.client_secret,
        tokens=tokens,
        webhook_verifier_token=new.webhook_verifier_token,
    )


async def publish_prefs_changed(
    services: Services, connection_id: str, version: int, *, in_force: bool = False, required: bool = False
) -> None:
    """After the commit, so a consumer that re-reads sees the new version: ``PreferencesChanged``
    on the prefs topic (every service drops its cached copy) and, ``in_force``, on the changes
    topic too, which is keyed by connection: the engine decides every change published after this
    answer with the new version. A record Kafka does not take is logged (the version is saved and
    caches expire on their own TTL), except with ``required`` (an ignore, a link: the caller may
    repeat it) the changes-topic record, which is a 503 asking to retry."""
    env = Envelope.wrap(PreferencesChanged(version=version), connection_id=connection_id)
    topics = services.settings.kafka.topics
    for topic in (topics.prefs, topics.changes) if in_force else (topics.prefs,):
        try:
            await services.publisher.publish(topic, env, key=connection_id)
        except Exception as exc:
            if required and topic == topics.changes:
                raise ProblemError(
                    503, "Kafka unavailable", "Saved, but not yet in force for new changes; retry", kind="unavailable"
                ) from exc
            log.exception("PreferencesChanged not published on %s for version %s", topic, version)


def scoped_id(tenant_id: str, chosen: str) -> str:
    """A chosen id lives in its tenant's own namespace (``<chosen>-<8 hex of the tenant>``), so
    whether it is taken says nothing about other tenants."""
    return f"{chosen}-{hashlib.sha256(tenant_id.encode()).hexdigest()[:8]}"


def initial_preferences(body: ConnectionCreate, now: dt.datetime) -> PreferenceValues:
    """A new connection's first version: its start date (default the first day of the month) and
    whether the first sync waits for the bookkeeper to start it from its preview."""
    return PreferenceValues(
        start_date=body.start_date or first_of_month(now.date()),
        first_sync_started=body.first_sync == "immediately",
    )


async def create_connection(services: Services, principal: Principal, body: ConnectionCreate) -> ConnectionOut:
    if principal.connection_ids is not None:
        raise ProblemError(403, "Forbidden", "A key bound to connections cannot create one", kind="forbidden")
    connection_id = scoped_id(principal.tenant_id, body.id) if body.id else f"conn-{uuid.uuid4().hex[:12]}"
    refuse_other_ledgers(body.ledger_kind, body)
    billcom = body.billcom.stored() if body.billcom else None
    ledger: LedgerCredentials | None = _merge_qbo(body.qbo, None)
    company_id = body.ledger_company_id or ""
    login = login_in(body, body.ledger_kind)
    if login is not None:
        ledger, company_id = login[0], same_company(body.ledger_company_id, login[1], body.ledger_kind)
        await check_login(services, _pending(connection_id, principal, body, company_id, billcom, ledger))
    now = dt.datetime.now(dt.UTC)
    async with services.sessions.begin() as session:
        if await repo.get_connection(session, connection_id) is not None:
            raise ProblemError(409, "Conflict", f"Connection id '{connection_id}' is taken", kind="conflict")
        await repo.insert_connection(
            session,
            id=connection_id,
            tenant_id=principal.tenant_id,
            name=body.name,
            status="active",
            billcom_org_id=body.billcom_org_id,
            ledger_kind=body.ledger_kind.value,
            ledger_company_id=company_id,
            credentials=services.cipher.seal(billcom, ledger),
            created_at=now,
            updated_at=now,
        )
        await repo.insert_version(session, connection_id, 1, initial_preferences(body, now), [], principal.key_id)
        row = await repo.get_connection(session, connection_id)
    assert row is not None
    await publish_prefs_changed(services, connection_id, 1)
    return to_public(row, services.cipher)


async def update_connection(
    services: Services, principal: Principal, connection_id: str, body: ConnectionUpdate
) -> ConnectionOut:
    async with services.sessions() as session:
        current = await visible_connection(session, principal, connection_id)
    kind = LedgerKind(current["ledger_kind"])
    refuse_other_ledgers(kind, body)
    login = login_in(body, kind)
    if login is None:
        refuse_unchecked_company_change(kind, current["ledger_company_id"] or "", body)
    else:
        company_id = same_company(body.ledger_company_id, login[1], kind)
        info = to_info(current, services.cipher).model_copy(
            update={"ledger_company_id": company_id, "ledger": login[0]}
        )
        await check_login(services, info)
    async with services.sessions.begin() as session:
        row = await visible_connection(session, principal, connection_id, lock=True)
        values: dict[str, object] = {
            k: v
            for k, v in body.model_dump(include={"name", "billcom_org_id", "ledger_company_id"}).items()
            if v is not None
        }
        own = block_for(kind)  # another ledger's block can only be null here (else 409 above)
        changed = body.model_fields_set & {"billcom", own or "billcom"}
        if changed:
            billcom, ledger = services.cipher.open_ledger(row["credentials"])
            if "billcom" in changed:
                billcom = carried_over(body.billcom.stored() if body.billcom else None, billcom)
            if own == "qbo" and "qbo" in changed:
                old = ledger if isinstance(ledger, QboCredentials) else None
                ledger = _merge_qbo(body.qbo, old) if body.qbo else None
            elif login is not None:
                ledger, values["ledger_company_id"] = login[0], login[1]
            elif own in changed:  # an explicit null forgets the login
                ledger = None
            values["credentials"] = services.cipher.seal(billcom, ledger)
        if values:
            await repo.update_connection(session, connection_id, **values)
        row = await visible_connection(session, principal, connection_id)
    services.chart.drop(connection_id)
    services.lists.drop(connection_id)
    return to_public(row, services.cipher)


def _pending(
    connection_id: str,
    principal: Principal,
    body: ConnectionCreate,
    company_id: str,
    billcom: BillcomCredentials | None,
    ledger: LedgerCredentials,
) -> ConnectionInfo:
    """The connection about to be created, as the connector factory reads one."""
    return ConnectionInfo(
        connection_id=connection_id,
        tenant_id=principal.tenant_id,
        name=body.name,
        status="active",
        billcom_org_id=body.billcom_org_id,
        ledger_kind=body.ledger_kind,
        ledger_company_id=company_id,
        billcom=billcom,
        ledger=ledger,
    )


async def set_status(services: Services, principal: Principal, connection_id: str, status: str) -> ConnectionOut:
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id, lock=True)
        await repo.update_connection(session, connection_id, status=status)
        row = await visible_connection(session, principal, connection_id)
    return to_public(row, services.cipher)


async def webhook_secrets(services: Services, vendor: str) -> list[WebhookSecret]:
    async with services.sessions() as session:
        rows = await repo.list_connections(session, status="active")
    out = []
    for info in readable_infos(rows, services.cipher):
        if vendor == "qbo" and info.qbo and info.qbo.webhook_verifier_token:
            out.append(
                WebhookSecret(
                    connection_id=info.connection_id,
                    vendor="qbo",
                    company_id=info.ledger_company_id,
                    secret=info.qbo.webhook_verifier_token,
                )
            )
        elif vendor == "billcom" and info.billcom and info.billcom.webhook_security_key:
            out.append(
                WebhookSecret(
                    connection_id=info.connection_id,
                    vendor="billcom",
                    company_id=info.billcom_org_id,
                    secret=info.billcom.webhook_security_key,
                )
            )
    return out
