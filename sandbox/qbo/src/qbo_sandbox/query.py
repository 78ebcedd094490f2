"""The QBO query language subset: ``SELECT * | COUNT(*) FROM Entity [WHERE a op v [AND ...]]
[ORDERBY f [ASC|DESC][, ...]] [STARTPOSITION n] [MAXRESULTS m]`` with ``= < > <= >= IN LIKE``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from qbo_sandbox import faults
from qbo_sandbox.clock import parse_ts

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<num>-?\d+(?:\.\d+)?))"
)
NOT_QUERYABLE = frozenset({"privatenote", "line", "notes", "memo"})
MAX_RESULTS = 1000
DEFAULT_RESULTS = 100


@dataclass
class Condition:
    path: list[str]
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order: list[tuple[list[str], bool]] = field(default_factory=list)
    start: int = 1
    max_results: int = DEFAULT_RESULTS


def _tokens(sql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    sql = sql.strip().rstrip(";")
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        if match is None or match.end() == pos:
            if sql[pos:].strip() == "":
                break
            raise faults.query_error(f'Encountered unexpected "{sql[pos : pos + 10]}" at column {pos + 1}')
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, sql: str) -> None:
        self.toks = _tokens(sql)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise faults.query_error("Unexpected end of query")
        self.i += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "word" and tok[1].upper() == word:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.keyword(word):
            raise faults.query_error(f"Expected {word}")

    def literal(self) -> Any:
        kind, value = self.next()
        if kind == "str":
            return value
        if kind == "num":
            return Decimal(value)
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise faults.query_error(f"Expected a value, got {value}")

    def parse(self) -> Query:
        self.expect("SELECT")
        count = False
        if self.keyword("COUNT"):
            for sym in ("(", "*", ")"):
                if self.next()[1] != sym:
                    raise faults.query_error("Expected COUNT(*)")
            count = True
        elif self.next()[1] != "*":
            raise faults.query_error("Only SELECT * and SELECT COUNT(*) are supported")
        self.expect("FROM")
        kind, entity = self.next()
        if kind != "word":
            raise faults.query_error("Expected an entity name")
        query = Query(entity=entity, count=count)
        if self.keyword("WHERE"):
            query.where.append(self.condition())
            while self.keyword("AND"):
                query.where.append(self.condition())
            if self.keyword("OR"):
                raise faults.query_error("OR is not supported")
        if self.keyword("ORDERBY") or (self.keyword("ORDER") and self.keyword("BY")):
            while True:
                path = self.next()[1].split(".")
                if [p.lower() for p in path] == ["id"]:
                    raise faults.query_error("Id is not a sortable field", "4001")
                desc = self.keyword("DESC")
                if not desc:
                    self.keyword("ASC")
                query.order.append((path, desc))
                tok = self.peek()
                if tok is None or tok[1] != ",":
                    break
                self.next()
        if self.keyword("STARTPOSITION"):
            query.start = max(1, int(self.literal()))
        if self.keyword("MAXRESULTS"):
            query.max_results = min(MAX_RESULTS, max(1, int(self.literal())))
        if self.peek() is not None:
            raise faults.query_error(f"Unexpected token {self.peek()[1]}")  # type: ignore[index]
        return query

    def condition(self) -> Condition:
        kind, name = self.next()
        if kind != "word":
            raise faults.query_error(f"Expected a property name, got {name}")
        path = name.split(".")
        if path[0].lower() in NOT_QUERYABLE:
            raise faults.query_error(f"property '{name}' is not queryable", "4001")
        if self.keyword("IN"):
            if self.next()[1] != "(":
                raise faults.query_error("Expected ( after IN")
            values = [self.literal()]
            while self.next()[1] == ",":
                values.append(self.literal())
            return Condition(path, "IN", values)
        if self.keyword("LIKE"):
            return Condition(path, "LIKE", [self.literal()])
        kind, op = self.next()
        if op not in ("=", "<", ">", "<=", ">=", "!=", "<>"):
            raise faults.query_error(f"Unsupported operator {op}")
        return Condition(path, op, [self.literal()])


def parse(sql: str) -> Query:
    return _Parser(sql).parse()


def lookup(obj: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(obj, list):  # AttachableRef: the first reference (the sandbox makes one)
            obj = obj[0] if obj else None
        if not isinstance(obj, dict):
            return None
        if part in obj:
            obj = obj[part]
            continue
        wanted = part.lower()
        obj = next((v for k, v in obj.items() if k.lower() == wanted), None)
    if isinstance(obj, dict) and "value" in obj:
        return obj["value"]
    return obj


def _coerce(field_value: Any, literal: Any) -> tuple[Any, Any] | None:
    if field_value is None:
        return None
    if isinstance(field_value, bool) or isinstance(literal, bool):
        lit = literal if isinstance(literal, bool) else str(literal).lower() == "true"
        return bool(field_value), lit
    if isinstance(field_value, int | float | Decimal):
        try:
            return Decimal(str(field_value)), Decimal(str(literal))
        except InvalidOperation:
            return None
    text_value, text_lit = str(field_value), str(literal)
    if "T" in text_value and "T" in text_lit:
        a, b = parse_ts(text_value), parse_ts(text_lit)
        if a is not None and b is not None:
            return a, b
    if len(text_value) == 10 and text_value[4:5] == "-" and len(text_lit) == 10:
        try:
            return dt.date.fromisoformat(text_value), dt.date.fromisoformat(text_lit)
        except ValueError:
            pass
    return text_value.lower(), text_lit.lower()


def _match(obj: dict[str, Any], cond: Condition) -> bool:
    value = lookup(obj, cond.path)
    if cond.op == "IN":
        return any(_compare(value, "=", v) for v in cond.values)
    if cond.op == "LIKE":
        if value is None:
            return False
        pattern = "^" + ".*".join(re.escape(p) for p in str(cond.values[0]).lower().split("%")) + "$"
        return re.match(pattern, str(value).lower(), re.DOTALL) is not None
    return _compare(value, cond.op, cond.values[0])


def _compare(value: Any, op: str, literal: Any) -> bool:
    if op == "=" and isinstance(value, str) and isinstance(literal, str) and "T" not in literal:
        return value.lower() == literal.lower()
    pair = _coerce(value, literal)
    if pair is None:
        return False
    a, b = pair
    try:
        return {"=": a == b, "!=": a != b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    except TypeError:
        return False


def run(query: Query, objects: list[dict[str, Any]], name_list: bool) -> list[dict[str, Any]]:
    """Filter and order; name lists return only active objects unless WHERE names ``Active``."""
    conds = list(query.where)
    if name_list and not any(c.path[0].lower() == "active" for c in conds):
        conds.append(Condition(["Active"], "=", [True]))
    rows = [o for o in objects if all(_match(o, c) for c in conds)]
    for path, desc in reversed(query.order):
        rows.sort(key=lambda o, p=path: _sort_key(lookup(o, p)), reverse=desc)  # type: ignore[misc]
    return rows


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return (1, Decimal(str(value)))
    if isinstance(value, str):
        parsed = parse_ts(value) if "T" in value else None
        if parsed is not None:
            return (2, parsed.timestamp())
        return (3, value.lower())
    return (4, str(value))
