"""Each visible connection's ledger as the status page shows it: the ledger's name, its company id
(QBO realm, Intacct company, NetSuite account), the linked entity or subsidiary, readiness, and the
books-closed date (``adapters/books_closed.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledgerbridge_common.events.models import LedgerKind
from prefs_api.adapters.books_closed import BooksClosed
from prefs_api.adapters.typed_chart import lists_of
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.catalog import KIND_LABELS
from prefs_api.handlers import preferences
from prefs_api.handlers.connections import list_visible, to_info, visible_connection
from prefs_api.problems import ProblemError


@dataclass(frozen=True)
class LedgerView:
    ledger: str
    company_id: str | None
    linked_entity: str | None = None
    ready: bool | None = None
    """``None``: readiness could not be computed (see ``missing``)."""
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What stops some objects but not the connection (e.g. payments only in USD)."""
    books_closed: BooksClosed | None = None


async def books_closed(services: Services, principal: Principal, connection_id: str) -> BooksClosed:
    """The connection's books-closed date (404 when the caller cannot see the connection)."""
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
    return await services.books_closed.read(info)


async def ledger_views(services: Services, principal: Principal) -> dict[str, LedgerView]:
    async with services.sessions() as session:
        rows = await list_visible(session, principal, None)
    views = {}
    for row in rows:
        info = to_info(row, services.cipher)
        try:
            source = lists_of(services.ledger_factory(info))
        except ProblemError:
            source = None
        try:
            view = await preferences.get_view(services, principal, info.connection_id)
            ready, missing, warnings = view.ready, view.missing, list(view.warnings or [])
        except ProblemError as exc:
            ready, missing, warnings = None, [exc.detail or exc.title], []
        views[info.connection_id] = LedgerView(
            ledger=KIND_LABELS[LedgerKind(info.ledger_kind)],
            company_id=info.ledger_company_id or None,
            linked_entity=source.linked_entity if source else None,
            ready=ready,
            missing=missing,
            warnings=warnings,
            books_closed=await services.books_closed.read(info),
        )
    return views
