"""Reading a request body against a record type: field names (case-insensitive, unknown ones
refused or warned about per ``X-NetSuite-PropertyNameValidation``), references and sublist lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from netsuite_sandbox.errors import NsError, invalid_content
from netsuite_sandbox.records import RecordType, Sublist, canonical_fields

Rec = dict[str, Any]
MULTI_SUBSIDIARY_KINDS = ("segment", "account")
DATE_FIELDS = ("tranDate", "dueDate", "reversalDate")


def ref_id(value: Any, field: str, path: str) -> str:
    """``{"id": "7"}`` (or a bare id) -> ``"7"``; anything else is INVALID_CONTENT."""
    if isinstance(value, dict) and "id" in value:
        value = value["id"]
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise invalid_content(field, value, path)
    return str(value)


def ref_list(value: Any, field: str, path: str) -> list[Rec]:
    """A multi-select reference: a list of refs or ``{"items": [...]}``."""
    items = value.get("items") if isinstance(value, dict) and "items" in value else value
    if not isinstance(items, list) or not items:
        raise invalid_content(field, value, path)
    return [{"id": ref_id(item, field, f"{path}[{i}]")} for i, item in enumerate(items)]


def amount(value: Any, field: str, path: str) -> Decimal:
    if isinstance(value, bool):
        raise invalid_content(field, value, path)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise invalid_content(field, value, path) from exc
    if not number.is_finite():
        raise invalid_content(field, value, path)
    return number


class BodyReader:
    """Turns a JSON body into canonical field names and normalised references."""

    def __init__(self, spec: RecordType, *, strict_names: bool) -> None:
        self.spec = spec
        self.strict = strict_names
        self.names = canonical_fields(spec)
        self.warnings: list[str] = []

    def unknown(self, name: str, path: str) -> None:
        if self.strict:
            raise NsError(
                400, "NONEXISTENT_FIELD", f"Invalid field name: '{name}'. Provide a valid field name.", path=path
            )
        self.warnings.append(f"Unknown field '{path}' was ignored.")

    def read(self, body: Any) -> Rec:
        if not isinstance(body, dict):
            raise NsError(400, "INVALID_CONTENT", "The request body must be a JSON object.")
        out: Rec = {}
        for raw_name, value in body.items():
            if raw_name in ("links", "id", "refName"):
                continue
            name = self.names.get(raw_name.lower())
            if name is None:
                self.unknown(raw_name, raw_name)
                continue
            if name in self.spec.read_only:
                continue  # computed by NetSuite; a sent value does not change it
            if name in self.spec.sublists:
                out[name] = self.lines(name, self.spec.sublists[name], value)
            elif name == "externalId":
                out[name] = None if value is None else str(value)
            else:
                out[name] = self.value(name, self.spec.fields[name], value, name)
        return out

    def value(self, name: str, target: str | None, value: Any, path: str) -> Any:
        if name in DATE_FIELDS and value is not None:
            try:
                return dt.date.fromisoformat(str(value)).isoformat()
            except ValueError as exc:
                raise invalid_content(name, value, path) from exc
        if name == "acctType" and isinstance(value, dict):
            return value.get("id")  # a select field may be sent as {"id": "Bank"}
        if value is None or target is None:
            return value
        if name == "subsidiary" and self.spec.kind in MULTI_SUBSIDIARY_KINDS:
            return ref_list(value, name, path)
        return {"id": ref_id(value, name, path)}

    def lines(self, sublist: str, spec: Sublist, value: Any) -> list[Rec]:
        items = value.get("items") if isinstance(value, dict) else None
        if not isinstance(items, list):
            raise invalid_content(sublist, value, sublist)
        known = {n.lower(): n for n in spec.fields}
        lines: list[Rec] = []
        for i, item in enumerate(items):
            path = f"{sublist}.items[{i}]"
            if not isinstance(item, dict):
                raise invalid_content(sublist, item, path)
            line: Rec = {}
            for raw_name, field_value in item.items():
                if raw_name in ("links", "refName"):
                    continue
                name = known.get(raw_name.lower())
                if name is None:
                    self.unknown(raw_name, f"{path}.{raw_name}")
                    continue
                line[name] = self.value(name, spec.fields[name], field_value, f"{path}.{name}")
            lines.append(line)
        return lines


def merge_lines(spec: Sublist, old: list[Rec], new: list[Rec], *, replace: bool) -> list[Rec]:
    """O:section_1545295601 / O:section_1545297048: keyed lines update matches and add the rest
    (``replace`` drops unmatched old lines); non-keyed lines append unless ``replace``."""
    if replace:
        return [dict(line) for line in new]
    if spec.key is None:
        return [*old, *(dict(line) for line in new)]
    merged = [dict(line) for line in old]
    for line in new:
        key = (line.get(spec.key) or {}).get("id")
        match = next((m for m in merged if key is not None and (m.get(spec.key) or {}).get("id") == key), None)
        if match is None:
            merged.append(dict(line))
        else:
            match.update(line)
    return merged
