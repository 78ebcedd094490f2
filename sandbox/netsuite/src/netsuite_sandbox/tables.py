"""SuiteQL tables built from the records (reference §2): lower-case columns, ids of references,
``T``/``F`` booleans, dates in the account's format, and ``DeletedRecord``."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from netsuite_sandbox.account import Account
from netsuite_sandbox.errors import NsError
from netsuite_sandbox.posting import derived
from netsuite_sandbox.records import ITEM_RECORD, TYPES
from netsuite_sandbox.suiteql import Evaluator, Expr, Query, parse, query_error

Row = dict[str, Any]
MAX_LIMIT = 1000
MAX_ROWS = 100_000
DATETIME_COLUMNS = ("lastmodifieddate", "createddate", "datecreated", "deleteddate", "linelastmodifieddate")
DATE_COLUMNS = ("trandate", "duedate", "startdate", "enddate")
TRANSACTION_COLUMNS = (
    "id",
    "type",
    "tranid",
    "trandate",
    "duedate",
    "entity",
    "currency",
    "exchangerate",
    "memo",
    "externalid",
    "lastmodifieddate",
    "createddate",
    "status",
    "approvalstatus",
    "foreigntotal",
    "foreignamountremaining",
)
LINE_COLUMNS = (
    "id",
    "transaction",
    "mainline",
    "subsidiary",
    "entity",
    "account",
    "department",
    "location",
    "class",
    "memo",
    "foreignamount",
    "linelastmodifieddate",
)
DELETED_COLUMNS = ("recordid", "recordtypeid", "deleteddate", "name", "context", "iscustomrecord")
PERIOD_COLUMNS = (
    "id",
    "periodname",
    "startdate",
    "enddate",
    "closed",
    "isposting",
    "isquarter",
    "isyear",
    "isadjust",
    "alllocked",
)
"""SuiteQL ``accountingperiod`` (GitHub ``fivetran/dbt_netsuite`` ``stg_netsuite2__accounting_periods.sql``)."""


def parse_stamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    text = str(value)
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def cell(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in ("id", "recordid", "transaction"):
        return Decimal(str(value))
    if column in DATETIME_COLUMNS or column in DATE_COLUMNS:
        return parse_stamp(value)
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    if isinstance(value, list):
        return ", ".join(str(v.get("id", v)) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def plain_rows(account: Account, record_type: str) -> list[Row]:
    rows = []
    for rec in account.records.get(record_type, {}).values():
        row = {
            key.lower(): cell(key.lower(), val)
            for key, val in rec.items()
            if not isinstance(val, list) or key == "subsidiary"
        }
        rows.append(row)
    return rows


def transaction_rows(account: Account) -> list[Row]:
    rows = []
    for name, spec in TYPES.items():
        if spec.kind != "transaction":
            continue
        for rec in account.records.get(name, {}).values():
            extra = derived(account, name, rec)
            remaining = extra.get("balance", extra.get("amountRemaining"))
            values = {
                "id": rec["id"],
                "type": spec.suiteql_type,
                "tranid": rec.get("tranId"),
                "trandate": rec.get("tranDate"),
                "duedate": rec.get("dueDate"),
                "entity": rec.get("entity") or rec.get("customer"),
                "currency": rec.get("currency"),
                "exchangerate": rec.get("exchangeRate"),
                "memo": rec.get("memo"),
                "externalid": rec.get("externalId"),
                "lastmodifieddate": rec.get("lastModifiedDate"),
                "createddate": rec.get("createdDate"),
                "status": (extra.get("status") or {}).get("id"),
                "approvalstatus": rec.get("approvalStatus"),
                "foreigntotal": extra.get("total", rec.get("payment")),
                "foreignamountremaining": remaining,
            }
            rows.append({key: cell(key, val) for key, val in values.items()})
    return rows


def line_rows(account: Account) -> list[Row]:
    rows = []
    for name, spec in TYPES.items():
        if spec.kind != "transaction":
            continue
        for rec in account.records.get(name, {}).values():
            stamp = rec.get("lastModifiedDate")
            base = {"transaction": rec["id"], "subsidiary": rec.get("subsidiary"), "linelastmodifieddate": stamp}
            rows.append(
                {
                    **base,
                    "id": 0,
                    "mainline": "T",
                    "entity": rec.get("entity") or rec.get("customer"),
                    "account": rec.get("account"),
                    "department": rec.get("department"),
                    "location": rec.get("location"),
                    "class": rec.get("class"),
                    "memo": rec.get("memo"),
                }
            )
            number = 1
            for sublist in ("expense", "item", "line"):
                for line in rec.get(sublist) or []:
                    amount = line.get("amount") if line.get("amount") is not None else line.get("debit")
                    rows.append(
                        {
                            **base,
                            "id": number,
                            "mainline": "F",
                            "entity": line.get("entity"),
                            "account": line.get("account"),
                            "department": line.get("department"),
                            "location": line.get("location"),
                            "class": line.get("class"),
                            "memo": line.get("memo"),
                            "foreignamount": amount,
                        }
                    )
                    number += 1
    return [{key: cell(key, val) for key, val in row.items()} for row in rows]


def period_rows(account: Account, today: dt.date | None = None) -> list[Row]:
    """Monthly posting periods from the earliest closed one (or this month) to this month; the
    months closed through the control API are closed."""
    today = today or dt.datetime.now(dt.UTC).date()
    months = {*account.closed_periods, today.strftime("%Y-%m")}
    at = dt.date.fromisoformat(f"{min(months)}-01")
    rows: list[Row] = []
    while at.strftime("%Y-%m") <= max(months):
        following = (at.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        month = at.strftime("%Y-%m")
        values = {
            "id": at.year * 100 + at.month,
            "periodname": at.strftime("%b %Y"),
            "startdate": at.isoformat(),
            "enddate": (following - dt.timedelta(days=1)).isoformat(),
            "closed": "T" if month in account.closed_periods else "F",
            "isposting": "T",
            "isquarter": "F",
            "isyear": "F",
            "isadjust": "F",
            "alllocked": "T" if month in account.closed_periods else "F",
        }
        rows.append({key: cell(key, val) for key, val in values.items()})
        at = following
    return rows


def table_rows(account: Account, table: str) -> tuple[list[Row], set[str]]:
    if table == "transaction":
        return transaction_rows(account), set(TRANSACTION_COLUMNS)
    if table == "transactionline":
        return line_rows(account), set(LINE_COLUMNS)
    if table == "accountingperiod":
        return period_rows(account), set(PERIOD_COLUMNS)
    if table == "deletedrecord":
        return [{k: cell(k, v) for k, v in row.items()} for row in account.deleted], set(DELETED_COLUMNS)
    names = {n.lower(): n for n in TYPES if n != ITEM_RECORD} | {"item": ITEM_RECORD}
    record_type = names.get(table)
    if record_type is None or TYPES[record_type].kind == "transaction":
        raise query_error(f"Record '{table}' was not found.")
    rows = plain_rows(account, record_type)
    columns = {"id", "externalid", "lastmodifieddate", "datecreated"} | {f.lower() for f in TYPES[record_type].fields}
    if record_type == ITEM_RECORD:  # SuiteQL's one item table; the type is a column
        for row in rows:
            row.update(itemtype="NonInvtPart", subtype="Resale")
        columns |= {"itemtype", "subtype"}
    return rows, columns


def order_key(account: Account, row: Row) -> str:
    """No ORDER BY: a stable order that is not the id order (reference §9.7: order is undefined)."""
    return hashlib.sha256(f"{account.account_id}:{row.get('id', row.get('recordid'))}".encode()).hexdigest()


def run_query(account: Account, text: str, limit: int, offset: int, date_format: str) -> tuple[list[Row], int]:
    """Rows of one page (values as strings, nulls left out) and the total count."""
    if not 1 <= limit <= MAX_LIMIT:
        raise NsError(
            400, "INVALID_PARAMETER", f"Invalid limit {limit}: the limit must be 1 to {MAX_LIMIT}.", path="limit"
        )
    if offset < 0 or offset % limit != 0:
        raise NsError(400, "INVALID_PARAMETER", "The offset must be a multiple of the limit.", path="offset")
    query: Query = parse(text)
    rows, columns = table_rows(account, query.table)
    evaluator = Evaluator(date_format)
    for name in referenced_columns(query):
        if name not in columns:
            raise query_error(f"Field '{name}' for record '{query.table}' was not found.")
    for row in rows:
        row["__columns__"], row["__table__"] = columns, query.table
    matched = [row for row in rows if query.where is None or evaluator.test(query.where, row)]
    if query.order:
        for expr, descending in reversed(query.order):

            def key(row: Row, expr: Expr = expr) -> tuple[bool, Any]:
                found = evaluator.value(expr, row)
                return (found is None, sort_value(found))

            matched.sort(key=key, reverse=descending)
    else:
        matched.sort(key=lambda r: order_key(account, r))
    matched = matched[:MAX_ROWS]
    page = []
    for row in matched[offset : offset + limit]:
        picked = query.columns or [(c, ("col", c)) for c in sorted(columns)]
        out: Row = {"links": []}
        for alias, expr in picked:
            val = evaluator.value(expr, row)
            if val is not None:
                out[alias] = evaluator.format(val)
        page.append(out)
    return page, len(matched)


def referenced_columns(query: Query) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, tuple) and node and node[0] == "col":
            found.add(node[1])
        elif isinstance(node, (tuple, list)):
            for part in node:
                walk(part)

    walk([expr for _, expr in query.columns or []])
    walk(query.where)
    walk([expr for expr, _ in query.order])
    return found


def sort_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (0, value.timestamp(), "")
    if isinstance(value, Decimal):
        return (0, float(value), "")
    return (1, 0.0, "" if value is None else str(value))
