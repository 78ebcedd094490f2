"""Payments sync only in the currency the ledger connector requires of the connection's currency
preferences (``capabilities.payment_currency``; Intacct: Transaction and Base Currency must be USD,
reference §7). Otherwise the payment fails with a reason the bookkeeper can act on."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import Side
from sync_engine.domain.model import Inputs, Plan
from sync_engine.domain.plans import outcome

T = ObjectType
PAYMENT_TYPES = frozenset({T.BILL_PAYMENT, T.RECEIVED_PAYMENT, T.FUNDS_TRANSFER})


def _label(name: str) -> str:
    return name.replace("_", " ").title()


def payment_currency_problem(inp: Inputs) -> str | None:
    """Why this payment cannot sync in the connection's currency, or None."""
    caps = inp.capabilities
    rule = caps.payment_currency if caps is not None else None
    if rule is None or inp.change.side is not Side.BILLCOM or inp.change.object_type not in PAYMENT_TYPES:
        return None
    wrong = {name: getattr(inp.prefs, name, None) for name in rule.preferences}
    wrong = {name: value for name, value in wrong.items() if (value or "").upper() != rule.required}
    if not wrong:
        return None
    ledger = caps.display_name if caps is not None else "the ledger"
    needed = " and ".join(_label(name) for name in rule.preferences)
    found = ", ".join(f"{_label(name)} is {value or 'not set'}" for name, value in wrong.items())
    return (
        f"Payments sync to {ledger} only when {needed} are {rule.required} ({found}). "
        f"Set them to {rule.required} in the sync preferences, then replay."
    )


def refuse_payment(inp: Inputs, reason: str) -> Plan:
    """A permanent refusal in the sync log (status failed): nothing is written."""
    return Plan(outcomes=(outcome(inp, status="failed", rule="invalid", reason=reason),), skipped=f"invalid: {reason}")
