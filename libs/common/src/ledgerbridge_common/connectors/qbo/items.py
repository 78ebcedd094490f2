"""QBO invoice lines are item lines (``SalesItemLineDetail.ItemRef`` is required): a line coded
only to an income account — the *Unallocated Income* catch-all, or a mapped account — is written
with an item that posts to that account (POSTINGS.md: "an item that posts to Unallocated Income")."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import CanonicalObject, Invoice
from ledgerbridge_common.connectors.qbo.client import QboClient
from ledgerbridge_common.connectors.qbo.mapping_common import ref_id
from ledgerbridge_common.errors import ValidationError


class IncomeItems:
    """Income account Id → the first active item posting to it, read once (again on a miss)."""

    def __init__(self, client: QboClient) -> None:
        self.client = client
        self._by_account: dict[str, str] | None = None

    async def _load(self) -> dict[str, str]:
        found: dict[str, str] = {}
        async for row in self.client.query_all("SELECT * FROM Item", "Item"):
            account = ref_id(row, "IncomeAccountRef")
            if account and row.get("Active", True) and account not in found:
                found[account] = str(row["Id"])
        return found

    async def item_for(self, account_id: str) -> str:
        if self._by_account is None or account_id not in self._by_account:
            self._by_account = await self._load()
        item = self._by_account.get(account_id)
        if item is None:
            raise ValidationError(
                f"no active QuickBooks item posts to income account {account_id}; create a service item for it",
                vendor="qbo",
                code="item",
            )
        return item

    async def itemize(self, obj: CanonicalObject) -> CanonicalObject:
        """Invoice lines with an account and no item get that account's item; others unchanged."""
        if not isinstance(obj, Invoice):
            return obj
        if not any(ln.classifications.account_id and not ln.classifications.item_id for ln in obj.lines):
            return obj
        lines = []
        for line in obj.lines:
            c = line.classifications
            if c.account_id and not c.item_id:
                c = c.model_copy(update={"item_id": await self.item_for(c.account_id)})
                line = line.model_copy(update={"classifications": c})
            lines.append(line)
        return obj.model_copy(update={"lines": tuple(lines)})
