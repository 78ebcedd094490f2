"""GET of one record and of a record list (reference §1.3): references as ``{id, refName, links}``,
sublists as links unless ``expandSubResources=true``, lists with ids only."""

from __future__ import annotations

import hashlib
from typing import Any

from netsuite_sandbox.account import Account
from netsuite_sandbox.errors import NsError
from netsuite_sandbox.oneworld import resolve
from netsuite_sandbox.posting import derived
from netsuite_sandbox.records import RecordType, Sublist
from netsuite_sandbox.writes import display_name

Rec = dict[str, Any]
LIST_LIMIT = 1000


def link(href: str) -> list[Rec]:
    return [{"rel": "self", "href": href}]


class Renderer:
    def __init__(self, account: Account, base: str) -> None:
        self.account = account
        self.base = base  # .../services/rest

    def href(self, record_type: str, rec_id: str) -> str:
        return f"{self.base}/record/v1/{record_type}/{rec_id}"

    def ref(self, target: str, value: Rec) -> Rec:
        rec_id = value["id"]
        found = resolve(self.account, target, rec_id)
        record_type = target
        if target == "transaction":
            hit = self.account.find_transaction(rec_id)
            record_type = hit[0] if hit else target
        elif target == "entity":
            entity = self.account.find_entity(rec_id)
            record_type = entity[0] if entity else target
        out: Rec = {"links": link(self.href(record_type, rec_id)), "id": rec_id}
        if found is not None:
            out["refName"] = display_name(found)
        return out

    def value(self, target: str | None, value: Any) -> Any:
        if target is None or value is None:
            return value
        if isinstance(value, list):
            return {"links": [], "items": [self.ref(target, v) for v in value], "totalResults": len(value)}
        return self.ref(target, value)

    def record(self, spec: RecordType, rec: Rec, *, expand: bool, fields: set[str] | None) -> Rec:
        own = self.href(spec.name, rec["id"])
        out: Rec = {"links": link(own)}
        for name, val in rec.items():
            if name in spec.sublists:
                out[name] = self.sublist(spec.sublists[name], val, f"{own}/{name}", expand=expand)
            elif name == "acctType":
                out[name] = {"id": val, "refName": val}
            elif name in spec.fields:
                out[name] = self.value(spec.fields[name], val)
            else:
                out[name] = val
        for name in spec.sublists:
            out.setdefault(name, self.sublist(spec.sublists[name], [], f"{own}/{name}", expand=expand))
        out.update(derived(self.account, spec.name, rec))
        if fields:
            keep = {f.lower() for f in fields} | {"id", "links"}
            out = {k: v for k, v in out.items() if k.lower() in keep}
        return out

    def sublist(self, spec: Sublist, lines: list[Rec], href: str, *, expand: bool) -> Rec:
        if not expand:
            return {"links": link(href)}
        items = [{"links": [], **{k: self.value(spec.fields.get(k), v) for k, v in line.items()}} for line in lines]
        return {"links": link(href), "items": items, "totalResults": len(items)}

    def listing(self, spec: RecordType, limit: int, offset: int, href: str) -> Rec:
        if not 1 <= limit <= LIST_LIMIT:
            raise NsError(
                400, "INVALID_PARAMETER", f"Invalid limit {limit}: the limit must be 1 to {LIST_LIMIT}.", path="limit"
            )
        if offset < 0 or offset % limit != 0:
            raise NsError(400, "INVALID_PARAMETER", "The offset must be a multiple of the limit.", path="offset")
        ids = sorted(
            self.account.records.get(spec.name, {}),
            key=lambda i: hashlib.sha256(f"{self.account.account_id}:{i}".encode()).hexdigest(),
        )
        page = ids[offset : offset + limit]
        return {
            "links": paging_links(href, limit, offset, len(ids)),
            "count": len(page),
            "hasMore": offset + limit < len(ids),
            "items": [{"links": link(self.href(spec.name, i)), "id": i} for i in page],
            "offset": offset,
            "totalResults": len(ids),
        }


def paging_links(href: str, limit: int, offset: int, total: int) -> list[Rec]:
    def at(off: int) -> str:
        return f"{href}?limit={limit}&offset={off}"

    last = max(0, (total - 1) // limit * limit)
    links = []
    if offset > 0:
        links.append({"rel": "previous", "href": at(max(0, offset - limit))})
    links.append({"rel": "first", "href": at(0)})
    if offset + limit < total:
        links.append({"rel": "next", "href": at(offset + limit)})
    links.append({"rel": "last", "href": at(last)})
    links.append({"rel": "self", "href": at(offset)})
    return links
