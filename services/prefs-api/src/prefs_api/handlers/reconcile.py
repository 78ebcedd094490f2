"""The reconciliation report of one connection: both sides read through the ports (BILL's
``list_changed`` + ``read``, the ledger's ``query_changed`` + ``read`` + ``list_accounts``), compared
by ``domain/reconcile.py``; the clearing balances come from ``handlers/reconcile_clearing.py``. On
demand; at most ``max_documents`` documents per type and side are read (``truncated`` says when
more exist)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.errors import ConnectorError
from prefs_api.adapters import repository as repo
from prefs_api.adapters import synclog
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain import reconcile as rec
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.handlers.reconcile_clearing import clearing_balances, read_all
from prefs_api.schemas import Reconciliation, ReconClearing, ReconLine

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
PARTIES = {ObjectType.BILL: ObjectType.VENDOR, ObjectType.INVOICE: ObjectType.CUSTOMER}


async def _names(reader: Any, object_type: ObjectType, ids: set[str]) -> dict[str, str]:
    return {o.id or "": str(getattr(o, "name", o.id)) for o in await read_all(reader, object_type, sorted(ids))}


async def reconcile(
    services: Services, principal: Principal, connection_id: str, max_documents: int = 500
) -> Reconciliation:
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
        current = await repo.current_version(session, connection_id)
        mappings = await repo.load_mappings(session, connection_id)
        posted = {t: await synclog.posted_targets(session, connection_id, t.value) for t in PARTIES}
    values: dict[str, Any] = dict(current["values"]) if current else {}
    ledger, bill = services.ledger_factory(info), services.billcom_factory(info)
    lines: list[rec.Line] = []
    truncated = False
    try:
        for doc_type, party in PARTIES.items():
            b_ids = [c.object_id for c in (await bill.list_changed(doc_type, EPOCH)).changes]
            l_ids = [c.object_id for c in (await ledger.query_changed(doc_type, None)).changes]
            truncated = truncated or len(b_ids) > max_documents or len(l_ids) > max_documents
            b_docs = await read_all(bill, doc_type, sorted(set(b_ids))[:max_documents])
            l_docs = await read_all(ledger, doc_type, sorted(set(l_ids))[:max_documents])
            field = rec.KINDS[doc_type.value][1]
            b_names = await _names(bill, party, {getattr(d, field) for d in b_docs})
            l_names = await _names(ledger, party, {getattr(d, field) for d in l_docs})
            links = mappings.objects.get(doc_type.value, {})
            lines += rec.compare_documents(doc_type.value, b_docs, l_docs, b_names, l_names, links, posted[doc_type])
        clearing, partial = await clearing_balances(ledger, values, max_documents)
    except ConnectorError as exc:
        raise vendor_unavailable("BILL or the ledger", exc) from exc
    lines += rec.clearing_lines(clearing)
    return Reconciliation(
        connection_id=connection_id,
        generated_at=dt.datetime.now(dt.UTC),
        truncated=truncated or partial,
        differences=len(lines),
        lines=[ReconLine(**{**line.__dict__, "difference": line.difference}) for line in lines],
        clearing=[ReconClearing(**c.__dict__) for c in clearing],
    )
