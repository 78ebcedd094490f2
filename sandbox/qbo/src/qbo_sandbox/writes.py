"""Create, update (full and sparse), delete and void, with SyncTokens, MetaData, the derived
Balance/LinkedTxn of settled documents, the duplicate checks and webhook notifications."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbo_sandbox import faults
from qbo_sandbox.clock import SandboxClock, fmt_ts
from qbo_sandbox.entities import READ_ONLY, EntitySpec
from qbo_sandbox.fields import money, num
from qbo_sandbox.names import normalize_name
from qbo_sandbox.realm import Key, Obj, Realm
from qbo_sandbox.txns import Links, normalize_txn

SETTLED = ("Bill", "VendorCredit", "Invoice")
TXN_TYPES = {"JournalEntry": "Journal Entry", "BillPayment": "Bill Payment", "VendorCredit": "Vendor Credit"}
"""``TxnType`` as a 6140 detail names it (e.g. ``TxnType=Credit Memo``)."""


class Writer:
    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock

    # --- public operations ---------------------------------------------------------------------

    def create(self, realm: Realm, spec: EntitySpec, body: Obj, include: set[str]) -> Obj:
        obj, links = self._normalize(realm, spec, body, None)
        obj_id = realm.new_id()
        self._check_doc(realm, spec, obj, obj_id, include)
        stamp = fmt_ts(self.clock.now())
        obj.update(
            {
                "Id": obj_id,
                "SyncToken": "0",
                "domain": "QBO",
                "sparse": False,
                "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
            }
        )
        self._store(realm, spec, obj, None, links)
        realm.notify(spec.name, obj_id, "Create", stamp)
        return obj

    def update(self, realm: Realm, spec: EntitySpec, body: Obj, include: set[str]) -> Obj:
        existing = self._current(realm, spec, body)
        sparse = body.get("sparse") in (True, "true", "True")
        if sparse:
            if spec.name == "Bill" and "VendorRef" not in body:
                # [UNCERTAIN] in the reference; the sandbox takes the stricter side.
                raise faults.required("VendorRef")
            merged = {k: v for k, v in existing.items() if k not in READ_ONLY or k == "TotalAmt"}
            merged.update(body)  # a Line array, when present, replaces every line
        else:
            merged = dict(body)
        if spec.name == "Payment":
            self._not_deposited(realm, existing)
        obj, links = self._normalize(realm, spec, merged, existing)
        self._check_doc(realm, spec, obj, existing["Id"], include)
        if spec.name in SETTLED:
            paid = realm.linked_amount((spec.name, existing["Id"]))
            if money(obj.get("TotalAmt", 0), "TotalAmt") < paid:
                raise faults.invalid(f"The new total is below the {paid} already applied to this transaction")
        stamp = fmt_ts(self.clock.now())
        obj.update(
            {
                "Id": existing["Id"],
                "SyncToken": str(int(existing["SyncToken"]) + 1),
                "domain": "QBO",
                "sparse": False,
                "MetaData": {**existing["MetaData"], "LastUpdatedTime": stamp},
            }
        )
        self._store(realm, spec, obj, existing, links)
        operation = "Update"
        if spec.kind == "name" and existing.get("Active", True) and obj.get("Active") is False:
            operation = "Deactivate"  # the webhook hub sends Update or Delete (configurable)
        realm.notify(spec.name, obj["Id"], operation, stamp)
        return obj

    def delete(self, realm: Realm, spec: EntitySpec, body: Obj) -> Obj:
        if spec.kind == "name":
            raise faults.unsupported(f"Delete on {spec.name} (make it inactive instead)")
        existing = self._current(realm, spec, body)
        key: Key = (spec.name, existing["Id"])
        if realm.sources_of(key):
            if spec.name == "Payment":
                self._not_deposited(realm, existing)
            raise faults.invalid("This transaction is linked to other transactions; unlink them first")
        stamp = fmt_ts(self.clock.now())
        self._unindex(realm, spec, existing)
        touched = realm.set_links(key, [])
        del realm.table(spec.name)[existing["Id"]]
        realm.deleted.setdefault(spec.name, {})[existing["Id"]] = {
            "status": "Deleted",
            "domain": "QBO",
            "Id": existing["Id"],
            "MetaData": {"LastUpdatedTime": stamp},
        }
        for target in touched:
            self._refresh(realm, target)
        realm.notify(spec.name, existing["Id"], "Delete", stamp)
        return {"status": "Deleted", "domain": "QBO", "Id": existing["Id"]}

    def void(self, realm: Realm, spec: EntitySpec, body: Obj) -> Obj:
        existing = self._current(realm, spec, body)
        key: Key = (spec.name, existing["Id"])
        if spec.name == "Payment":
            self._not_deposited(realm, existing)
        if spec.name == "Invoice" and realm.sources_of(key):
            raise faults.invalid("Remove the payments applied to this invoice before voiding it")
        obj = dict(existing)
        note = existing.get("PrivateNote")
        obj["PrivateNote"] = f"Voided - {note}" if note else "Voided"
        if spec.name == "Transfer":
            obj["Amount"] = 0
        else:
            obj["TotalAmt"] = 0
        if spec.name in ("BillPayment", "Payment"):
            obj["Line"] = []
        if spec.name == "Payment":
            obj["UnappliedAmt"] = 0
        if spec.name == "Invoice":
            obj["Line"] = [{**ln, "Amount": 0} for ln in existing.get("Line", [])]
            obj["Balance"] = 0
        if "HomeTotalAmt" in obj:
            obj["HomeTotalAmt"] = 0
        stamp = fmt_ts(self.clock.now())
        obj.update(
            {
                "SyncToken": str(int(existing["SyncToken"]) + 1),
                "MetaData": {**existing["MetaData"], "LastUpdatedTime": stamp},
            }
        )
        self._store(realm, spec, obj, existing, [])
        realm.notify(spec.name, obj["Id"], "Void", stamp)
        return obj

    # --- helpers -------------------------------------------------------------------------------

    def _current(self, realm: Realm, spec: EntitySpec, body: Obj) -> Obj:
        obj_id = body.get("Id")
        if obj_id in (None, ""):
            raise faults.required("Id")
        existing = realm.visible(spec.name, str(obj_id))
        if existing is None:
            raise faults.not_found("Id", str(obj_id))
        token = body.get("SyncToken")
        if token is None:
            raise faults.required("SyncToken")
        if realm.faults.stale_next_updates > 0:
            realm.faults.stale_next_updates -= 1
            raise faults.stale()
        if str(token) != existing["SyncToken"]:
            raise faults.stale()
        return existing

    def _normalize(self, realm: Realm, spec: EntitySpec, body: Obj, existing: Obj | None) -> tuple[Obj, Links]:
        if not isinstance(body, dict):
            raise faults.QboFault(400, "2500", "Invalid Request", "Request body must be a JSON object")
        if spec.kind == "name":
            return normalize_name(realm, spec, body, existing), []
        return normalize_txn(realm, spec.name, body, existing, self.clock.today())

    def _check_doc(self, realm: Realm, spec: EntitySpec, obj: Obj, obj_id: str, include: set[str]) -> None:
        """6140 for a DocNumber already used by the same type (per vendor for bills and vendor
        credits) while the company's duplicate check for that type is on, unless
        ``include=allowduplicatedocnum``."""
        key = realm.doc_key(spec.name, obj)
        if key is None or "allowduplicatedocnum" in include or not realm.duplicate_doc_checks.get(spec.name):
            return
        others = realm.doc_numbers.get(key, set()) - {obj_id}
        if others:
            raise faults.duplicate_doc(obj["DocNumber"], TXN_TYPES.get(spec.name, spec.name), min(others, key=int))

    def _not_deposited(self, realm: Realm, payment: Obj) -> None:
        if realm.sources_of(("Payment", payment["Id"])):
            raise faults.QboFault(
                400,
                "6540",
                "Deposited Transaction cannot be changed",
                "This transaction has been deposited. If you want to change or delete it, "
                "you must edit the deposit it appears on and remove it first.",
            )

    def _store(self, realm: Realm, spec: EntitySpec, obj: Obj, existing: Obj | None, links: Links) -> None:
        if existing is not None:
            self._unindex(realm, spec, existing)
        realm.table(spec.name)[obj["Id"]] = obj
        self._index(realm, spec, obj)
        key: Key = (spec.name, obj["Id"])
        touched = realm.set_links(key, links) if (links or realm.links_out.get(key)) else set()
        self._refresh(realm, key)
        for target in touched:
            self._refresh(realm, target)

    def _index(self, realm: Realm, spec: EntitySpec, obj: Obj) -> None:
        if spec.party:
            realm.party_names[str(obj["DisplayName"]).lower()] = (spec.name, obj["Id"])
        elif (key := realm.doc_key(spec.name, obj)) is not None:
            realm.doc_numbers.setdefault(key, set()).add(obj["Id"])

    def _unindex(self, realm: Realm, spec: EntitySpec, obj: Obj) -> None:
        if spec.party:
            realm.party_names.pop(str(obj["DisplayName"]).lower(), None)
        elif (key := realm.doc_key(spec.name, obj)) is not None:
            realm.doc_numbers.get(key, set()).discard(obj["Id"])

    def _refresh(self, realm: Realm, key: Key) -> None:
        """Recompute what other transactions change: Balance and LinkedTxn."""
        entity, obj_id = key
        obj = realm.get(entity, obj_id)
        if obj is None:
            return
        sources = realm.links_in.get(key, {})
        if entity in SETTLED:
            total = Decimal(str(obj.get("TotalAmt", 0)))
            balance = total - sum(sources.values(), Decimal(0))
            obj["Balance"] = num(balance)
            if realm.multi_currency:
                obj["HomeBalance"] = num(balance * Decimal(str(obj.get("ExchangeRate", 1))))
        if entity in SETTLED or entity == "Payment":
            obj["LinkedTxn"] = [
                {"TxnId": src_id, "TxnType": _txn_type(realm, src_entity, src_id)} for src_entity, src_id in sources
            ]


def _txn_type(realm: Realm, entity: str, obj_id: str) -> str:
    if entity == "BillPayment":
        src: Any = realm.get(entity, obj_id) or {}
        return "BillPaymentCreditCard" if src.get("PayType") == "CreditCard" else "BillPaymentCheck"
    return entity
