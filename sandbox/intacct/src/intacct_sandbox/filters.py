"""Filters: ``query``'s XML ``<filter>`` and ``readByQuery``'s SQL-like ``<query>`` text.

Both compile to a predicate over a stored record. Values compare as timestamps for date fields
(``WHEN*``, ``*DATE``, ``ACCESSTIME``: local time, no zone), as numbers when both sides are
numbers, else as text (lower-cased with ``caseinsensitive``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element

from intacct_sandbox import errors
from intacct_sandbox.clock import parse_stamp
from intacct_sandbox.company import Record

Predicate = Callable[[Record], bool]
IN_MAX = 1000
COMPARE = {
    "equalto": "=",
    "notequalto": "!=",
    "lessthan": "<",
    "lessthanorequalto": "<=",
    "greaterthan": ">",
    "greaterthanorequalto": ">=",
}


class QueryError(Exception):
    """A filter or query text Intacct would refuse."""


def field_value(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part, value.get(part.upper(), ""))
    return value if isinstance(value, str) else ""


def _is_date_field(name: str) -> bool:
    last = name.rsplit(".", 1)[-1].upper()
    return last.startswith("WHEN") or last.endswith("DATE") or last == "ACCESSTIME"


def sort_key(name: str, value: str, fold: bool) -> tuple[int, Any]:
    if _is_date_field(name):
        when = parse_stamp(value)
        if when is not None:
            return (0, when)
    try:
        return (1, Decimal(value))
    except InvalidOperation:
        return (2, value.lower() if fold else value)


def compare(name: str, op: str, left: str, right: str, fold: bool) -> bool:
    a, b = sort_key(name, left, fold), sort_key(name, right, fold)
    if a[0] != b[0]:
        a, b = (2, left.lower() if fold else left), (2, right.lower() if fold else right)
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if not left:
        return False
    result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    return result[op]


def like(value: str, pattern: str, fold: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if fold else re.DOTALL) is not None


Resolver = Callable[[Record, str], str]


def xml_filter(node: Element, resolve: Resolver, fold: bool) -> Predicate:
    """Compile one ``<filter>`` child (exactly one top node)."""
    tag = node.tag
    children = list(node)
    if tag in ("and", "or"):
        if len(children) < 2:
            raise QueryError(f"<{tag}> needs at least two conditions")
        parts = [xml_filter(child, resolve, fold) for child in children]
        if tag == "and":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)
    field = (node.findtext("field") or "").strip()
    if not field:
        raise QueryError(f"<{tag}> needs a <field>")
    values = [(v.text or "").strip() for v in node.findall("value")]
    if tag in COMPARE:
        if len(values) != 1:
            raise QueryError(f"<{tag}> needs one <value>")
        op, right = COMPARE[tag], values[0]
        return lambda r: compare(field, op, resolve(r, field), right, fold)
    if tag == "between":
        if len(values) != 2:
            raise QueryError("<between> needs two <value>s")
        low, high = values
        return lambda r: (
            compare(field, ">=", resolve(r, field), low, fold) and compare(field, "<=", resolve(r, field), high, fold)
        )
    if tag in ("in", "notin"):
        if not values or len(values) > IN_MAX:
            raise QueryError(f"<{tag}> takes 1 to {IN_MAX} values")
        negate = tag == "notin"
        return lambda r: any(compare(field, "=", resolve(r, field), v, fold) for v in values) != negate
    if tag in ("like", "notlike"):
        if len(values) != 1:
            raise QueryError(f"<{tag}> needs one <value>")
        negate, pattern = tag == "notlike", values[0]
        return lambda r: like(resolve(r, field), pattern, fold) != negate
    if tag in ("isnull", "isnotnull"):
        negate = tag == "isnotnull"
        return lambda r: (resolve(r, field) == "") != negate
    raise QueryError(f"unknown filter operator <{tag}>")


TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><>|!=|<=|>=|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w.]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise QueryError(f"cannot read the query at: {text[pos : pos + 20]}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str, resolve: Resolver, fold: bool) -> None:
        self.toks = _tokens(text)
        self.pos = 0
        self.resolve = resolve
        self.fold = fold

    def peek_word(self) -> str:
        if self.pos < len(self.toks) and self.toks[self.pos][0] == "word":
            return self.toks[self.pos][1].upper()
        return ""

    def take(self, kind: str, value: str | None = None) -> str:
        if self.pos >= len(self.toks):
            raise QueryError("the query ends too early")
        got_kind, got = self.toks[self.pos]
        if got_kind != kind or (value is not None and got.upper() != value):
            raise QueryError(f"unexpected '{got}' in the query")
        self.pos += 1
        return got

    def parse(self) -> Predicate:
        pred = self.expr()
        if self.pos != len(self.toks):
            raise QueryError(f"unexpected '{self.toks[self.pos][1]}' in the query")
        return pred

    def expr(self) -> Predicate:
        parts = [self.term()]
        while self.peek_word() == "OR":
            self.pos += 1
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.peek_word() == "AND":
            self.pos += 1
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def literal(self) -> str:
        if self.pos < len(self.toks) and self.toks[self.pos][0] in ("str", "num"):
            self.pos += 1
            return self.toks[self.pos - 1][1]
        raise QueryError("a value is expected")

    def factor(self) -> Predicate:
        if self.pos < len(self.toks) and self.toks[self.pos] == ("punct", "("):
            self.pos += 1
            inner = self.expr()
            self.take("punct", ")")
            return inner
        field = self.take("word")
        resolve, fold = self.resolve, self.fold
        negate = False
        if self.peek_word() == "NOT":
            self.pos += 1
            negate = True
        word = self.peek_word()
        if word == "LIKE":
            self.pos += 1
            pattern = self.literal()
            return lambda r: like(resolve(r, field), pattern, fold) != negate
        if word == "IN":
            self.pos += 1
            self.take("punct", "(")
            values = [self.literal()]
            while self.pos < len(self.toks) and self.toks[self.pos] == ("punct", ","):
                self.pos += 1
                values.append(self.literal())
            self.take("punct", ")")
            return lambda r: any(compare(field, "=", resolve(r, field), v, fold) for v in values) != negate
        if word == "IS" and not negate:
            self.pos += 1
            is_not = self.peek_word() == "NOT"
            if is_not:
                self.pos += 1
            self.take("word", "NULL")
            return lambda r: (resolve(r, field) == "") != is_not
        if negate:
            raise QueryError("NOT must be followed by LIKE or IN")
        op = self.take("op")
        op = "!=" if op == "<>" else op
        value = self.literal()
        return lambda r: compare(field, op, resolve(r, field), value, fold)


def sql_filter(text: str, resolve: Resolver, fold: bool = False) -> Predicate:
    if not text.strip():
        return lambda _r: True
    return _Parser(text, resolve, fold).parse()


def query_failed(exc: QueryError) -> errors.IntacctError:
    return errors.IntacctError(errors.ErrorDetail(errors.PROCESSING_ERROR, "Error", str(exc), ""))
