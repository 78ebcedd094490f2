"""Invoice lines coded to an income account, on a NetSuite item.

A NetSuite invoice has only an ``item`` sublist (reference netsuite-api.md §1.7, OAS ``invoice``:
``item.items[]``), while a BILL invoice line may carry no item, only the income account the engine
gives it (the Unallocated Income preference). Such a line reaches NetSuite on a non-inventory item
for resale (the record BILL's items become, HB:360015019172) whose income account is that account:
one item per income account, upserted under the external id ``LB_income_<account id>`` (§1.5), so
it is made once per account however many connections or retries ask for it. Read back, a line on
one of these items is the account line again, so what was written reads back as written.

The items carry their external id prefix so the item change feed leaves them out (:data:`PREFIX`):
they are this connector's plumbing, not items for BILL's item list."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import Classifications, Invoice, TransactionLine
from ledgerbridge_common.connectors.netsuite.client import VENDOR, NetSuiteClient
from ledgerbridge_common.connectors.netsuite.mapping_common import ref, ref_id
from ledgerbridge_common.errors import ConnectorError

ITEM_RECORD = "nonInventoryResaleItem"
PREFIX = "LB_income_"
"""External id prefix of the items that carry an income account's invoice lines."""
NAME_LENGTH = 60
"""``itemId`` is cut to this length (NetSuite's item name limit is not in the reference: a short cut)."""


def _line(line: TransactionLine, **classifications: str | None) -> TransactionLine:
    return line.model_copy(update={"classifications": line.classifications.model_copy(update=classifications)})


class IncomeItems:
    """The item of each income account, made on first use and remembered (ids are stable)."""

    def __init__(self, client: NetSuiteClient, subsidiary_id: str) -> None:
        self.client = client
        self.subsidiary_id = subsidiary_id
        self._item_of: dict[str, str] = {}
        self._account_of: dict[str, str | None] = {}

    async def item_for(self, account_id: str) -> str:
        if account_id in self._item_of:
            return self._item_of[account_id]
        key = f"eid:{PREFIX}{account_id}"
        account = await self.client.get(f"/record/v1/account/{account_id}") or {}
        name = f"Income {account.get('acctNumber') or ''} {account.get('acctName') or account_id}"
        body = {
            "itemId": " ".join(name.split())[:NAME_LENGTH],
            "incomeAccount": ref(account_id),
            "subsidiary": [ref(self.subsidiary_id)],
            "includeChildren": True,
        }
        await self.client.request("PUT", f"/record/v1/{ITEM_RECORD}/{key}", json=body)
        made = await self.client.get(f"/record/v1/{ITEM_RECORD}/{key}")
        if made is None:
            raise ConnectorError(f"{ITEM_RECORD} {key} not found after its upsert", vendor=VENDOR, code="lost")
        item_id = str(made["id"])
        self._item_of[account_id] = item_id
        self._account_of[item_id] = account_id
        return item_id

    async def account_for(self, item_id: str) -> str | None:
        """The income account an item carries, when it is one of these items; else ``None``."""
        if item_id not in self._account_of:
            rec = await self.client.get(f"/record/v1/{ITEM_RECORD}/{item_id}") or {}
            ours = str(rec.get("externalId") or "").startswith(PREFIX)
            self._account_of[item_id] = ref_id(rec.get("incomeAccount")) if ours else None
        return self._account_of[item_id]

    async def to_items(self, invoice: Invoice) -> Invoice:
        """Each account-only line moved onto its account's item."""
        lines = []
        for line in invoice.lines:
            c = line.classifications
            if not c.item_id and c.account_id:
                line = _line(line, item_id=await self.item_for(c.account_id), account_id=None)
            lines.append(line)
        return invoice.model_copy(update={"lines": tuple(lines)})

    async def from_items(self, invoice: Invoice) -> Invoice:
        """Each line on one of these items read as its income account's line."""
        lines = []
        for line in invoice.lines:
            c: Classifications = line.classifications
            account_id = await self.account_for(c.item_id) if c.item_id else None
            if account_id is not None:
                line = _line(line, item_id=None, account_id=account_id)
            lines.append(line)
        return invoice.model_copy(update={"lines": tuple(lines)})
