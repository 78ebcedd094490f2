"""Double-entry view of a realm: each transaction's home-currency postings, summed per account.
Read through the control API to check invariants (clearing accounts net to zero, books balance),
and behind the read-only ``CurrentBalance`` of balance-sheet accounts (``refresh_current_balances``)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from qbo_sandbox.entities import ACCOUNT_CLASSIFICATION
from qbo_sandbox.realm import Obj, Realm

ZERO = Decimal(0)
CENT = Decimal("0.01")
BALANCE_SHEET = {"Asset": Decimal(1), "Liability": Decimal(-1), "Equity": Decimal(-1)}
"""Classification -> sign of ``CurrentBalance`` against the debit-positive postings: assets read
debit-positive, liabilities and equity credit-positive (what a company owes reads positive)."""


def _d(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def _ref(obj: Obj, *path: str) -> str | None:
    cur: Any = obj
    for key in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
    return str(cur["value"]) if isinstance(cur, dict) and cur.get("value") else None


def postings(realm: Realm) -> list[tuple[str, Decimal]]:
    """(account Id, debit-positive home amount) for every transaction."""
    out: list[tuple[str, Decimal]] = []
    gain_loss = realm.find_account(subtype="ExchangeGainOrLoss")
    undeposited = realm.find_account(subtype="UndepositedFunds")

    def post(acct: str | None, amount: Decimal) -> None:
        if acct is not None and amount:
            out.append((acct, amount))

    def rate(obj: Obj) -> Decimal:
        return _d(obj.get("ExchangeRate", 1))

    for kind in ("Bill", "VendorCredit"):
        sign = Decimal(1) if kind == "Bill" else Decimal(-1)
        for obj in realm.all(kind):
            fx = rate(obj)
            for line in obj.get("Line", []):
                acct = _ref(line, "AccountBasedExpenseLineDetail", "AccountRef")
                if acct is None:
                    item = realm.get("Item", _ref(line, "ItemBasedExpenseLineDetail", "ItemRef"))
                    acct = _ref(item or {}, "ExpenseAccountRef")
                post(acct, sign * _d(line.get("Amount")) * fx)
            post(_ref(obj, "APAccountRef"), -sign * _d(obj.get("TotalAmt")) * fx)
    for obj in realm.all("BillPayment"):
        fx, total, balance = rate(obj), _d(obj.get("TotalAmt")), ZERO
        ap = _ref(obj, "APAccountRef")
        applied = ZERO
        for line in obj.get("Line", []):
            link = line["LinkedTxn"][0]
            doc = realm.get(link["TxnType"], link["TxnId"]) or {}
            amt, sign = _d(line.get("Amount")), Decimal(1) if link["TxnType"] == "Bill" else Decimal(-1)
            applied += sign * amt
            post(ap, sign * amt * rate(doc))
            balance += sign * amt * rate(doc)
        post(ap, (total - applied) * fx)
        balance += (total - applied) * fx
        bank = _ref(obj, "CheckPayment", "BankAccountRef") or _ref(obj, "CreditCardPayment", "CCAccountRef")
        post(bank, -total * fx)
        balance -= total * fx
        post(gain_loss["Id"] if gain_loss else None, -balance)
    for obj in realm.all("Invoice"):
        fx = rate(obj)
        post(_ref(obj, "ARAccountRef"), _d(obj.get("TotalAmt")) * fx)
        for line in obj.get("Line", []):
            if line.get("DetailType") == "SalesItemLineDetail":
                item = realm.get("Item", _ref(line, "SalesItemLineDetail", "ItemRef")) or {}
                post(_ref(item, "IncomeAccountRef"), -_d(line.get("Amount")) * fx)
    for obj in realm.all("Payment"):
        fx, total = rate(obj), _d(obj.get("TotalAmt"))
        post(_ref(obj, "DepositToAccountRef"), total * fx)
        balance = total * fx
        ar = _ref(obj, "ARAccountRef")
        for line in obj.get("Line", []):
            doc = realm.get("Invoice", line["LinkedTxn"][0]["TxnId"]) or {}
            post(ar, -_d(line.get("Amount")) * rate(doc))
            balance -= _d(line.get("Amount")) * rate(doc)
        post(ar, -_d(obj.get("UnappliedAmt")) * fx)
        balance -= _d(obj.get("UnappliedAmt")) * fx
        post(gain_loss["Id"] if gain_loss else None, -balance)
    for obj in realm.all("Deposit"):
        fx = rate(obj)
        post(_ref(obj, "DepositToAccountRef"), _d(obj.get("TotalAmt")) * fx)
        for line in obj.get("Line", []):
            if line.get("LinkedTxn"):
                pay = realm.get("Payment", line["LinkedTxn"][0]["TxnId"]) or {}
                src = _ref(pay, "DepositToAccountRef") or (undeposited["Id"] if undeposited else None)
            else:
                src = _ref(line, "DepositLineDetail", "AccountRef")
            post(src, -_d(line.get("Amount")) * fx)
    for obj in realm.all("Transfer"):
        amount = _d(obj.get("Amount")) * rate(obj)
        post(_ref(obj, "ToAccountRef"), amount)
        post(_ref(obj, "FromAccountRef"), -amount)
    for obj in realm.all("JournalEntry"):
        fx = rate(obj)
        for line in obj.get("Line", []):
            detail = line.get("JournalEntryLineDetail", {})
            sign = Decimal(1) if detail.get("PostingType") == "Debit" else Decimal(-1)
            post(_ref(detail, "AccountRef"), sign * _d(line.get("Amount")) * fx)
    return out


def balances(realm: Realm) -> dict[str, Any]:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for acct_id, amount in postings(realm):
        sums[acct_id] += amount
    accounts = []
    for acct in sorted(realm.all("Account"), key=lambda a: int(a["Id"])):
        bal = sums.get(acct["Id"], ZERO).quantize(Decimal("0.01"))
        accounts.append(
            {"Id": acct["Id"], "Name": acct["Name"], "AccountType": acct["AccountType"], "balance": str(bal)}
        )
    total = sum(sums.values(), ZERO).quantize(Decimal("0.01"))
    return {
        "accounts": accounts,
        "by_name": {a["Name"]: a["balance"] for a in accounts},
        "total": str(total),
        "balanced": total == 0,
    }


def refresh_current_balances(realm: Realm) -> None:
    """Set ``CurrentBalance`` and ``CurrentBalanceWithSubAccounts`` of every account from the
    transactions now in the realm. QBO keeps them for balance-sheet accounts only; income and
    expense accounts read 0."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for acct_id, amount in postings(realm):
        sums[acct_id] += amount
    accounts = list(realm.all("Account"))
    own: dict[str, Decimal] = {}
    children: dict[str, list[str]] = defaultdict(list)
    for acct in accounts:
        classification = acct.get("Classification") or ACCOUNT_CLASSIFICATION.get(acct.get("AccountType", ""), "")
        sign = BALANCE_SHEET.get(classification)
        own[acct["Id"]] = (sign * sums.get(acct["Id"], ZERO)).quantize(CENT) if sign is not None else ZERO
        parent = _ref(acct, "ParentRef")
        if parent is not None:
            children[parent].append(acct["Id"])

    def with_subs(acct_id: str, depth: int = 0) -> Decimal:
        if depth > len(accounts):  # a parent cycle cannot come from the API; stop rather than recurse forever
            return ZERO
        return own.get(acct_id, ZERO) + sum((with_subs(c, depth + 1) for c in children.get(acct_id, [])), ZERO)

    for acct in accounts:
        acct["CurrentBalance"] = float(own[acct["Id"]])
        acct["CurrentBalanceWithSubAccounts"] = float(with_subs(acct["Id"]))
