"""Clearing accounts on connect: where the ledger's connector declares
``capabilities.clearing.created_on_connect`` (QuickBooks Online), the bookkeeper's confirmation
creates "BILL Money Out Clearing" and "BILL Money In Clearing" as Bank accounts, reuses an
account of that name and type when it exists (never twice), and sets both preferences. Elsewhere
(Sage Intacct) the answer says what to create by hand; readiness lists the missing preferences."""

from __future__ import annotations

import uuid

from ledgerbridge_common.canonical.models import Account, AccountType
from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.errors import ConnectorError
from prefs_api.adapters import repository as repo
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.handlers.preferences import etag, patch_preferences
from prefs_api.prefs_schemas import PreferencesPatch
from prefs_api.problems import ProblemError
from prefs_api.schemas import ClearingAccount, ClearingOut

CLEARING_ACCOUNTS = {
    "money_out_clearing_account": "BILL Money Out Clearing",
    "money_in_clearing_account": "BILL Money In Clearing",
}


def by_hand(kind: str) -> ProblemError:
    names = " and ".join(f"'{n}'" for n in CLEARING_ACCOUNTS.values())
    return ProblemError(
        409,
        "Create the clearing accounts by hand",
        f"In {kind} LedgerBridge does not create them: create {names} as bank (cash) accounts, "
        "then choose them as money_out_clearing_account and money_in_clearing_account",
        kind="conflict",
    )


async def create_clearing_accounts(services: Services, principal: Principal, connection_id: str) -> ClearingOut:
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
        current = await repo.current_version(session, connection_id)
    ledger = services.ledger_factory(info)
    if not ledger.capabilities.clearing.created_on_connect:
        raise by_hand(str(info.ledger_kind))
    try:
        accounts = await _ensure(ledger, connection_id)
    except ConnectorError as exc:
        raise vendor_unavailable("The ledger", exc) from exc
    services.chart.drop(connection_id)
    patch = PreferencesPatch.model_validate({pref: acc.id for pref, acc in accounts.items()})
    version = int(current["version"]) if current else 0
    view = await patch_preferences(services, principal, connection_id, patch, etag(version))
    return ClearingOut(connection_id=connection_id, accounts=list(accounts.values()), version=view.version)


async def _ensure(ledger: LedgerConnector, connection_id: str) -> dict[str, ClearingAccount]:
    existing = {a.name: a for a in await ledger.list_accounts() if a.active}
    out: dict[str, ClearingAccount] = {}
    for pref, name in CLEARING_ACCOUNTS.items():
        found = existing.get(name)
        if found is not None and found.account_type is not AccountType.BANK:
            raise ProblemError(
                409,
                "An account has the clearing account's name",
                f"'{name}' exists as {found.account_type}, not as a bank account: rename it or choose another",
                kind="conflict",
            )
        if found is None:
            request_id = uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerbridge:{connection_id}:{pref}").hex
            created = await ledger.create(Account(name=name, account_type=AccountType.BANK), request_id=request_id)
            out[pref] = ClearingAccount(preference=pref, id=str(created.id), name=name, created=True)
        else:
            out[pref] = ClearingAccount(preference=pref, id=str(found.id), name=name, created=False)
    return out
