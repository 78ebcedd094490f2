"""First-sync matching of a transaction with one that already exists on the other side: the
same vendor (or customer), document number and amount; the date breaks a tie. Ambiguity is not
guessed: the candidates go to the bookkeeper (the conflicts inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledgerbridge_common.canonical.models import Bill, CanonicalObject, Invoice, VendorCredit

Document = Bill | VendorCredit | Invoice


@dataclass(frozen=True)
class DocumentPick:
    match: CanonicalObject | None = None
    candidates: tuple[CanonicalObject, ...] = ()
    """More than one equally good candidate (ambiguous): none is chosen."""


def party_id(doc: CanonicalObject) -> str | None:
    return getattr(doc, "vendor_id", None) or getattr(doc, "customer_id", None)


def _number(value: str | None) -> str:
    return (value or "").strip().casefold()


def pick_document(source: Document, party_on_other_side: str, candidates: Sequence[CanonicalObject]) -> DocumentPick:
    """The one candidate with the same party (in the other side's ids), number and amount; among
    several, the one with the same date; else ambiguous."""
    number = _number(source.number)
    if not number:
        return DocumentPick()
    same = [
        c
        for c in candidates
        if isinstance(c, type(source))
        and party_id(c) == party_on_other_side
        and _number(c.number) == number
        and c.total == source.total
    ]
    if len(same) <= 1:
        return DocumentPick(match=same[0] if same else None)
    dated = [c for c in same if isinstance(c, type(source)) and c.date == source.date]
    if len(dated) == 1:
        return DocumentPick(match=dated[0])
    return DocumentPick(candidates=tuple(dated or same))
