"""Funds transfers ↔ NetSuite journal entries.

BILL moves a disbursement or deposit run's lump sum between the bank and a clearing account. REST
has no confirmed ``transfer`` record (reference §1.7), so the move is posted as a balanced journal
entry: debit the account the money goes to, credit the one it leaves. The Funds Transfer Location
and Department preferences (HB:115005443106) arrive as ``location_id`` and ``department_id`` and go
on the header and on both lines. ``journal`` (Intacct's journal symbol) has no NetSuite field."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import Classifications, FundsTransfer
from ledgerbridge_common.connectors.netsuite.mapping_common import Rec, Setup, common, day, drop_none, items, money, ref
from ledgerbridge_common.connectors.netsuite.mapping_txns import header_dims, header_dims_from
from ledgerbridge_common.errors import ValidationError


def transfer_to(obj: FundsTransfer, setup: Setup) -> Rec:
    dims = header_dims(Classifications(location_id=obj.location_id, department_id=obj.department_id))
    amount = float(obj.amount)
    lines = [
        drop_none({"account": ref(obj.to_account_id), "debit": amount, "memo": obj.memo, **dims}),
        drop_none({"account": ref(obj.from_account_id), "credit": amount, "memo": obj.memo, **dims}),
    ]
    return drop_none(
        {
            **dims,
            "subsidiary": ref(setup.subsidiary_id),
            "tranDate": obj.date.isoformat(),
            "currency": setup.currency_id(obj.currency),
            "memo": obj.memo,
            "line": {"items": lines},
        }
    )


def transfer_from(rec: Rec, setup: Setup) -> FundsTransfer:
    lines = items(rec, "line")
    debits = [x for x in lines if x.get("debit")]
    credits = [x for x in lines if x.get("credit")]
    header = header_dims_from(rec)
    if len(debits) != 1 or len(credits) != 1:
        raise ValidationError(
            f"journal entry {rec.get('id')} is not a two-line funds transfer", vendor="netsuite", code="transfer"
        )
    return FundsTransfer(
        date=day(rec.get("tranDate")),
        amount=money(debits[0]["debit"]),
        currency=setup.currency_code(rec.get("currency")) or setup.home_currency,
        from_account_id=str((credits[0].get("account") or {}).get("id") or ""),
        to_account_id=str((debits[0].get("account") or {}).get("id") or ""),
        memo=rec.get("memo"),
        location_id=header.location_id if header else None,
        department_id=header.department_id if header else None,
        **common(rec),
    )
