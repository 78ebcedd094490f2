"""Reference and OneWorld checks (reference §6): every reference exists, and the subsidiary is
required; department, location, class, account, currency and entity must belong to it."""

from __future__ import annotations

from typing import Any

from netsuite_sandbox.account import Account
from netsuite_sandbox.errors import NsError, invalid_content, user_error, wrong_subsidiary
from netsuite_sandbox.records import ACCOUNT_TYPES, RecordType, Sublist

Rec = dict[str, Any]
KIND_WORDS = {
    "account": "account",
    "department": "department",
    "location": "location",
    "classification": "class",
    "vendor": "entity",
    "customer": "entity",
    "entity": "entity",
    "currency": "currency",
}
LABELS = {
    "subsidiary": "Subsidiary",
    "entity": "Vendor",
    "customer": "Customer",
    "account": "Account",
    "acctName": "Name",
    "acctType": "Type",
    "name": "Name",
    "payment": "Payment Amount",
}


def missing(field: str) -> NsError:
    return user_error(f"Please enter value(s) for: {LABELS.get(field, field)}", field)


def resolve(account: Account, target: str, rec_id: str) -> Rec | None:
    if target == "transaction":
        found = account.find_transaction(rec_id)
        return found[1] if found else None
    if target == "entity":
        entity = account.find_entity(rec_id)
        return entity[1] if entity else None
    return account.get(target, rec_id)


def check_refs(account: Account, fields: dict[str, str | None], values: Rec, prefix: str = "") -> None:
    for name, target in fields.items():
        value = values.get(name)
        if target is None or value is None:
            continue
        refs = value if isinstance(value, list) else [value]
        for ref in refs:
            found = resolve(account, target, ref["id"])
            if found is None or found.get("isInactive") is True:
                raise invalid_content(name, ref["id"], f"{prefix}{name}")
            if target == "account" and prefix and found.get("isSummary") is True:
                raise user_error(
                    f"Invalid account reference key {ref['id']}: a summary account cannot be posted to.",
                    f"{prefix}{name}",
                )


def belongs(account: Account, record: Rec, subsidiary_id: str) -> bool:
    """A multi-subsidiary record (account, department, location, class) is usable in ``subsidiary_id``
    when it lists it, or lists an ancestor with ``includeChildren``."""
    listed = [ref["id"] for ref in record.get("subsidiary") or []]
    chain = account.subsidiary_chain(subsidiary_id)
    if subsidiary_id in listed:
        return True
    return bool(record.get("includeChildren")) and any(s in listed for s in chain[1:])


def check_scoped(account: Account, target: str, ref: Rec | None, subsidiary_id: str, path: str) -> None:
    if ref is None or target not in KIND_WORDS or target == "currency":
        return
    record = resolve(account, target, ref["id"]) or {}
    if target in ("vendor", "customer", "entity"):
        ok = (record.get("subsidiary") or {}).get("id") == subsidiary_id
    else:
        ok = belongs(account, record, subsidiary_id)
    if not ok:
        raise wrong_subsidiary(KIND_WORDS[target], ref["id"], subsidiary_id, path)


def check_currency(account: Account, rec: Rec, entity: Rec | None, subsidiary_id: str) -> None:
    currency = (rec.get("currency") or {}).get("id")
    if currency is None:
        return
    allowed = {account.base_currency(subsidiary_id)}
    if entity is not None and entity.get("currency"):
        allowed.add(entity["currency"]["id"])
    if currency not in allowed:
        raise wrong_subsidiary("currency", currency, subsidiary_id, "currency")


def check_record(account: Account, spec: RecordType, rec: Rec) -> None:
    """Everything about ``rec`` that does not depend on other transactions' amounts."""
    for name in spec.required:
        if rec.get(name) in (None, "", []):
            raise missing(name)
    check_refs(account, spec.fields, rec)
    for sublist_name, sublist in spec.sublists.items():
        for i, line in enumerate(rec.get(sublist_name) or []):
            check_refs(account, sublist.fields, line, f"{sublist_name}.items[{i}].")
    if spec.kind == "account" and rec.get("acctType") not in ACCOUNT_TYPES:
        raise invalid_content("acctType", rec.get("acctType"), "acctType")
    if spec.kind == "entity":
        check_entity(account, spec, rec)
    elif spec.kind == "transaction":
        check_transaction(account, spec, rec)


def check_entity(account: Account, spec: RecordType, rec: Rec) -> None:
    if rec.get("isPerson"):
        for name in ("firstName", "lastName"):
            if not rec.get(name):
                raise missing(name)
    elif not rec.get("companyName"):
        raise missing("companyName")
    subsidiary_id = rec["subsidiary"]["id"]
    if spec.name == "job":  # a project's customer is in the project's subsidiary (unknown; stricter)
        check_scoped(account, "customer", rec.get("parent"), subsidiary_id, "parent")
    for name in ("payablesAccount", "receivablesAccount"):
        if name in spec.fields:
            check_scoped(account, "account", rec.get(name), subsidiary_id, name)


def check_transaction(account: Account, spec: RecordType, rec: Rec) -> None:
    subsidiary_id = rec["subsidiary"]["id"]
    entity_field = "customer" if "customer" in spec.fields else "entity"
    entity_ref = rec.get(entity_field)
    if entity_field in spec.fields:
        check_scoped(account, spec.fields[entity_field] or "entity", entity_ref, subsidiary_id, entity_field)
    for name, target in spec.fields.items():
        if target in ("account", "department", "location", "classification"):
            check_scoped(account, target, rec.get(name), subsidiary_id, name)
    for sublist_name, sublist in spec.sublists.items():
        check_lines(account, sublist_name, sublist, rec.get(sublist_name) or [], subsidiary_id)
    entity = resolve(account, "entity", entity_ref["id"]) if entity_ref else None
    check_currency(account, rec, entity, subsidiary_id)


def check_lines(account: Account, name: str, sublist: Sublist, lines: list[Rec], subsidiary_id: str) -> None:
    for i, line in enumerate(lines):
        for field, target in sublist.fields.items():
            if target in ("account", "department", "location", "classification", "entity"):
                check_scoped(account, target, line.get(field), subsidiary_id, f"{name}.items[{i}].{field}")
