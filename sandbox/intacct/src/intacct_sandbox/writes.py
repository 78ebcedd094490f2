"""``create``, ``update``, ``delete`` and the legacy ``create_invoice``: dispatch by object."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree.ElementTree import Element

from intacct_sandbox import errors, journals, masters, payables, receivables
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.objects import Spec, spec_for
from intacct_sandbox.reads import Answer
from intacct_sandbox.xmlio import child_text, to_value

Creator = Callable[[Ctx, Record], Record]
Updater = Callable[[Ctx, Record, Record], Record]
Deleter = Callable[[Ctx, Record], None]

CREATE: dict[str, Creator] = {
    "APBILL": payables.create_bill,
    "APPYMT": payables.create_payment,
    "ARPYMT": receivables.create_ar_payment,
    "GLBATCH": journals.create_batch,
}
UPDATE: dict[str, Updater] = {
    "APBILL": payables.update_bill,
    "APPYMT": payables.update_payment,
    "GLBATCH": journals.update_batch,
}
DELETE: dict[str, Deleter] = {
    "APBILL": payables.delete_bill,
    "APPYMT": payables.delete_payment,
    "ARINVOICE": receivables.delete_invoice,
    "ARPYMT": receivables.delete_ar_payment,
    "GLBATCH": journals.delete_batch,
}


def _objects(element: Element) -> list[tuple[Spec, Record]]:
    items: list[tuple[Spec, Record]] = []
    for child in element:
        spec = spec_for(child.tag)
        if spec is None:
            raise errors.object_not_found(child.tag, query=False)
        value = to_value(child)
        items.append((spec, value if isinstance(value, dict) else {}))
    if not items:
        raise errors.business(f"<{element.tag}> names no object.")
    return items


def _summary(spec: Spec, record: Record) -> tuple[str, Record]:
    row: Record = {"RECORDNO": record["RECORDNO"]}
    if spec.id_field:
        row[spec.id_field] = record.get(spec.id_field, "")
    return spec.name.lower(), row


def create(ctx: Ctx, element: Element) -> Answer:
    rows = []
    for spec, data in _objects(element):
        if not spec.creatable:
            hint = f" Use {spec.legacy_create}." if spec.legacy_create else ""
            raise errors.business(f"{spec.name} records cannot be created with create.{hint}")
        creator = CREATE.get(spec.name)
        record = creator(ctx, data) if creator else masters.create(ctx, spec, data)
        rows.append(_summary(spec, record))
    return Answer({"listtype": "objects", "count": str(len(rows))}, rows)


def _transaction(ctx: Ctx, spec: Spec, key: str) -> Record:
    record = ctx.company.get(spec.name, int(key)) if key.isdigit() else None
    if record is None or not ctx.company.visible(record, ctx.entity, show_private=False):
        raise errors.business(f"No {spec.label} record found for key '{key}'.", f"Provide a valid {spec.label} key.")
    return record


def update(ctx: Ctx, element: Element) -> Answer:
    rows = []
    for spec, data in _objects(element):
        if spec.transaction:
            updater = UPDATE.get(spec.name)
            if updater is None:
                raise errors.business(f"{spec.name} records cannot be changed with update.")
            record = updater(ctx, _transaction(ctx, spec, str(data.get("RECORDNO", "")).strip()), data)
        elif not spec.creatable:
            raise errors.business(f"{spec.name} records cannot be changed with update.")
        else:
            record = masters.update(ctx, spec, data)
        rows.append(_summary(spec, record))
    return Answer({"listtype": "objects", "count": str(len(rows))}, rows)


def delete(ctx: Ctx, element: Element) -> Answer:
    name = child_text(element, "object")
    spec = spec_for(name)
    if spec is None:
        raise errors.object_not_found(name, query=False)
    keys = [k.strip() for k in child_text(element, "keys").split(",") if k.strip()]
    if not keys:
        raise errors.missing("keys", "delete")
    for key in keys:
        record = ctx.company.get(spec.name, int(key)) if key.isdigit() else None
        if record is None or not ctx.company.visible(record, ctx.entity, show_private=False):
            raise errors.cannot_delete(spec.label, key)
        if spec.transaction:
            deleter = DELETE.get(spec.name)
            if deleter is None:
                raise errors.business(f"{spec.name} records cannot be deleted.")
            deleter(ctx, record)
        elif not spec.creatable:
            raise errors.business(f"{spec.name} records cannot be deleted.")
        else:
            masters.delete(ctx, spec, record)
    return Answer()


def create_invoice(ctx: Ctx, element: Element) -> Answer:
    data = to_value(element)
    record = receivables.create_invoice(ctx, data if isinstance(data, dict) else {})
    return Answer(key=record["RECORDNO"])


WRITE_FUNCTIONS = {"create", "update", "delete", "create_invoice"}
