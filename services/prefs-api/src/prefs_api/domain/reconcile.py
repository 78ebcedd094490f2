"""The reconciliation report, pure: given what each side has (read through the ports), the lines
where BILL and the ledger differ: open payables per vendor, open receivables per customer, each
clearing account's balance (0 once runs settle; read from the ledger or computed from its
transactions, ``handlers/reconcile_clearing.py``), and documents present on one side only.

Open amounts are the vendors' own figures (``side_status``: BILL ``dueAmount``, QBO ``Balance``,
NetSuite ``amountRemaining``); a document is paired with its counterpart by a link the bookkeeper
made, by LedgerBridge's tag on the ledger object (``LB:billcom:<type>:<id>``) or by where
LedgerBridge last posted it (``posted``). Every line names
the objects on both sides where they are known (``<side>:<type>:<id>``): the vendor or customer of
a party line; for a document on one side only, where LedgerBridge last posted it (``posted``: BILL
id -> ledger id) or where its tag says it came from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ledgerbridge_common.canonical.models import CanonicalObject

ZERO = Decimal("0.00")
OPEN_KEYS = ("dueAmount", "balance", "amountRemaining")
KINDS = {"bill": ("open_payables", "vendor_id"), "invoice": ("open_receivables", "customer_id")}
PARTY_TYPES = {"bill": "vendor", "invoice": "customer"}


@dataclass(frozen=True)
class Line:
    kind: str
    """open_payables | open_receivables | clearing_balance | only_in_billcom | only_in_ledger"""
    key: str
    billcom_amount: Decimal | None
    ledger_amount: Decimal | None
    billcom_ref: str | None = None
    ledger_ref: str | None = None
    note: str | None = None

    @property
    def difference(self) -> Decimal:
        return (self.billcom_amount or ZERO) - (self.ledger_amount or ZERO)


def amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else ZERO
    except InvalidOperation:
        return ZERO


def open_amount(obj: CanonicalObject) -> Decimal:
    status = obj.side_status
    return next((amount(status[k]) for k in OPEN_KEYS if status.get(k) is not None), ZERO)


def tag_of(obj: CanonicalObject) -> str | None:
    tag = obj.side_status.get("tag")
    return str(tag)[3:] if isinstance(tag, str) and tag.startswith("LB:") else None


def compare_documents(
    object_type: str,
    billcom: Iterable[CanonicalObject],
    ledger: Iterable[CanonicalObject],
    billcom_names: Mapping[str, str],
    ledger_names: Mapping[str, str],
    links: Mapping[str, str],
    posted: Mapping[str, str] | None = None,
) -> list[Line]:
    """Per party (by name) the open amounts that differ, then the documents found on one side only."""
    kind, party = KINDS[object_type]
    party_type = PARTY_TYPES[object_type]
    b_docs = {o.id: o for o in billcom if o.id and o.active}
    l_docs = {o.id: o for o in ledger if o.id and o.active}
    pairs = dict(links)
    for bid, lid in (posted or {}).items():  # a ledger without our tag on its documents (NetSuite, Intacct)
        pairs.setdefault(bid, lid)
    origin: dict[str, str] = {}
    for lid, obj in l_docs.items():
        ref = tag_of(obj)
        if ref and ref.startswith(f"billcom:{object_type}:"):
            origin[lid] = ref.rsplit(":", 1)[1]
            pairs.setdefault(origin[lid], lid)
    open_b: dict[str, Decimal] = defaultdict(lambda: ZERO)
    open_l: dict[str, Decimal] = defaultdict(lambda: ZERO)
    party_b: dict[str, str] = {}
    party_l: dict[str, str] = {}
    for obj in b_docs.values():
        name = billcom_names.get(getattr(obj, party), getattr(obj, party))
        open_b[name] += open_amount(obj)
        party_b.setdefault(name, f"billcom:{party_type}:{getattr(obj, party)}")
    for obj in l_docs.values():
        name = ledger_names.get(getattr(obj, party), getattr(obj, party))
        open_l[name] += open_amount(obj)
        party_l.setdefault(name, f"ledger:{party_type}:{getattr(obj, party)}")
    lines = [
        Line(kind, name, open_b.get(name, ZERO), open_l.get(name, ZERO),
             billcom_ref=party_b.get(name), ledger_ref=party_l.get(name))
        for name in sorted(set(open_b) | set(open_l))
        if open_b.get(name, ZERO) != open_l.get(name, ZERO)
    ]  # fmt: skip
    paired_ledger = {pairs[bid] for bid in b_docs if bid in pairs}
    for bid, obj in sorted(b_docs.items()):
        if pairs.get(bid) not in l_docs:
            name = billcom_names.get(getattr(obj, party), "")
            gone = pairs.get(bid) or (posted or {}).get(bid)
            note = f"the ledger {object_type} {gone} is no longer in the ledger" if gone else None
            lines.append(Line("only_in_billcom", f"{object_type} {getattr(obj, 'number', None) or bid} ({name})",
                              open_amount(obj), None, billcom_ref=f"billcom:{object_type}:{bid}",
                              ledger_ref=f"ledger:{object_type}:{gone}" if gone else None,
                              note=note))  # fmt: skip
    for lid, obj in sorted(l_docs.items()):
        if lid not in paired_ledger:
            name = ledger_names.get(getattr(obj, party), "")
            source = origin.get(lid)
            note = f"the BILL {object_type} {source} is no longer in BILL" if source else None
            lines.append(Line("only_in_ledger", f"{object_type} {getattr(obj, 'number', None) or lid} ({name})",
                              None, open_amount(obj), ledger_ref=f"ledger:{object_type}:{lid}",
                              billcom_ref=f"billcom:{object_type}:{source}" if source else None,
                              note=note))  # fmt: skip
    return lines


@dataclass(frozen=True)
class ClearingBalance:
    """One clearing account the preferences name: its balance (debit positive; ``None`` when it
    could not be had) and where the figure comes from, in the bookkeeper's words."""

    preference: str
    account_id: str
    name: str
    balance: Decimal | None
    source: str


def clearing_lines(balances: Iterable[ClearingBalance]) -> list[Line]:
    """Each clearing account whose balance is not 0, naming where the figure comes from."""
    out = []
    for c in sorted(balances, key=lambda c: c.preference):
        if c.balance is None:
            out.append(Line("clearing_balance", c.name, None, None, note=f"{c.preference}: {c.source}"))
        elif amount(c.balance) != ZERO:
            note = f"{c.preference} must be 0 after runs; {c.source}"
            out.append(Line("clearing_balance", c.name, ZERO, amount(c.balance), note=note))
    return out
