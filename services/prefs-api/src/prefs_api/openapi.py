"""The OpenAPI documents as the service enforces them.

Each app (public, internal) gets its own document and security scheme. Post-processing states
what the code enforces but FastAPI does not write down: no NUL character in any string (PostgreSQL
cannot store one; ``guards.reject_nul`` and ``contract`` refuse it), the problem answers every
route can give (401/403/429 for a key, 404 for a path id, 413 for a body over the limit, 400 for a
body that is not JSON, 422 for anything invalid), and the links from a created resource to its
reads (used by generated clients and by stateful testing)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from prefs_api.problems import MEDIA_TYPE, TITLES, Problem

NO_NUL = r"^[^\x00]*$"
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})


@dataclass(frozen=True)
class Security:
    schemes: dict[str, dict[str, Any]]
    requirement: list[dict[str, list[str]]]
    open_paths: frozenset[str]
    throttled: bool
    """Failed keys are rate limited (answers 429 with Retry-After)."""
    drop_headers: frozenset[str] = field(default_factory=frozenset)
    """Header parameters that are the security scheme itself (not repeated as parameters)."""


PUBLIC_SECURITY = Security(
    schemes={
        "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key (lbk_...)"},
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "The same API key as a bearer token"},
    },
    requirement=[{"APIKeyHeader": []}, {"HTTPBearer": []}],
    open_paths=HEALTH_PATHS | {"/v1/oauth/qbo/callback"},
    throttled=True,
)
INTERNAL_SECURITY = Security(
    schemes={
        "InternalToken": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Internal-Token",
            "description": "The shared secret of the LedgerBridge services (LB_INTERNAL_TOKEN)",
        }
    },
    requirement=[{"InternalToken": []}],
    open_paths=HEALTH_PATHS,
    throttled=False,
    drop_headers=frozenset({"x-internal-token"}),
)

# operationId of a creation -> (status, path parameter, {link name: operationId it feeds})
LINKS: dict[str, tuple[str, str, dict[str, str]]] = {
    "create_connection": (
        "201",
        "connection_id",
        {
            "ReadConnection": "read_connection",
            "UpdateConnection": "update_connection",
            "ReadPreferences": "read_preferences",
            "ReadReadiness": "readiness",
            "ReadMappings": "read_mappings",
            "ReadPreferenceHistory": "preference_history",
        },
    ),
    "create_api_key": ("201", "key_id", {"RevokeApiKey": "revoke_api_key"}),
}


def operation_id(route: APIRoute) -> str:
    """The handler's name (``create_connection``): what generated clients name their calls."""
    return route.name


def install_openapi(app: FastAPI, security: Security) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        document(schema, security)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


def document(schema: dict[str, Any], security: Security) -> None:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = dict(security.schemes)
    schemas = components.setdefault("schemas", {})
    for each in _all_schemas(schema):
        _forbid_nul(each)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            is_open = path in security.open_paths
            operation["security"] = [] if is_open else list(security.requirement)
            params = [p for p in operation.get("parameters", []) if p.get("name") not in security.drop_headers]
            if params:
                operation["parameters"] = params
            else:
                operation.pop("parameters", None)
            _problems(operation, has_path_ids=any(p.get("in") == "path" for p in params), is_open=is_open, sec=security)
            _links(operation)
    if "Problem" not in schemas:  # an app whose routes declare no problem answer of their own
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schemas["Problem"].pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        _forbid_nul(schemas["Problem"])


def _problems(operation: dict[str, Any], *, has_path_ids: bool, is_open: bool, sec: Security) -> None:
    codes = {413, 422}
    if "requestBody" in operation:
        codes.add(400)
    if has_path_ids:
        codes.add(404)
    if not is_open:
        codes |= {401, 429} if sec.throttled else {401}
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses.setdefault(str(code), problem_response(code))
    if "401" in responses:
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
            "description": "The accepted schemes",
            "schema": {"type": "string", "examples": ["Bearer"]},
            "required": True,
        }
    if "429" in responses:
        responses["429"].setdefault("headers", {})["Retry-After"] = {
            "description": "Seconds to wait before the next attempt",
            "schema": {"type": "integer", "minimum": 1},
            "required": True,
        }


def problem_response(code: int) -> dict[str, Any]:
    return {
        "description": TITLES[code],
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _links(operation: dict[str, Any]) -> None:
    found = LINKS.get(operation.get("operationId", ""))
    answer = operation.get("responses", {}).get(found[0]) if found else None
    if found is None or answer is None:
        return
    parameter = found[1]
    answer["links"] = {
        name: {"operationId": target, "parameters": {parameter: "$response.body#/id"}}
        for name, target in found[2].items()
    }


def _all_schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from schema.get("components", {}).get("schemas", {}).values()
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for param in operation.get("parameters", []):
                if "schema" in param:
                    yield param["schema"]
            for media in operation.get("requestBody", {}).get("content", {}).values():
                if "schema" in media:
                    yield media["schema"]


def _forbid_nul(node: Any) -> None:
    """Every free-text string (and every free-form object key) gets ``NO_NUL``."""
    if isinstance(node, list):
        for item in node:
            _forbid_nul(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not ({"pattern", "enum", "const", "format"} & node.keys()):
        node["pattern"] = NO_NUL
    additional = node.get("additionalProperties")
    if node.get("type") == "object" and additional not in (None, False) and "propertyNames" not in node:
        node["propertyNames"] = {"pattern": NO_NUL}
    for key, value in node.items():
        if key not in ("examples", "example", "default", "const", "enum"):
            _forbid_nul(value)
