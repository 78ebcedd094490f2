"""Intacct's two kinds of bank account id. A payment is paid from (or deposited to) a checking
account (``FINANCIALENTITY`` = ``BANKACCOUNTID``), a journal line posts to a GL account
(``ACCOUNTNO``); the clearing and bank preferences may hold either (the clearing accounts are
checking accounts on their own GL account, reference §7). :class:`BankAccounts` turns one into the
other on writes, and on reads names every account by its GL account, so that a payment, the run
that clears it and the preferences' chart of accounts name an account alike (posting's record of
the lines, reconciliation). From the company's checking accounts, read again after
:data:`FRESH_SECONDS` (a bookkeeper creates the clearing accounts while the connection exists)."""

from __future__ import annotations

import time

from ledgerbridge_common.canonical.models import (
    BillPayment,
    CanonicalObject,
    FundsTransfer,
    JournalEntry,
    ReceivedPayment,
)
from ledgerbridge_common.connectors.intacct.client import IntacctClient
from ledgerbridge_common.connectors.intacct.xmlcodec import text

FRESH_SECONDS = 300.0


class BankAccounts:
    def __init__(self, client: IntacctClient, page_size: int) -> None:
        self.client = client
        self.page_size = page_size
        self._gl_of_bank: dict[str, str] | None = None
        self._read_at = 0.0

    async def _load(self) -> dict[str, str]:
        if self._gl_of_bank is None or time.monotonic() - self._read_at > FRESH_SECONDS:
            self._read_at = time.monotonic()
            rows = self.client.query_all("CHECKINGACCOUNT", ["BANKACCOUNTID", "GLACCOUNTNO"], page_size=self.page_size)
            self._gl_of_bank = {text(r, "BANKACCOUNTID"): text(r, "GLACCOUNTNO") async for r in rows}
        return self._gl_of_bank

    async def gl_account(self, account_id: str) -> str:
        """The GL account a checking account posts to; a GL account number as it is."""
        return (await self._load()).get(account_id) or account_id

    async def bank_account(self, account_id: str) -> str:
        """The checking account on a GL account; a checking account id as it is."""
        banks = await self._load()
        if account_id in banks:
            return account_id
        return next((bank for bank, gl in banks.items() if gl == account_id), account_id)

    async def bank_ids(self) -> frozenset[str]:
        """The checking account ids (what ``FINANCIALENTITY`` may name)."""
        return frozenset(await self._load())

    async def for_write(self, obj: CanonicalObject) -> CanonicalObject:
        """``obj`` with each account id in the kind its Intacct object takes."""
        if isinstance(obj, FundsTransfer):
            update = {
                "from_account_id": await self.gl_account(obj.from_account_id),
                "to_account_id": await self.gl_account(obj.to_account_id),
            }
            return obj.model_copy(update=update)
        if isinstance(obj, JournalEntry):
            lines = [
                line.model_copy(update={"account_id": await self.gl_account(line.account_id)}) for line in obj.lines
            ]
            return obj.model_copy(update={"lines": tuple(lines)})
        if isinstance(obj, BillPayment) and obj.bank_account_id:
            return obj.model_copy(update={"bank_account_id": await self.bank_account(obj.bank_account_id)})
        if isinstance(obj, ReceivedPayment) and obj.deposit_to_account_id:
            deposit_to = await self.bank_account(obj.deposit_to_account_id)
            return obj.model_copy(update={"deposit_to_account_id": deposit_to})
        return obj

    async def for_read(self, obj: CanonicalObject) -> CanonicalObject:
        """``obj`` with the checking account of a payment named by the GL account it posts to
        (transfers and journals already name GL accounts)."""
        if isinstance(obj, BillPayment) and obj.bank_account_id:
            return obj.model_copy(update={"bank_account_id": await self.gl_account(obj.bank_account_id)})
        if isinstance(obj, ReceivedPayment) and obj.deposit_to_account_id:
            deposit_to = await self.gl_account(obj.deposit_to_account_id)
            return obj.model_copy(update={"deposit_to_account_id": deposit_to})
        return obj
