"""Webhook handlers: verify the signature on the raw bytes first, then parse, route and produce.

Answers: 401 bad or missing signature (no side effect); 503 when Kafka (or, before verification,
prefs-api) is unavailable, so the vendor retries; otherwise 200, also for a well-signed delivery
that cannot be read (it is dead-lettered: QBO re-sends whole batches on a 400)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

from ledgerbridge_common.connectors.billcom.webhooks import verify_billcom_signature
from ledgerbridge_common.errors import ConnectorError
from ledgerbridge_common.events.models import Side
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import WebhookSecret
from webhook_ingest.adapters.deliveries import DeliveryStore
from webhook_ingest.adapters.publisher import PublishUnavailableError
from webhook_ingest.adapters.secrets import WebhookSecretCache
from webhook_ingest.handlers.produce import Publisher, Routed, dead_letter, produce_changes
from webhook_ingest.metrics import IGNORED, SIGNATURE_FAILURES
from webhook_ingest.parsing.billcom import parse_billcom_delivery
from webhook_ingest.parsing.common import ParsedDelivery, UnparseableDeliveryError
from webhook_ingest.parsing.qbo import parse_qbo_delivery
from webhook_ingest.signature import Verifier, matching_secrets, verify

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookResult:
    status: int
    body: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    raw: bytes
    signature: str | None
    received_at: dt.datetime
    headers: dict[str, str] = field(default_factory=dict)


UNAVAILABLE = WebhookResult(503, {"error": "temporarily unavailable, retry"})
UNAUTHORIZED = WebhookResult(401, {"error": "invalid signature"})


async def _verified(
    vendor: str,
    delivery: Delivery,
    secrets: WebhookSecretCache,
    connection_id: str | None = None,
    verifier: Verifier = verify,
) -> list[WebhookSecret] | WebhookResult:
    """The secrets (connections) under which the signature is valid, or the answer to give."""

    def candidates(all_secrets: list[WebhookSecret]) -> list[WebhookSecret]:
        return [s for s in all_secrets if connection_id is None or s.connection_id == connection_id]

    try:
        known = candidates(await secrets.get(vendor))
        valid = matching_secrets(
            delivery.raw, delivery.signature, (s.secret.get_secret_value() for s in known), verifier
        )
        if not valid and delivery.signature:
            refreshed = await secrets.refresh_on_miss(vendor)  # a rotation we have not seen yet
            if refreshed is not None:
                known = candidates(refreshed)
                valid = matching_secrets(
                    delivery.raw, delivery.signature, (s.secret.get_secret_value() for s in known), verifier
                )
    except ConnectorError as exc:
        log.warning("webhook secrets unavailable: %s", exc)
        return UNAVAILABLE
    if not valid:
        SIGNATURE_FAILURES.labels(vendor).inc()
        log.warning("webhook signature refused", extra={"vendor": vendor, "has_header": bool(delivery.signature)})
        return UNAUTHORIZED
    return [s for s in known if s.secret.get_secret_value() in valid]


async def _produce(
    vendor: str,
    side: Side,
    delivery: Delivery,
    parsed: ParsedDelivery,
    routed: list[Routed],
    *,
    dlq_connection: str | None,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    try:
        produced = await produce_changes(
            routed,
            vendor=vendor,
            side=side,
            received_at=delivery.received_at,
            store=store,
            publisher=publisher,
            topics=topics,
        )
        rejects = [*parsed.rejects, *produced.rejects]
        if rejects:
            await dead_letter(
                delivery.raw,
                vendor=vendor,
                error="; ".join(rejects),
                connection_id=dlq_connection,
                headers=delivery.headers,
                publisher=publisher,
                topics=topics,
            )
    except PublishUnavailableError as exc:
        log.warning("Kafka unavailable, answering 503: %s", exc)
        return UNAVAILABLE
    return WebhookResult(200, {"produced": produced.count, "ignored": parsed.ignored, "rejected": len(rejects)})


async def _dead_letter_unreadable(
    vendor: str,
    delivery: Delivery,
    error: str,
    connection_id: str | None,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    try:
        await dead_letter(
            delivery.raw,
            vendor=vendor,
            error=error,
            connection_id=connection_id,
            headers=delivery.headers,
            publisher=publisher,
            topics=topics,
        )
    except PublishUnavailableError:
        return UNAVAILABLE
    return WebhookResult(200, {"produced": 0, "dead_lettered": True})


async def _never_failing(
    vendor: str,
    delivery: Delivery,
    handle: Awaitable[WebhookResult],
    connection_id: str | None,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    """The answer to a well-signed delivery: whatever its content, it is 200 once each event is
    produced or the body dead-lettered (503 only while Kafka cannot take either)."""
    try:
        return await handle
    except PublishUnavailableError:
        return UNAVAILABLE
    except Exception as exc:  # nothing in a well-signed body may fail its delivery
        log.exception("well-signed delivery could not be handled; dead-lettering it")
        return await _dead_letter_unreadable(
            vendor, delivery, f"unexpected {exc!r}"[:500], connection_id, publisher, topics
        )


async def handle_qbo_delivery(
    delivery: Delivery,
    *,
    secrets: WebhookSecretCache,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    """One QBO delivery: any number of realms and entities, legacy or CloudEvents."""
    verified = await _verified("qbo", delivery, secrets)
    if isinstance(verified, WebhookResult):
        return verified
    first = verified[0].connection_id if len(verified) == 1 else None
    handle = _qbo_verified(delivery, verified, first, store=store, publisher=publisher, topics=topics)
    return await _never_failing("qbo", delivery, handle, first, publisher, topics)


async def _qbo_verified(
    delivery: Delivery,
    verified: list[WebhookSecret],
    first: str | None,
    *,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    try:
        parsed = parse_qbo_delivery(delivery.raw, received_at=delivery.received_at)
    except UnparseableDeliveryError as exc:
        return await _dead_letter_unreadable("qbo", delivery, str(exc), first, publisher, topics)
    routed: list[Routed] = []
    for change in parsed.changes:
        targets = [s.connection_id for s in verified if s.company_id == change.company_id]
        if not targets:
            IGNORED.labels("qbo", "unknown_realm").inc()
            log.warning(
                "QBO event for a realm with no connection under this verifier token",
                extra={"realm": change.company_id, "dedupe_key": change.dedupe_key},
            )
        routed.extend(Routed(target, change) for target in dict.fromkeys(targets))
    return await _produce(
        "qbo",
        Side.LEDGER,
        delivery,
        parsed,
        routed,
        dlq_connection=first,
        store=store,
        publisher=publisher,
        topics=topics,
    )


async def handle_billcom_delivery(
    connection_id: str,
    delivery: Delivery,
    *,
    secrets: WebhookSecretCache,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    """One BILL event for the connection named in the URL (verified with its security key)."""
    verified = await _verified("billcom", delivery, secrets, connection_id, verify_billcom_signature)
    if isinstance(verified, WebhookResult):
        return verified
    handle = _billcom_verified(connection_id, delivery, verified, store=store, publisher=publisher, topics=topics)
    return await _never_failing("billcom", delivery, handle, connection_id, publisher, topics)


async def _billcom_verified(
    connection_id: str,
    delivery: Delivery,
    verified: list[WebhookSecret],
    *,
    store: DeliveryStore,
    publisher: Publisher,
    topics: Topics,
) -> WebhookResult:
    try:
        parsed = parse_billcom_delivery(delivery.raw, received_at=delivery.received_at)
    except UnparseableDeliveryError as exc:
        return await _dead_letter_unreadable("billcom", delivery, str(exc), connection_id, publisher, topics)
    orgs = {s.company_id for s in verified}
    routed = []
    for change in parsed.changes:
        if change.company_id and orgs and change.company_id not in orgs:
            IGNORED.labels("billcom", "unknown_org").inc()
            log.warning("BILL event for another organization", extra={"org": change.company_id})
            continue
        routed.append(Routed(connection_id, change))
    return await _produce(
        "billcom",
        Side.BILLCOM,
        delivery,
        parsed,
        routed,
        dlq_connection=connection_id,
        store=store,
        publisher=publisher,
        topics=topics,
    )
