"""A SuiteQL subset (reference §2): ``SELECT cols | * FROM table [WHERE ...] [ORDER BY ...]`` on one
table, with ``AND``/``OR``/``NOT``/parentheses, ``= <> != < > <= >=``, ``[NOT] IN (...)``, ``IS [NOT] NULL``,
``[NOT] LIKE``, ``TO_DATE(s, fmt)``, ``TO_CHAR(col, fmt)``, ``UPPER``/``LOWER`` and column aliases.
Joins, grouping and sub-queries are refused with 400 INVALID_PARAMETER."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from netsuite_sandbox.errors import NsError

TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(<=|>=|<>|!=|[=<>(),*]))")
FORMAT_PARTS = (("YYYY", "%Y"), ("HH24", "%H"), ("MM", "%m"), ("DD", "%d"), ("MI", "%M"), ("SS", "%S"))
UNSUPPORTED = {"JOIN", "LEFT", "RIGHT", "INNER", "CROSS", "GROUP", "HAVING", "UNION", "SELECT", "FETCH"}


def query_error(detail: str) -> NsError:
    return NsError(
        400, "INVALID_PARAMETER", f"Invalid search query. Detailed unprocessed description follows. {detail}"
    )


def strftime_format(fmt: str) -> str:
    out = fmt.replace('"T"', "T")
    for oracle, python in FORMAT_PARTS:
        out = out.replace(oracle, python)
    return out


@dataclass
class Tokens:
    items: list[tuple[str, str]]
    pos: int = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.items[index] if index < len(self.items) else ("end", "")

    def word(self, *words: str) -> bool:
        kind, text = self.peek()
        if kind == "ident" and text.upper() in words:
            self.pos += 1
            return True
        return False

    def punct(self, symbol: str) -> bool:
        if self.peek() == ("op", symbol):
            self.pos += 1
            return True
        return False

    def expect(self, symbol: str) -> None:
        if not self.punct(symbol):
            raise query_error(f"Expected '{symbol}' near '{self.peek()[1]}'.")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token


def tokenize(text: str) -> Tokens:
    items: list[tuple[str, str]] = []
    pos, text = 0, text.strip().rstrip(";")
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise query_error(f"Unexpected character at {pos}.")
        string, number, ident, op = match.groups()
        if string is not None:
            items.append(("str", string[1:-1].replace("''", "'")))
        elif number is not None:
            items.append(("num", number))
        elif ident is not None:
            items.append(("ident", ident))
        elif op is not None:
            items.append(("op", op))
        pos = match.end()
    return Tokens(items)


# An expression is a nested tuple: ("col", name) | ("lit", value) | ("fn", name, args) | (op, left, right...)
Expr = tuple[Any, ...]


@dataclass
class Query:
    table: str
    columns: list[tuple[str, Expr]] | None  # None = *
    where: Expr | None
    order: list[tuple[Expr, bool]]


def parse(text: str) -> Query:
    tokens = tokenize(text)
    if not tokens.word("SELECT"):
        raise query_error("A query must start with SELECT.")
    columns: list[tuple[str, Expr]] | None = None
    if not tokens.punct("*"):
        columns = []
        while True:
            expr = value(tokens)
            alias = expr[1] if expr[0] == "col" else f"expr{len(columns) + 1}"
            if tokens.word("AS") or (tokens.peek()[0] == "ident" and tokens.peek()[1].upper() != "FROM"):
                alias = tokens.take()[1]
            columns.append((alias.lower().split(".")[-1], expr))
            if not tokens.punct(","):
                break
    if not tokens.word("FROM"):
        raise query_error("Expected FROM.")
    kind, table = tokens.take()
    if kind != "ident":
        raise query_error("Expected a table name.")
    tokens.word("AS")
    if tokens.peek()[0] == "ident" and tokens.peek()[1].upper() not in ("WHERE", "ORDER", *UNSUPPORTED):
        tokens.take()  # a table alias
    where = condition(tokens) if tokens.word("WHERE") else None
    order: list[tuple[Expr, bool]] = []
    if tokens.word("ORDER"):
        if not tokens.word("BY"):
            raise query_error("Expected BY.")
        while True:
            expr = value(tokens)
            descending = tokens.word("DESC")
            if not descending:
                tokens.word("ASC")
            order.append((expr, descending))
            if not tokens.punct(","):
                break
    if tokens.peek()[0] != "end":
        raise query_error(f"Unexpected '{tokens.peek()[1]}'.")
    return Query(table.lower(), columns, where, order)


def condition(tokens: Tokens) -> Expr:
    left = conjunction(tokens)
    while tokens.word("OR"):
        left = ("or", left, conjunction(tokens))
    return left


def conjunction(tokens: Tokens) -> Expr:
    left = negation(tokens)
    while tokens.word("AND"):
        left = ("and", left, negation(tokens))
    return left


def negation(tokens: Tokens) -> Expr:
    if tokens.word("NOT"):
        return ("not", negation(tokens))
    if tokens.peek() == ("op", "(") and tokens.peek(1)[1].upper() != "SELECT":
        saved = tokens.pos
        tokens.take()
        try:
            inner = condition(tokens)
            tokens.expect(")")
            return inner
        except NsError:
            tokens.pos = saved
    return predicate(tokens)


def predicate(tokens: Tokens) -> Expr:
    left = value(tokens)
    negate = tokens.word("NOT")
    if tokens.word("IN"):
        tokens.expect("(")
        options = [value(tokens)]
        while tokens.punct(","):
            options.append(value(tokens))
        tokens.expect(")")
        expr: Expr = ("in", left, options)
    elif tokens.word("LIKE"):
        expr = ("like", left, value(tokens))
    elif not negate and tokens.word("IS"):
        is_not = tokens.word("NOT")
        if not tokens.word("NULL"):
            raise query_error("Expected NULL.")
        expr = ("null", left)
        return ("not", expr) if is_not else expr
    else:
        if negate:
            raise query_error("Expected IN or LIKE after NOT.")
        kind, op = tokens.take()
        if kind != "op" or op not in ("=", "<>", "!=", "<", ">", "<=", ">="):
            raise query_error(f"Expected a comparison near '{op}'.")
        return (op, left, value(tokens))
    return ("not", expr) if negate else expr


def value(tokens: Tokens) -> Expr:
    kind, text = tokens.take()
    if kind == "str":
        return ("lit", text)
    if kind == "num":
        return ("lit", Decimal(text))
    if kind == "ident":
        if text.upper() in UNSUPPORTED:
            raise query_error(f"'{text}' is not supported by the sandbox.")
        if text.upper() == "NULL":
            return ("lit", None)
        if tokens.punct("("):
            args = [value(tokens)]
            while tokens.punct(","):
                args.append(value(tokens))
            tokens.expect(")")
            return ("fn", text.upper(), args)
        return ("col", text.lower().split(".")[-1])
    raise query_error(f"Unexpected '{text}'.")


class Evaluator:
    def __init__(self, date_format: str) -> None:
        self.date_format = strftime_format(date_format)

    def value(self, expr: Expr, row: dict[str, Any]) -> Any:
        if expr[0] == "lit":
            return expr[1]
        if expr[0] == "col":
            if expr[1] not in row["__columns__"]:
                raise query_error(f"Field '{expr[1]}' for record '{row['__table__']}' was not found.")
            return row.get(expr[1])
        name, args = expr[1], [self.value(a, row) for a in expr[2]]
        if name == "TO_DATE" and len(args) == 2:
            return self.parse_date(str(args[0]), strftime_format(str(args[1])))
        if name == "TO_CHAR" and len(args) == 2:
            return None if args[0] is None else self.format(args[0], strftime_format(str(args[1])))
        if name in ("UPPER", "LOWER") and len(args) == 1:
            return None if args[0] is None else (str(args[0]).upper() if name == "UPPER" else str(args[0]).lower())
        raise query_error(f"Unsupported function {name}.")

    def parse_date(self, text: str, fmt: str) -> dt.datetime:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError as exc:
            raise query_error(f'Unparseable date: "{text}"') from exc

    def format(self, value: Any, fmt: str | None = None) -> str:
        if isinstance(value, dt.datetime):
            return value.strftime(fmt or self.date_format)
        if isinstance(value, bool):
            return "T" if value else "F"
        if isinstance(value, Decimal):
            return format(value.normalize(), "f") if value == value.to_integral() else str(value)
        return str(value)

    def coerce(self, left: Any, right: Any) -> tuple[Any, Any]:
        if isinstance(left, bool) or isinstance(right, bool):  # checkboxes compare as 'T' / 'F'
            return self.format(left), self.format(right)
        if isinstance(left, dt.datetime) and isinstance(right, str):
            return left, self.parse_date(right, self.date_format)
        if isinstance(right, dt.datetime) and isinstance(left, str):
            return self.parse_date(left, self.date_format), right
        if isinstance(left, Decimal) != isinstance(right, Decimal):
            try:
                return Decimal(str(left)), Decimal(str(right))
            except InvalidOperation:
                return str(left), str(right)
        return left, right

    def test(self, expr: Expr, row: dict[str, Any]) -> bool:
        op = expr[0]
        if op == "and":
            return self.test(expr[1], row) and self.test(expr[2], row)
        if op == "or":
            return self.test(expr[1], row) or self.test(expr[2], row)
        if op == "not":
            return not self.test(expr[1], row)
        if op == "null":
            return self.value(expr[1], row) is None
        left = self.value(expr[1], row)
        if left is None:
            return False
        if op == "in":
            return any(self.compare("=", left, self.value(o, row)) for o in expr[2])
        if op == "like":
            pattern = re.escape(str(self.value(expr[2], row))).replace("%", ".*").replace("_", ".")
            return re.fullmatch(pattern, self.format(left), flags=re.DOTALL) is not None
        return self.compare(op, left, self.value(expr[2], row))

    def compare(self, op: str, left: Any, right: Any) -> bool:
        if right is None:
            return False
        a, b = self.coerce(left, right)
        if op == "=":
            return bool(a == b)
        if op in ("<>", "!="):
            return bool(a != b)
        try:
            return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op])
        except TypeError as exc:
            raise query_error("Incompatible types in a comparison.") from exc
