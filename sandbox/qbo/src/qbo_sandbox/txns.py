"""Validation and normalisation of transactions. Each normaliser returns the stored object (minus
Id/SyncToken/MetaData and the computed Balance/LinkedTxn, which ``writes`` fills) and the documents
it settles: ``[((entity, Id), amount)]``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from qbo_sandbox import faults
from qbo_sandbox.fields import (
    currency,
    currency_fields,
    date,
    money,
    num,
    ref_of,
    referenced,
    resolve,
    text,
    txn_date,
)
from qbo_sandbox.names import passthrough
from qbo_sandbox.realm import Key, Obj, Realm

Links = list[tuple[Key, Decimal]]
Normalizer = Callable[[Realm, Obj, "Obj | None", dt.date], tuple[Obj, Links]]
ZERO = Decimal(0)


class LineIds:
    """Line ``Id`` rule: a known Id updates that line, anything else creates a new line."""

    def __init__(self, existing: Obj | None) -> None:
        self.known = {str(ln.get("Id")) for ln in (existing or {}).get("Line", []) if ln.get("Id")}
        numeric = [int(i) for i in self.known if i.isdigit()]
        self.next = max(numeric, default=0) + 1
        self.used: set[str] = set()

    def assign(self, raw: Obj) -> str:
        wanted = str(raw.get("Id")) if raw.get("Id") not in (None, "") else None
        if wanted is not None and wanted in self.known and wanted not in self.used:
            self.used.add(wanted)
            return wanted
        while str(self.next) in self.known or str(self.next) in self.used:
            self.next += 1
        self.used.add(str(self.next))
        return str(self.next)


def _lines(body: Obj) -> list[Obj]:
    lines = body.get("Line")
    if not lines or not isinstance(lines, list):
        raise faults.required("Line")
    return [ln for ln in lines if isinstance(ln, dict)]


def _detail_refs(realm: Realm, detail: Obj, out: Obj) -> None:
    for key, entity in (("ClassRef", "Class"), ("CustomerRef", "Customer"), ("DepartmentRef", "Department")):
        obj = resolve(realm, detail, key, entity)
        if obj is not None:
            out[key] = ref_of(obj)


def _header(realm: Realm, body: Obj, today: dt.date, out: Obj) -> None:
    out["TxnDate"] = txn_date(realm, body, today)
    for key, limit in (("DocNumber", 21), ("PrivateNote", 4000)):
        value = text(body, key, limit)
        if value is not None:
            out[key] = value
    dept = resolve(realm, body, "DepartmentRef", "Department")
    if dept is not None:
        out["DepartmentRef"] = ref_of(dept)


def _expense_lines(realm: Realm, body: Obj, existing: Obj | None) -> tuple[list[Obj], Decimal]:
    ids, out, total = LineIds(existing), [], ZERO
    for num_, raw in enumerate(_lines(body), start=1):
        kind = raw.get("DetailType")
        amount = money(raw.get("Amount"), "Line.Amount")
        detail_in = raw.get(kind) or {} if isinstance(kind, str) else {}
        detail: Obj = {k: v for k, v in detail_in.items() if v is not None}
        if kind == "AccountBasedExpenseLineDetail":
            acct = resolve(realm, detail_in, "AccountRef", "Account", required=True)
            assert acct is not None
            detail["AccountRef"] = ref_of(acct)
            detail.setdefault("BillableStatus", "NotBillable")
        elif kind == "ItemBasedExpenseLineDetail":
            item = resolve(realm, detail_in, "ItemRef", "Item", required=True)
            assert item is not None
            detail["ItemRef"] = ref_of(item)
        else:
            raise faults.bad_enum("Line.DetailType", kind)
        _detail_refs(realm, detail_in, detail)
        line: Obj = {
            "Id": ids.assign(raw),
            "LineNum": num_,
            "Amount": num(amount),
            "DetailType": kind,
            kind: detail,
        }
        if raw.get("Description") is not None:
            line["Description"] = str(raw["Description"])
        out.append(line)
        total += amount
    return out, total


def _applied(
    realm: Realm,
    raw: Obj,
    allowed: dict[str, str],
    source: Key | None,
    party_key: str,
    party_id: str,
    code: str,
) -> tuple[Key, Decimal, Obj]:
    """One payment line: ``{"Amount", "LinkedTxn":[{"TxnId","TxnType"}]}``, checked against the
    document's open balance."""
    amount = money(raw.get("Amount"), "Line.Amount")
    linked = raw.get("LinkedTxn") or []
    if not linked:
        raise faults.required("Line.LinkedTxn")
    if len(linked) > 1:
        raise faults.invalid("A payment line can link one transaction only", "LinkedTxn")
    txn_type = linked[0].get("TxnType")
    if txn_type not in allowed:
        raise faults.bad_enum("LinkedTxn.TxnType", txn_type)
    entity = allowed[txn_type]
    target = referenced(realm, entity, str(linked[0].get("TxnId")), "LinkedTxn")
    if party_key and target.get(party_key, {}).get("value") != party_id:
        raise faults.invalid(f"{entity} {target['Id']} belongs to another name", "LinkedTxn")
    if target.get("CurrencyRef", {}).get("value", code) != code:
        raise faults.invalid(f"{entity} {target['Id']} is in another currency", "LinkedTxn")
    key: Key = (entity, str(target["Id"]))
    if "Balance" in target:
        open_amount = money(target.get("TotalAmt", 0), "TotalAmt") - realm.linked_amount(key, excluding=source)
        if amount > open_amount:
            raise faults.invalid(
                f"The amount applied ({amount}) exceeds the open balance ({open_amount}) of {entity} {target['Id']}",
                "Line.Amount",
            )
    line = {"Amount": num(amount), "LinkedTxn": [{"TxnId": str(target["Id"]), "TxnType": txn_type}]}
    return key, amount, line


