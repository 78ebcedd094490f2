"""``read``, ``readByName``, ``readByQuery``, ``readMore`` and ``query``: visibility, fields, paging."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from intacct_sandbox import errors
from intacct_sandbox.company import Ctx, Record
from intacct_sandbox.filters import QueryError, Resolver, field_value, query_failed, sort_key, sql_filter, xml_filter
from intacct_sandbox.objects import Spec, spec_for
from intacct_sandbox.xmlio import child_text

READ_KEYS_MAX = 100
RBQ_PAGE_MAX = 1000
QUERY_PAGE_MAX = 2000
DEFAULT_PAGE = 100
RESULT_TTL = dt.timedelta(minutes=30)
STATUS_LETTERS = {"active": "T", "inactive": "F"}
ACCESS_MODE_WORDS = {
    "A": "Access",
    "M": "Modify",
    "C": "Create",
    "D": "Delete",
    "W": "Workflow",
    "T": "Activity",
    "U": "User Action",
}
# object -> relation name -> (related object, the key both share)
RELATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "APBILL": {"VENDOR": ("VENDOR", "VENDORID")},
    "APPYMT": {"VENDOR": ("VENDOR", "VENDORID")},
    "ARINVOICE": {"CUSTOMER": ("CUSTOMER", "CUSTOMERID")},
    "ARPYMT": {"CUSTOMER": ("CUSTOMER", "CUSTOMERID")},
    "PROJECT": {"CUSTOMER": ("CUSTOMER", "CUSTOMERID")},
}
LINE_CONTAINERS = ("APBILLITEMS", "ARINVOICEITEMS", "ENTRIES", "APPYMTDETAILS", "ARPYMTDETAILS")


@dataclass
class Answer:
    """What a function returns: ``<data attrs>`` with rows ``(tag, fields)``, or a bare ``<key>``."""

    attrs: dict[str, str] | None = None
    rows: list[tuple[str, Record]] = field(default_factory=list)
    key: str | None = None
    data: Record | None = None


@dataclass
class ResultSet:
    company_id: str
    spec: Spec
    recordnos: list[int]
    fields: list[str] | None
    pagesize: int
    expires: dt.datetime


def spec_or_fail(name: str, *, query: bool) -> Spec:
    spec = spec_for(name)
    if spec is None:
        raise errors.object_not_found(name, query=query)
    return spec


def public(record: Record, fields: list[str] | None, *, lines: bool, resolve: Resolver | None = None) -> Record:
    if fields is None:
        return {k: v for k, v in record.items() if not k.startswith("_") and (lines or k not in LINE_CONTAINERS)}
    if resolve is not None:
        return {f: resolve(record, f) for f in fields}
    return {f: field_value(record, f) if "." in f else record.get(f, "") for f in fields}


def _related(ctx: Ctx, spec: Spec) -> Resolver:
    """``query`` field paths over many-to-one relations: ``VENDOR.NAME`` on a bill reads the bill's vendor."""
    relations = RELATIONS.get(spec.name, {})

    def resolve(record: Record, name: str) -> str:
        head, _, rest = name.partition(".")
        relation = relations.get(head.upper())
        if relation is None or not rest:
            return str(field_value(record, name))
        target, key = relation
        other = ctx.company.find(target, key, str(record.get(key, "")))
        return str(field_value(other, rest)) if other is not None else ""

    return resolve


def _fields(text: str) -> list[str] | None:
    text = text.strip()
    if not text or text == "*":
        return None
    return [f.strip() for f in text.split(",") if f.strip()]


def _visible(ctx: Ctx, spec: Spec, show_private: bool) -> list[Record]:
    rows = [r for r in ctx.company.table(spec.name).values() if ctx.company.visible(r, ctx.entity, show_private)]
    return sorted(rows, key=lambda r: int(r["RECORDNO"]))


def _pagesize(raw: str, maximum: int) -> int:
    if not raw:
        return DEFAULT_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise errors.business(f"pagesize must be between 1 and {maximum}.", f"Use a pagesize of 1 to {maximum}.")
    return int(raw)


def _xml_only(element: Element) -> None:
    fmt = child_text(element, "returnFormat") or "xml"
    if fmt != "xml":
        raise errors.business(f"returnFormat {fmt} is not supported by this sandbox.", "Use xml.")


def read(ctx: Ctx, element: Element, *, by_name: bool) -> Answer:
    spec = spec_or_fail(child_text(element, "object"), query=False)
    _xml_only(element)
    keys = [k.strip() for k in child_text(element, "keys").split(",") if k.strip()]
    if len(keys) > READ_KEYS_MAX:
        raise errors.business(f"read takes at most {READ_KEYS_MAX} keys.")
    fields = _fields(child_text(element, "fields"))
    rows: list[tuple[str, Record]] = []
    for key in keys:
        if by_name:
            record = ctx.company.find(spec.name, spec.id_field, key) if spec.id_field else None
        else:
            record = ctx.company.get(spec.name, int(key)) if key.isdigit() else None
        if record is not None and ctx.company.visible(record, ctx.entity, show_private=False):
            rows.append((spec.name.lower(), public(record, fields, lines=True)))
    return Answer({"listtype": spec.name.lower(), "count": str(len(rows))}, rows)


