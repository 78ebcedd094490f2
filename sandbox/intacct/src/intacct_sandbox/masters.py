"""Create, update and delete of lists (vendors, customers, accounts, dimensions)."""

from __future__ import annotations

from intacct_sandbox import errors
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import Spec
from intacct_sandbox.rules import referenced, require, text

# Transactions that keep a list entry alive: deleting a vendor a bill points at is refused.
IN_USE = {
    "VENDOR": (("APBILL", "VENDORID"), ("APPYMT", "VENDORID")),
    "CUSTOMER": (("ARINVOICE", "CUSTOMERID"), ("ARPYMT", "CUSTOMERID")),
}


def _check(ctx: Ctx, spec: Spec, record: Record) -> None:
    assert spec.id_field is not None
    require(record, (spec.id_field, *spec.required), spec.label)
    for key, allowed in spec.enums.items():
        value = text(record, key)
        if not value:
            continue
        match = next((a for a in allowed if a.lower() == value.lower()), None)
        if match is None:
            raise errors.bad_value(key, value)
        record[key] = match
    for key, ref in spec.refs.items():
        value = text(record, key)
        if value:
            referenced(ctx, ref, value)


def _unique(ctx: Ctx, spec: Spec, record: Record, own_recordno: str | None) -> None:
    assert spec.id_field is not None
    value = text(record, spec.id_field)
    other = ctx.company.find(spec.name, spec.id_field, value)
    if other is not None and other["RECORDNO"] != own_recordno:
        if spec.name == "GLACCOUNT":
            raise errors.duplicate_account(value)
        raise errors.already_exists(spec.label, value)


def create(ctx: Ctx, spec: Spec, data: Record) -> Record:
    record = dict(data)
    record.pop("RECORDNO", None)
    record.setdefault("STATUS", "active")
    _check(ctx, spec, record)
    _unique(ctx, spec, record, None)
    record["MEGAENTITYID"] = ctx.entity
    return ctx.company.insert(spec.name, record, ctx.now, ctx.user)


def locate(ctx: Ctx, spec: Spec, data: Record) -> Record:
    """The record an update names by ``RECORDNO`` or by its ID field."""
    recordno = text(data, "RECORDNO")
    found: Record | None = None
    if recordno.isdigit():
        found = ctx.company.get(spec.name, int(recordno))
    elif spec.id_field and text(data, spec.id_field):
        found = ctx.company.find(spec.name, spec.id_field, text(data, spec.id_field))
    if found is None or not ctx.company.visible(found, ctx.entity, show_private=False):
        key = recordno or (text(data, spec.id_field) if spec.id_field else "")
        raise errors.business(f"No {spec.label} record found for key '{key}'.", f"Provide a valid {spec.label} key.")
    return found


def update(ctx: Ctx, spec: Spec, data: Record) -> Record:
    existing = locate(ctx, spec, data)
    merged = {**existing, **{k: v for k, v in data.items() if k != "RECORDNO"}}
    _check(ctx, spec, merged)
    _unique(ctx, spec, merged, existing["RECORDNO"])
    return ctx.company.save(spec.name, merged, ctx.now, ctx.user)


def delete(ctx: Ctx, spec: Spec, record: Record) -> None:
    assert spec.id_field is not None
    value = text(record, spec.id_field)
    for obj, key in IN_USE.get(spec.name, ()):
        if any(text(other, key) == value for other in ctx.company.table(obj).values()):
            raise errors.business(
                f"{spec.label} {value} is used by {obj} records and cannot be deleted.",
                "Make it inactive instead.",
            )
    ctx.company.remove(spec.name, int(record["RECORDNO"]), ctx.now, ctx.user)