def purchase_by_vendor(realm: Realm, body: Obj, existing: Obj | None, today: dt.date, entity: str) -> tuple[Obj, Links]:
    vendor = resolve(realm, body, "VendorRef", "Vendor", required=True)
    assert vendor is not None
    lines, total = _expense_lines(realm, body, existing)
    ap = resolve(realm, body, "APAccountRef", "Account") or realm.find_account(account_type="Accounts Payable")
    if ap is None or ap.get("AccountType") != "Accounts Payable":
        raise faults.invalid("APAccountRef must be an Accounts Payable account", "APAccountRef")
    code, fx = currency(realm, body, vendor)
    out = passthrough(body)
    _header(realm, body, today, out)
    out.update(
        {
            "VendorRef": ref_of(vendor),
            "APAccountRef": ref_of(ap),
            "Line": lines,
            "TotalAmt": num(total),
            **currency_fields(realm, code, fx, total),
        }
    )
    if entity == "Bill":
        out["DueDate"] = date(body["DueDate"], "DueDate").isoformat() if body.get("DueDate") else out["TxnDate"]
    return out, []


def bill_payment(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    vendor = resolve(realm, body, "VendorRef", "Vendor", required=True)
    assert vendor is not None
    pay_type = body.get("PayType")
    if pay_type is None:
        raise faults.required("PayType")
    if pay_type not in ("Check", "CreditCard"):
        raise faults.bad_enum("PayType", pay_type)
    if body.get("TotalAmt") is None:
        raise faults.required("TotalAmt")
    total = money(body["TotalAmt"], "TotalAmt")
    if total < 0:
        raise faults.invalid("TotalAmt cannot be negative", "TotalAmt")
    code, fx = currency(realm, body, vendor)
    source: Key | None = ("BillPayment", existing["Id"]) if existing else None
    links: Links = []
    lines: list[Obj] = []
    net = ZERO
    for raw in _lines(body):
        key, amount, line = _applied(
            realm,
            raw,
            {"Bill": "Bill", "VendorCredit": "VendorCredit"},
            source,
            "VendorRef",
            str(vendor["Id"]),
            code,
        )
        links.append((key, amount))
        lines.append(line)
        net += amount if key[0] == "Bill" else -amount
    if net > total:
        raise faults.invalid(f"The amount applied ({net}) exceeds the payment amount ({total})", "TotalAmt")
    out = passthrough(body)
    out.pop("CheckPayment", None)
    out.pop("CreditCardPayment", None)
    if pay_type == "Check":
        pay = body.get("CheckPayment") or {}
        bank = resolve(realm, pay, "BankAccountRef", "Account", required=True)
        assert bank is not None
        if bank.get("AccountType") != "Bank":
            raise faults.invalid("CheckPayment.BankAccountRef must be a Bank account", "BankAccountRef")
        out["CheckPayment"] = {
            "BankAccountRef": ref_of(bank),
            "PrintStatus": pay.get("PrintStatus") or "NeedToPrint",
        }
    else:
        pay = body.get("CreditCardPayment") or {}
        card = resolve(realm, pay, "CCAccountRef", "Account", required=True)
        assert card is not None
        if card.get("AccountType") != "Credit Card":
            raise faults.invalid("CreditCardPayment.CCAccountRef must be a Credit Card account", "CCAccountRef")
        out["CreditCardPayment"] = {"CCAccountRef": ref_of(card)}
    ap = resolve(realm, body, "APAccountRef", "Account") or realm.find_account(account_type="Accounts Payable")
    assert ap is not None
    _header(realm, body, today, out)
    out.update(
        {
            "VendorRef": ref_of(vendor),
            "PayType": pay_type,
            "Line": lines,
            "TotalAmt": num(total),
            "APAccountRef": ref_of(ap),
            **currency_fields(realm, code, fx, total),
        }
    )
    return out, links


def _sales_lines(realm: Realm, body: Obj, existing: Obj | None) -> tuple[list[Obj], Decimal]:
    ids, total = LineIds(existing), ZERO
    out: list[Obj] = []
    for raw in _lines(body):
        kind = raw.get("DetailType")
        if kind == "SubTotalLineDetail":
            continue  # recomputed below, as QBO does
        line: Obj = {"Id": ids.assign(raw), "LineNum": len(out) + 1, "DetailType": kind}
        if raw.get("Description") is not None:
            line["Description"] = str(raw["Description"])
        if kind == "DescriptionOnly":
            line["DescriptionLineDetail"] = raw.get("DescriptionLineDetail") or {}
            out.append(line)
            continue
        if kind != "SalesItemLineDetail":
            raise faults.bad_enum("Line.DetailType", kind)
        detail_in = raw.get(kind) or {}
        detail: Obj = {k: v for k, v in detail_in.items() if v is not None}
        item = resolve(realm, detail_in, "ItemRef", "Item", required=True)
        assert item is not None
        detail["ItemRef"] = ref_of(item)
        _detail_refs(realm, detail_in, detail)
        if raw.get("Amount") is not None:
            amount = money(raw["Amount"], "Line.Amount")
        elif detail_in.get("Qty") is not None and detail_in.get("UnitPrice") is not None:
            amount = money(Decimal(str(detail_in["Qty"])) * Decimal(str(detail_in["UnitPrice"])), "Amount")
        else:
            raise faults.required("Line.Amount")
        line.update({"Amount": num(amount), kind: detail})
        out.append(line)
        total += amount
    out.append({"Amount": num(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    return out, total


def invoice(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    customer = resolve(realm, body, "CustomerRef", "Customer", required=True)
    assert customer is not None
    lines, total = _sales_lines(realm, body, existing)
    ar = resolve(realm, body, "ARAccountRef", "Account") or realm.find_account(account_type="Accounts Receivable")
    if ar is None or ar.get("AccountType") != "Accounts Receivable":
        raise faults.invalid("ARAccountRef must be an Accounts Receivable account", "ARAccountRef")
    code, fx = currency(realm, body, customer)
    out = passthrough(body)
    _header(realm, body, today, out)
    if "DocNumber" not in out:
        out["DocNumber"] = str(realm.next_invoice_number)
        realm.next_invoice_number += 1
    due = (
        date(body["DueDate"], "DueDate")
        if body.get("DueDate")
        else (dt.date.fromisoformat(out["TxnDate"]) + dt.timedelta(days=30))
    )
    out.update(
        {
            "CustomerRef": ref_of(customer),
            "ARAccountRef": ref_of(ar),
            "Line": lines,
            "DueDate": due.isoformat(),
            "TotalAmt": num(total),
            **currency_fields(realm, code, fx, total),
        }
    )
    out.setdefault("EmailStatus", "NotSet")
    out.setdefault("PrintStatus", "NotSet")
    return out, []


def payment(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    customer = resolve(realm, body, "CustomerRef", "Customer", required=True)
    assert customer is not None
    if body.get("TotalAmt") is None:
        raise faults.required("TotalAmt")
    total = money(body["TotalAmt"], "TotalAmt")
    code, fx = currency(realm, body, customer)
    source: Key | None = ("Payment", existing["Id"]) if existing else None
    links: Links = []
    lines: list[Obj] = []
    for raw in body.get("Line") or []:
        key, amount, line = _applied(
            realm, raw, {"Invoice": "Invoice"}, source, "CustomerRef", str(customer["Id"]), code
        )
        links.append((key, amount))
        lines.append(line)
    applied = sum((a for _, a in links), ZERO)
    if applied > total:
        raise faults.invalid(f"The amount applied ({applied}) exceeds the payment amount ({total})", "TotalAmt")
    deposit = resolve(realm, body, "DepositToAccountRef", "Account") or realm.find_account(subtype="UndepositedFunds")
    if deposit is None or deposit.get("AccountType") not in ("Bank", "Other Current Asset"):
        raise faults.invalid("DepositToAccountRef must be a Bank or Other Current Asset account", "DepositToAccountRef")
    ar = resolve(realm, body, "ARAccountRef", "Account") or realm.find_account(account_type="Accounts Receivable")
    assert ar is not None
    out = passthrough(body)
    _header(realm, body, today, out)
    out.update(
        {
            "CustomerRef": ref_of(customer),
            "TotalAmt": num(total),
            "Line": lines,
            "UnappliedAmt": num(total - applied),
            "DepositToAccountRef": ref_of(deposit),
            "ARAccountRef": ref_of(ar),
            **currency_fields(realm, code, fx, total),
        }
    )
    return out, links


def deposit(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    to = resolve(realm, body, "DepositToAccountRef", "Account", required=True)
    assert to is not None
    if to.get("AccountType") != "Bank":
        raise faults.invalid("DepositToAccountRef must be a Bank account", "DepositToAccountRef")
    code, fx = currency(realm, body, None)
    source: Key | None = ("Deposit", existing["Id"]) if existing else None
    ids, lines, links, total = LineIds(existing), [], [], ZERO
    for num_, raw in enumerate(_lines(body), start=1):
        amount = money(raw.get("Amount"), "Line.Amount")
        line: Obj = {"Id": ids.assign(raw), "LineNum": num_, "Amount": num(amount)}
        if raw.get("LinkedTxn"):
            linked = raw["LinkedTxn"][0]
            if linked.get("TxnType") != "Payment":
                raise faults.bad_enum("LinkedTxn.TxnType", linked.get("TxnType"))
            pay = referenced(realm, "Payment", str(linked.get("TxnId")), "LinkedTxn")
            key: Key = ("Payment", str(pay["Id"]))
            if any(src != source for src in realm.sources_of(key)):
                raise faults.invalid(f"Payment {pay['Id']} is already deposited", "LinkedTxn")
            links.append((key, amount))
            line["LinkedTxn"] = [{"TxnId": str(pay["Id"]), "TxnType": "Payment", "TxnLineId": "0"}]
        else:
            detail_in = raw.get("DepositLineDetail") or {}
            acct = resolve(realm, detail_in, "AccountRef", "Account", required=True)
            assert acct is not None
            detail: Obj = {k: v for k, v in detail_in.items() if v is not None}
            detail["AccountRef"] = ref_of(acct)
            _detail_refs(realm, detail_in, detail)
            line.update({"DetailType": "DepositLineDetail", "DepositLineDetail": detail})
        lines.append(line)
        total += amount
    out = passthrough(body)
    _header(realm, body, today, out)
    out.update(
        {
            "DepositToAccountRef": ref_of(to),
            "Line": lines,
            "TotalAmt": num(total),
            **currency_fields(realm, code, fx, total),
        }
    )
    return out, links


def transfer(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    src = resolve(realm, body, "FromAccountRef", "Account", required=True)
    dst = resolve(realm, body, "ToAccountRef", "Account", required=True)
    assert src is not None and dst is not None
    if src["Id"] == dst["Id"]:
        raise faults.invalid("You can't transfer money to the same account", "ToAccountRef")
    if body.get("Amount") is None:
        raise faults.required("Amount")
    amount = money(body["Amount"], "Amount")
    if amount < 0:
        raise faults.invalid("Amount cannot be negative", "Amount")
    code, fx = currency(realm, body, None)
    out = passthrough(body)
    _header(realm, body, today, out)
    out.update(
        {
            "FromAccountRef": ref_of(src),
            "ToAccountRef": ref_of(dst),
            "Amount": num(amount),
            **currency_fields(realm, code, fx, amount),
        }
    )
    return out, []


def journal_entry(realm: Realm, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    ids, lines, debit, credit = LineIds(existing), [], ZERO, ZERO
    for num_, raw in enumerate(_lines(body), start=1):
        if raw.get("DetailType") != "JournalEntryLineDetail":
            raise faults.bad_enum("Line.DetailType", raw.get("DetailType"))
        detail_in = raw.get("JournalEntryLineDetail") or {}
        posting = detail_in.get("PostingType")
        if posting not in ("Debit", "Credit"):
            raise faults.bad_enum("PostingType", posting)
        amount = money(raw.get("Amount"), "Line.Amount")
        acct = resolve(realm, detail_in, "AccountRef", "Account", required=True)
        assert acct is not None
        detail: Obj = {k: v for k, v in detail_in.items() if v is not None}
        detail["AccountRef"] = ref_of(acct)
        _detail_refs(realm, detail_in, detail)
        entity: Any = detail_in.get("Entity") or {}
        need = {"Accounts Payable": "Vendor", "Accounts Receivable": "Customer"}.get(acct["AccountType"])
        if need is not None and entity.get("Type") != need:
            raise faults.invalid(
                f"You must select a {need.lower()} for a journal entry line that uses {acct['AccountType']}",
                "Entity",
            )
        if entity.get("EntityRef") is not None:
            party = resolve(realm, entity, "EntityRef", str(entity.get("Type") or "Vendor"))
            assert party is not None
            detail["Entity"] = {"Type": entity.get("Type"), "EntityRef": ref_of(party)}
        line: Obj = {
            "Id": ids.assign(raw),
            "LineNum": num_,
            "Amount": num(amount),
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": detail,
        }
        if raw.get("Description") is not None:
            line["Description"] = str(raw["Description"])
        lines.append(line)
        if posting == "Debit":
            debit += amount
        else:
            credit += amount
    if debit != credit:
        raise faults.invalid(f"Transaction must be balanced: debits {debit} != credits {credit}", "Line")
    code, fx = currency(realm, body, None)
    out = passthrough(body)
    _header(realm, body, today, out)
    out.update({"Line": lines, "TotalAmt": num(debit), **currency_fields(realm, code, fx, debit)})
    return out, []


def normalize_txn(realm: Realm, entity: str, body: Obj, existing: Obj | None, today: dt.date) -> tuple[Obj, Links]:
    if entity in ("Bill", "VendorCredit"):
        return purchase_by_vendor(realm, body, existing, today, entity)
    fn: dict[str, Normalizer] = {
        "BillPayment": bill_payment,
        "Invoice": invoice,
        "Payment": payment,
        "Deposit": deposit,
        "Transfer": transfer,
        "JournalEntry": journal_entry,
    }
    return fn[entity](realm, body, existing, today)