def _legacy_resolver(spec: Spec) -> Resolver:
    """readByQuery's own vocabulary: STATE codes where ``query`` uses labels, STATUS ``T``/``F`` where
    ``query`` uses ``active``/``inactive``, and AUDITHISTORY's ACCESSMODE words (``Delete``) where
    ``query`` uses letters (``D``)."""
    label_to_code = {label: code for code, labels in spec.state_codes.items() for label in labels}

    def resolve(record: Record, name: str) -> str:
        value = str(field_value(record, name))
        if name.upper() == "STATE" and label_to_code:
            return label_to_code.get(value, value)
        if name.upper() == "ACCESSMODE" and spec.name == "AUDITHISTORY":
            return ACCESS_MODE_WORDS.get(value, value)
        if name.upper() == "STATUS" and value in STATUS_LETTERS:
            return STATUS_LETTERS[value]
        return value

    return resolve


def read_by_query(ctx: Ctx, element: Element, results: dict[str, ResultSet]) -> Answer:
    spec = spec_or_fail(child_text(element, "object"), query=True)
    _xml_only(element)
    pagesize = _pagesize(child_text(element, "pagesize"), RBQ_PAGE_MAX)
    try:
        predicate = sql_filter(child_text(element, "query"), _legacy_resolver(spec))
    except QueryError as exc:
        raise query_failed(exc) from None
    rows = [r for r in _visible(ctx, spec, show_private=False) if predicate(r)]
    result = ResultSet(
        ctx.company.company_id,
        spec,
        [int(r["RECORDNO"]) for r in rows],
        _fields(child_text(element, "fields")),
        pagesize,
        ctx.now + RESULT_TTL,
    )
    return _page(ctx, result, results, total=len(rows))


def read_more(ctx: Ctx, element: Element, results: dict[str, ResultSet]) -> Answer:
    result_id = child_text(element, "resultId")
    result = results.get(result_id)
    if result is None or result.company_id != ctx.company.company_id or result.expires < ctx.now:
        results.pop(result_id, None)
        raise errors.business(f"Invalid resultId {result_id}.", "Run readByQuery again.")
    del results[result_id]
    return _page(ctx, result, results, total=None)


def _page(ctx: Ctx, result: ResultSet, results: dict[str, ResultSet], total: int | None) -> Answer:
    page, rest = result.recordnos[: result.pagesize], result.recordnos[result.pagesize :]
    table = ctx.company.table(result.spec.name)
    rows = [(result.spec.name.lower(), public(table[n], result.fields, lines=False)) for n in page if n in table]
    result_id = ""
    if rest:
        result_id = secrets.token_hex(16)
        results[result_id] = ResultSet(
            result.company_id, result.spec, rest, result.fields, result.pagesize, ctx.now + RESULT_TTL
        )
    attrs = {
        "listtype": result.spec.name.lower(),
        "count": str(len(rows)),
        "totalcount": str(total if total is not None else len(result.recordnos)),
        "numremaining": str(len(rest)),
        "resultId": result_id,
    }
    return Answer(attrs, rows)


def query(ctx: Ctx, element: Element) -> Answer:
    """The ``query`` function: upper-case tags, ``select`` without ``*``, ``offset`` re-runs the query."""
    spec = spec_or_fail(child_text(element, "object"), query=True)
    select = element.find("select")
    fields = [(f.text or "").strip() for f in select.findall("field")] if select is not None else []
    if not fields or any(not f or f == "*" for f in fields):
        raise query_failed(QueryError("select must name fields; * is not supported"))
    options = element.find("options")
    fold = child_text(options, "caseinsensitive").lower() == "true"
    show_private = child_text(options, "showprivate").lower() == "true"
    pagesize = _pagesize(child_text(element, "pagesize"), QUERY_PAGE_MAX)
    offset_raw = child_text(element, "offset") or "0"
    if not offset_raw.isdigit():
        raise errors.bad_value("offset", offset_raw)
    offset = int(offset_raw)
    resolve = _related(ctx, spec)
    try:
        node = element.find("filter")
        if node is not None and len(list(node)) != 1:
            raise QueryError("<filter> takes exactly one top node")
        predicate = xml_filter(next(iter(node)), resolve, fold) if node is not None else (lambda _r: True)
    except QueryError as exc:
        raise query_failed(exc) from None
    rows = [r for r in _visible(ctx, spec, show_private) if predicate(r)]
    rows = _order(rows, element.find("orderby"))
    page = rows[offset : offset + pagesize]
    attrs = {
        "listtype": spec.name,
        "totalcount": str(len(rows)),
        "offset": str(offset),
        "count": str(len(page)),
        "numremaining": str(max(0, len(rows) - offset - len(page))),
    }
    return Answer(attrs, [(spec.name, public(r, fields, lines=False, resolve=resolve)) for r in page])


def _order(rows: list[Record], orderby: Element | None) -> list[Record]:
    if orderby is None:
        return rows
    for order in reversed(orderby.findall("order")):
        name = child_text(order, "field")

        def by_field(record: Record, name: str = name) -> tuple[int, Any]:
            return sort_key(name, str(field_value(record, name)), False)

        rows = sorted(rows, key=by_field, reverse=order.find("descending") is not None)
    return rows
