"""Requests are checked against the app's own OpenAPI document before any handler runs, so what
the document calls invalid is refused with 422 exactly as written (pydantic alone is lenient:
it reads ``"1.0"`` as an integer, ``"yes"`` as true and a number as a date-time).

Query and path values are read as the document's type says (an integer is digits, a boolean is
``true``/``false``), then validated with their schema; a JSON body is validated with its
schema. Formats (``date-time``) are enforced."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from fastapi import Request
from fastapi.routing import APIRoute

from prefs_api.problems import FieldError, ProblemError

INTEGER = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class _Parameter:
    name: str
    where: str
    types: frozenset[str]
    validator: Any


@dataclass(frozen=True)
class _Operation:
    parameters: tuple[_Parameter, ...]
    body: Any | None


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        self._root = {"components": document.get("components", {})}
        self._operations: dict[tuple[str, str], _Operation] = {}
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    self._operations[(path, method.upper())] = self._compile(operation)

    def _validator(self, schema: dict[str, Any]) -> Any:
        return jsonschema_rs.validator_for({**self._root, **schema}, validate_formats=True)

    def _types(self, schema: dict[str, Any]) -> frozenset[str]:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return self._types(self._root["components"].get("schemas", {}).get(name, {}))
        found = {schema["type"]} if isinstance(schema.get("type"), str) else set(schema.get("type") or ())
        for member in schema.get("anyOf", []) + schema.get("oneOf", []):
            found |= self._types(member)
        return frozenset(found)

    def _compile(self, operation: dict[str, Any]) -> _Operation:
        params = tuple(
            _Parameter(p["name"], p["in"], self._types(p.get("schema", {})), self._validator(p.get("schema", {})))
            for p in operation.get("parameters", [])
            if p.get("in") in ("query", "path")
        )
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        return _Operation(params, self._validator(content["schema"]) if content and "schema" in content else None)

    def operation(self, path: str, method: str) -> _Operation | None:
        return self._operations.get((path, method))


def _typed(raw: str, types: frozenset[str]) -> Any:
    if "integer" in types and INTEGER.fullmatch(raw):
        return int(raw)
    if "number" in types and NUMBER.fullmatch(raw):
        return float(raw)
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    return raw


def _errors(validator: Any, value: Any, where: str) -> list[FieldError]:
    out = []
    for error in validator.iter_errors(value):
        at = ".".join(str(p) for p in error.instance_path)
        out.append(FieldError(preference=f"{where}.{at}" if at else where, code="schema", detail=error.message[:300]))
    return out[:20]


async def conform(request: Request) -> None:
    """App-wide dependency: 422 for any request the document calls invalid."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    contract: Contract | None = getattr(request.app.state, "contract", None)
    if contract is None:
        contract = request.app.state.contract = Contract(request.app.openapi())
    operation = contract.operation(route.path_format, request.method)
    if operation is None:
        return
    errors: list[FieldError] = []
    for param in operation.parameters:
        source = request.path_params if param.where == "path" else request.query_params
        if param.name in source:
            errors += _errors(param.validator, _typed(str(source[param.name]), param.types), param.name)
    if operation.body is not None and request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            body = None  # not JSON: FastAPI answers it (422 json_invalid, or 400)
        else:
            errors += _errors(operation.body, body, "body")
    if errors:
        raise ProblemError(422, "The request is not valid", "See errors", kind="validation", errors=errors)
