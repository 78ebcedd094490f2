"""Validation and normalisation of name-list entities (Vendor, Customer, Employee, Account,
Class, Department, Item). Each function returns the stored object minus Id/SyncToken/MetaData."""

from __future__ import annotations

from qbo_sandbox import faults
from qbo_sandbox.entities import ACCOUNT_CLASSIFICATION, DEFAULT_SUBTYPE, ITEM_TYPES, READ_ONLY, EntitySpec
from qbo_sandbox.fields import money, num, ref_of, ref_value, resolve, text
from qbo_sandbox.realm import Obj, Realm


def passthrough(body: Obj) -> Obj:
    """Writable fields we do not model are kept as sent (a full update clears what is left out)."""
    return {k: v for k, v in body.items() if k not in READ_ONLY and v is not None}


def _active(body: Obj) -> bool:
    value = body.get("Active", True)
    return value if isinstance(value, bool) else str(value).lower() != "false"


def normalize_name(realm: Realm, spec: EntitySpec, body: Obj, existing: Obj | None) -> Obj:
    if spec.party:
        return _party(realm, spec, body, existing)
    if spec.name == "Account":
        return _account(realm, body, existing)
    if spec.name == "Item":
        return _item(realm, body, existing)
    return _tracking(realm, spec, body, existing)


def _party(realm: Realm, spec: EntitySpec, body: Obj, existing: Obj | None) -> Obj:
    out = passthrough(body)
    name = body.get("DisplayName")
    if not name:
        parts = [body.get("GivenName"), body.get("MiddleName"), body.get("FamilyName")]
        name = " ".join(str(p) for p in parts if p) or body.get("CompanyName")
    if not name:
        raise faults.required("DisplayName")
    name = str(name).strip()
    if len(name) > 500:
        raise faults.too_long("DisplayName", 500)
    clash = realm.party_names.get(name.lower())
    if clash is not None and (existing is None or clash != (spec.name, existing["Id"])):
        raise faults.duplicate_name(name)
    out["DisplayName"] = name
    out.setdefault("PrintOnCheckName", name)
    out["Active"] = _active(body)
    if spec.name in ("Vendor", "Customer"):
        code = ref_value(body, "CurrencyRef")
        old = (existing or {}).get("CurrencyRef", {}).get("value")
        if not realm.multi_currency:
            if code is not None and code != realm.home_currency:
                raise faults.invalid("Multicurrency is not enabled for this company", "CurrencyRef")
            code = realm.home_currency
        else:
            code = code or old or realm.home_currency
            if old and code != old:
                raise faults.invalid("The currency of a name cannot be changed", "CurrencyRef")
        out["CurrencyRef"] = {"value": code, "name": code}
    if spec.name == "Vendor":
        out["Vendor1099"] = bool(body.get("Vendor1099", False))
    return out


def _fqn(realm: Realm, entity: str, body: Obj, name: str) -> tuple[str, Obj | None]:
    parent = resolve(realm, body, "ParentRef", entity)
    if parent is None:
        return name, None
    return f"{parent.get('FullyQualifiedName') or parent.get('Name')}:{name}", parent


def _unique(realm: Realm, entity: str, fqn: str, existing: Obj | None) -> None:
    for other in realm.all(entity):
        if existing is not None and other["Id"] == existing["Id"]:
            continue
        if str(other.get("FullyQualifiedName", other.get("Name", ""))).lower() == fqn.lower():
            raise faults.QboFault(
                400,
                "6240",
                "Duplicate Name Exists Error",
                f"The name supplied already exists. : Another {entity.lower()} is already "
                f"using this name. Please use a different name. Name={fqn}",
            )


def _account(realm: Realm, body: Obj, existing: Obj | None) -> Obj:
    out = passthrough(body)
    name = text(body, "Name", 100)
    if not name:
        raise faults.required("Name")
    if ":" in name or '"' in name:
        raise faults.invalid("Account names cannot contain a colon or a double quote", "Name")
    account_type = body.get("AccountType")
    if not account_type:
        raise faults.required("AccountType")
    if account_type not in ACCOUNT_CLASSIFICATION:
        raise faults.bad_enum("AccountType", account_type)
    fqn, parent = _fqn(realm, "Account", body, name)
    _unique(realm, "Account", fqn, existing)
    out.update(
        {
            "Name": name,
            "FullyQualifiedName": fqn,
            "AccountType": account_type,
            "AccountSubType": body.get("AccountSubType") or DEFAULT_SUBTYPE[account_type],
            "Classification": ACCOUNT_CLASSIFICATION[account_type],
            "SubAccount": parent is not None,
            "Active": _active(body),
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
        }
    )
    if parent is not None:
        out["ParentRef"] = ref_of(parent)
    code = ref_value(body, "CurrencyRef") or realm.home_currency
    if code != realm.home_currency and (
        not realm.multi_currency
        or account_type in ("Income", "Expense", "Other Income", "Other Expense", "Cost of Goods Sold")
    ):
        raise faults.invalid("This account must use the home currency", "CurrencyRef")
    out["CurrencyRef"] = {"value": code, "name": code}
    return out


def _tracking(realm: Realm, spec: EntitySpec, body: Obj, existing: Obj | None) -> Obj:
    out = passthrough(body)
    name = text(body, "Name", 100)
    if not name:
        raise faults.required("Name")
    fqn, parent = _fqn(realm, spec.name, body, name)
    _unique(realm, spec.name, fqn, existing)
    sub_key = "SubClass" if spec.name == "Class" else "SubDepartment"
    out.update({"Name": name, "FullyQualifiedName": fqn, sub_key: parent is not None, "Active": _active(body)})
    if parent is not None:
        out["ParentRef"] = ref_of(parent)
    return out


def _item(realm: Realm, body: Obj, existing: Obj | None) -> Obj:
    out = passthrough(body)
    name = text(body, "Name", 100)
    if not name:
        raise faults.required("Name")
    item_type = body.get("Type") or "Service"
    if item_type not in ITEM_TYPES:
        raise faults.bad_enum("Type", item_type)
    _unique(realm, "Item", name, existing)
    out.update({"Name": name, "FullyQualifiedName": name, "Type": item_type, "Active": _active(body)})
    for key in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
        acct = resolve(realm, body, key, "Account", required=item_type == "Inventory")
        if acct is not None:
            out[key] = ref_of(acct)
    if item_type in ("Service", "NonInventory") and not (out.get("IncomeAccountRef") or out.get("ExpenseAccountRef")):
        raise faults.required("IncomeAccountRef")
    if item_type == "Inventory":
        for key in ("QtyOnHand", "InvStartDate"):
            if body.get(key) is None:
                raise faults.required(key)
        out["TrackQtyOnHand"] = True
    for key in ("UnitPrice", "PurchaseCost"):
        if body.get(key) is not None:
            out[key] = num(money(body[key], key))
    return out
