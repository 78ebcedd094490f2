"""Create, update (PATCH), upsert (PUT ``eid:``) and delete, each validated before anything is stored;
every write stamps ``lastModifiedDate`` and a delete leaves a ``DeletedRecord`` row (reference §1.3-§1.5, §2)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from netsuite_sandbox.account import Account, stamp
from netsuite_sandbox.errors import NsError, invalid_parameter, not_found, user_error
from netsuite_sandbox.fields import merge_lines
from netsuite_sandbox.oneworld import check_record
from netsuite_sandbox.posting import check_period, check_posting, record_applications
from netsuite_sandbox.records import RecordType

Rec = dict[str, Any]
DELETE_CONTEXT = "RESTWEBSERVICES"


def display_name(rec: Rec) -> str:
    for key in ("tranId", "entityId", "companyName", "name", "acctName"):
        if rec.get(key):
            return str(rec[key])
    return str(rec.get("id", ""))


class Writer:
    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self.now = now

    def create(self, account: Account, spec: RecordType, body: Rec) -> str:
        self._writable(spec)
        external_id = body.get("externalId")
        if external_id is not None and account.by_external_id(spec.name, external_id) is not None:
            raise user_error("This entity already exists.", "externalId")
        rec_id = account.new_id(spec.name)
        rec = {**self._defaults(account, spec, body), **body, "id": rec_id}
        if spec.kind == "transaction":
            rec.setdefault("createdDate", stamp(self.now()))
        elif spec.kind == "entity":
            rec.setdefault("dateCreated", stamp(self.now()))
        self._store(account, spec, rec_id, rec)
        return rec_id

    def update(self, account: Account, spec: RecordType, rec_id: str, body: Rec, replace: set[str]) -> None:
        self._writable(spec)
        old = account.get(spec.name, rec_id)
        if old is None:
            raise not_found(spec.name, rec_id)
        unknown = replace - set(spec.sublists)
        if unknown:
            raise invalid_parameter(f"Invalid replace parameter value: {', '.join(sorted(unknown))}.", "replace")
        check_period(account, old.get("tranDate"))
        rec = copy.deepcopy(old)
        for name, value in body.items():
            if name in spec.sublists:
                lines = merge_lines(spec.sublists[name], rec.get(name) or [], value, replace=name in replace)
                rec[name] = lines
            elif value is None:
                rec.pop(name, None)  # null deletes a value (O:section_1545142173)
            else:
                rec[name] = value
        for name in replace - set(body):
            rec[name] = []  # ?replace= with no lines sent clears the sublist
        external_id = rec.get("externalId")
        holder = account.by_external_id(spec.name, external_id) if external_id else None
        if holder is not None and holder != rec_id:
            raise user_error("This entity already exists.", "externalId")
        self._store(account, spec, rec_id, rec, previous=old)

    def upsert(self, account: Account, spec: RecordType, external_id: str, body: Rec, replace: set[str]) -> bool:
        """PUT ``eid:<value>``: update the record with that external id, or create it. Answers created?"""
        body = {**body, "externalId": external_id}
        rec_id = account.by_external_id(spec.name, external_id)
        if rec_id is None:
            self.create(account, spec, body)
            return True
        self.update(account, spec, rec_id, body, replace)
        return False

    def delete(self, account: Account, spec: RecordType, rec_id: str) -> None:
        self._writable(spec)
        rec = account.get(spec.name, rec_id)
        if rec is None:
            raise not_found(spec.name, rec_id)
        check_period(account, rec.get("tranDate"))
        if account.applied.get(rec_id) or self._referenced(account, spec, rec_id):
            raise user_error("This record cannot be deleted because it has dependent records.")
        touched = record_applications(account, rec_id, [])
        del account.table(spec.name)[rec_id]
        if rec.get("externalId"):
            account.external_ids.pop((spec.name, rec["externalId"]), None)
        when = stamp(self.now())
        account.deleted.append(
            {
                "recordid": rec_id,
                "recordtypeid": spec.name.lower(),
                "deleteddate": when,
                "name": display_name(rec),
                "context": DELETE_CONTEXT,
                "iscustomrecord": "F",
            }
        )
        self._touch(account, touched, when)
        account.counters["writes"] += 1

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _writable(spec: RecordType) -> None:
        if not spec.writable:
            raise NsError(405, None, f"The {spec.name} record can only be read through REST web services.")

    def _defaults(self, account: Account, spec: RecordType, body: Rec) -> Rec:
        defaults: Rec = {}
        if spec.kind == "entity" and body.get("subsidiary"):
            base = account.base_currency(body["subsidiary"]["id"])
            defaults.update(currency={"id": base}, isInactive=False, isPerson=False)
            defaults["entityId"] = (
                body.get("companyName") or " ".join(str(body.get(k) or "") for k in ("firstName", "lastName")).strip()
            )
        if spec.kind in ("segment", "account"):
            defaults.update(isInactive=False, includeChildren=False)
        if spec.kind == "transaction":
            defaults["tranDate"] = self.now().date().isoformat()
            if body.get("subsidiary"):
                defaults.update(self._currency_defaults(account, spec, body))
        if spec.name == "vendorBill":
            defaults["approvalStatus"] = {"id": "2"}
        return defaults

    @staticmethod
    def _currency_defaults(account: Account, spec: RecordType, body: Rec) -> Rec:
        base = account.base_currency(body["subsidiary"]["id"])
        entity_ref = body.get("customer") or body.get("entity")
        entity = account.find_entity(entity_ref["id"]) if entity_ref else None
        currency = (body.get("currency") or (entity[1].get("currency") if entity else None) or {"id": base})["id"]
        out: Rec = {"currency": {"id": currency}}
        if currency == base:
            out["exchangeRate"] = 1.0
        else:
            names = {v: k for k, v in account.seeded.get("currency", {}).items()}
            rate = account.exchange_rates.get((names.get(currency, ""), names.get(base, "")))
            if rate is not None:
                out["exchangeRate"] = float(rate)
        return out

    def _store(self, account: Account, spec: RecordType, rec_id: str, rec: Rec, previous: Rec | None = None) -> None:
        check_record(account, spec, rec)
        if spec.kind == "transaction" and rec.get("exchangeRate") is None:
            raise user_error("Please enter value(s) for: Exchange Rate", "exchangeRate")
        pairs = check_posting(account, spec.name, rec, rec_id)
        # validated: commit
        when = stamp(self.now())
        rec["lastModifiedDate"] = when
        account.table(spec.name)[rec_id] = rec
        if previous is not None and previous.get("externalId") and previous.get("externalId") != rec.get("externalId"):
            account.external_ids.pop((spec.name, previous["externalId"]), None)
        if rec.get("externalId"):
            account.external_ids[(spec.name, rec["externalId"])] = rec_id
        touched = record_applications(account, rec_id, pairs) if pairs or previous is not None else []
        self._touch(account, touched, when)
        account.counters["writes"] += 1

    @staticmethod
    def _touch(account: Account, doc_ids: list[str], when: str) -> None:
        for doc_id in doc_ids:
            found = account.find_transaction(doc_id)
            if found is not None:
                found[1]["lastModifiedDate"] = when

    @staticmethod
    def _referenced(account: Account, spec: RecordType, rec_id: str) -> bool:
        if spec.kind != "entity":
            return False
        for name, table in account.records.items():
            if name in ("vendorBill", "vendorCredit", "vendorPayment", "invoice", "customerPayment"):
                for rec in table.values():
                    if (rec.get("entity") or rec.get("customer") or {}).get("id") == rec_id:
                        return True
        return False
