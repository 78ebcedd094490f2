"""Keeping "GL Account for Bank Account ****XXXX" in step with BILL, both ways.

BILL keeps the GL account of a bank account as ``chartOfAccountId``, an id in *BILL's* chart of
accounts; the preference holds a *ledger* account id. The rule that links them:

1. an explicit account mapping (``/mappings/accounts/{billcom_id}`` → ledger id) wins;
2. else the accounts are matched by exact name (BILL's account name ↔ the ledger account name),
   the same automatic matching the engine uses for accounts.

BILL → preference (``PUT /internal/v1/connections/{id}/bank-accounts``): a bank account seen for
the first time creates its preference (set when its ``chartOfAccountId`` resolves, else unset); a
changed ``chartOfAccountId`` (an edit on the bank account's own record in BILL) sets the preference
to the resolved ledger account, or clears it when BILL cleared it. An unchanged one changes nothing.

Preference → BILL (``PATCH /v1/connections/{id}/preferences``): the edited value is resolved to a
BILL chart-of-accounts id and written with ``update_bank_account_gl``; when no BILL account
resolves, the preference is saved and the response carries a warning. Failure to reach BILL
rolls the change back (502).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.canonical.models import Account, ObjectType
from ledgerbridge_common.connectors.ports import BillcomConnector
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.prefs_client import ConnectionInfo, Mappings
from prefs_api.adapters import repository as repo
from prefs_api.adapters.vendors import vendor_unavailable
from prefs_api.deps import Services
from prefs_api.domain.rules import BankAccountView, Change, Chart
from prefs_api.handlers.connections import publish_prefs_changed, to_info
from prefs_api.problems import ProblemError, not_found
from prefs_api.schemas import BankAccountIn

log = logging.getLogger(__name__)
BANK_SYNC_ACTOR = "billcom:bank-accounts"


async def _billcom_coa_for(billcom: BillcomConnector, mappings: Mappings, chart: Chart, ledger_id: str) -> str | None:
    mapped = sorted(b for b, ledger in mappings.accounts.items() if ledger == ledger_id)
    if mapped:
        return mapped[0]
    account = chart.get(ledger_id)
    if account is None:
        return None
    found = await billcom.find_by_name(ObjectType.ACCOUNT, account.name)
    return found.id if found is not None else None


async def push_bank_gls(
    services: Services,
    session: AsyncSession,
    info: ConnectionInfo,
    diff: Sequence[Change],
    chart: Chart,
    banks: Mapping[str, BankAccountView],
) -> list[str]:
    """Write edited bank GL preferences to BILL's bank accounts; returns warnings."""
    edits = {c.preference.split(".", 1)[1]: c.new for c in diff if c.preference.startswith("bank_gl_accounts.")}
    if not edits:
        return []
    if info.billcom is None:
        return ["BILL credentials are not set: the bank accounts in BILL were not updated"]
    try:
        billcom = services.billcom_factory(info)
    except ProblemError as exc:
        return [f"BILL bank accounts not updated: {exc.detail or exc.title}"]
    mappings = await repo.load_mappings(session, info.connection_id)
    warnings = []
    for bank_id, ledger_id in edits.items():
        bank = banks[bank_id]
        try:
            coa = await _billcom_coa_for(billcom, mappings, chart, ledger_id) if ledger_id else None
            if ledger_id is not None and coa is None:
                warnings.append(
                    f"No BILL account matches ledger account {ledger_id}: map one under "
                    f"/mappings/accounts; bank account ****{bank.last4} in BILL was not changed"
                )
                continue
            await billcom.update_bank_account_gl(bank_id, coa)
        except Exception as exc:  # roll the preference back: BILL and the preference stay in step
            raise vendor_unavailable("BILL", exc) from exc
        await repo.upsert_bank(session, info.connection_id, dataclasses.replace(bank, chart_of_account_id=coa))
    return warnings


def _by_name(chart: Chart, name: str) -> Account | None:
    matches = [a for a in chart.values() if a.active and a.name.casefold() == name.casefold()]
    return matches[0] if len(matches) == 1 else None


async def _ledger_id_for(services: Services, info: ConnectionInfo, mappings: Mappings, coa: str) -> str | None:
    if coa in mappings.accounts:
        return mappings.accounts[coa]
    try:
        billcom_account = await services.billcom_factory(info).read(ObjectType.ACCOUNT, coa)
    except Exception:  # noqa: BLE001 - unresolved: the preference stays as it is (reported by readiness)
        log.warning("BILL account %s could not be read to resolve a bank GL account", coa)
        return None
    chart = await services.chart.get_or_none(info)
    if billcom_account is None or chart is None or not isinstance(billcom_account, Account):
        return None
    match = _by_name(chart, billcom_account.name)
    return match.id if match else None


async def report_bank_accounts(services: Services, connection_id: str, accounts: Sequence[BankAccountIn]) -> int:
    """Record the BILL bank accounts the engine/sweeper saw; returns the preferences version."""
    async with services.sessions.begin() as session:
        row = await repo.get_connection(session, connection_id, lock=True)
        if row is None:
            raise not_found()
        info = to_info(row, services.cipher)
        current = await repo.current_version(session, connection_id)
        assert current is not None
        values = PreferenceValues.model_validate(current["values"])
        banks = await repo.list_banks(session, connection_id)
        mappings = await repo.load_mappings(session, connection_id)
        gls = dict(values.bank_gl_accounts)
        for account in accounts:
            stored = banks.get(account.id)
            seen = BankAccountView(
                account.id, account.name, account.last4, account.chart_of_account_id, account.archived
            )
            if stored != seen:
                await repo.upsert_bank(session, connection_id, seen)
            coa = account.chart_of_account_id
            if stored is not None and stored.chart_of_account_id == coa:
                gls.setdefault(account.id, None)
                continue
            ledger_id = await _ledger_id_for(services, info, mappings, coa) if coa else None
            if stored is None or coa is None or ledger_id is not None:
                gls[account.id] = ledger_id
        if gls == values.bank_gl_accounts:
            return int(current["version"])
        new = values.model_copy(update={"bank_gl_accounts": gls})
        changes = [
            {"preference": f"bank_gl_accounts.{k}", "old": values.bank_gl_accounts.get(k), "new": v}
            for k, v in sorted(gls.items())
            if k not in values.bank_gl_accounts or values.bank_gl_accounts[k] != v
        ]
        saved = await repo.insert_version(session, connection_id, current["version"] + 1, new, changes, BANK_SYNC_ACTOR)
    await publish_prefs_changed(services, connection_id, saved["version"])
    return int(saved["version"])
