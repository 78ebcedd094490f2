"""Journal entries (``GLBATCH``): a valid journal symbol, at least two lines, debits = credits."""

from __future__ import annotations

from decimal import Decimal

from intacct_sandbox import errors
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import GL_ENTRY_REFS
from intacct_sandbox.rules import date_field, dimensions, fmt, lines_of, money, open_period, require, text

ZERO = Decimal("0.00")
STATES = ("Posted", "Draft")


def _batch(ctx: Ctx, data: Record) -> Record:
    require(data, ("JOURNAL", "BATCH_TITLE"), "Journal Entry")
    open_period(ctx, date_field(data, "BATCH_DATE", required=True, label="Journal Entry"))
    symbol = text(data, "JOURNAL")
    if symbol not in ctx.company.journals:
        raise errors.invalid_journal(symbol)
    state = text(data, "STATE") or "Posted"
    if state not in STATES:
        raise errors.bad_value("STATE", state)
    entries = lines_of(data, "ENTRIES", "GLENTRY")
    if len(entries) < 2:
        raise errors.business("A journal entry needs at least two lines (one debit, one credit).")
    debits = credits = ZERO
    stored: list[Record] = []
    for number, entry in enumerate(entries, start=1):
        require(entry, ("ACCOUNTNO", "TR_TYPE"), "Journal Entry line")
        raw = entry.get("TRX_AMOUNT") or entry.get("AMOUNT")
        if not raw:
            raise errors.missing("TRX_AMOUNT", "Journal Entry line")
        amount = money(raw, "TRX_AMOUNT")
        if amount < ZERO:
            raise errors.bad_value("TRX_AMOUNT", fmt(amount))
        kind = text(entry, "TR_TYPE")
        if kind not in ("1", "-1"):
            raise errors.bad_value("TR_TYPE", kind)
        dimensions(ctx, entry, GL_ENTRY_REFS, "LOCATION")
        if kind == "1":
            debits += amount
        else:
            credits += amount
        stored.append({**entry, "TRX_AMOUNT": fmt(amount), "AMOUNT": fmt(amount), "LINE_NO": str(number)})
    if debits != credits:
        raise errors.business(
            f"The journal entry is not balanced: debits {fmt(debits)}, credits {fmt(credits)}.",
            "Make the debits equal the credits.",
        )
    record: Record = {k: v for k, v in data.items() if k not in ("ENTRIES", "RECORDNO")}
    record.update(
        {
            "STATE": state,
            "ENTRIES": {"GLENTRY": stored},
            "TOTAL": fmt(debits),
            "MEGAENTITYID": ctx.entity,
        }
    )
    return record


def create_batch(ctx: Ctx, data: Record) -> Record:
    return ctx.company.insert("GLBATCH", _batch(ctx, data), ctx.now, ctx.user)


def update_batch(ctx: Ctx, existing: Record, data: Record) -> Record:
    """An update replaces the header fields sent and, when ``ENTRIES`` is sent, every line."""
    open_period(ctx, date_field(existing, "BATCH_DATE", required=False, label="Journal Entry"))
    merged = {**existing, **{k: v for k, v in data.items() if k != "RECORDNO"}}
    record = _batch(ctx, merged)
    for key in ("RECORDNO", "AUWHENCREATED", "CREATEDBY"):
        record[key] = existing[key]
    return ctx.company.save("GLBATCH", record, ctx.now, ctx.user)


def delete_batch(ctx: Ctx, record: Record) -> None:
    open_period(ctx, date_field(record, "BATCH_DATE", required=False, label="Journal Entry"))
    ctx.company.remove("GLBATCH", int(record["RECORDNO"]), ctx.now, ctx.user)
