"""OpenAPI: security schemes applied to every route but health and the OAuth callback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics", "/v1/oauth/qbo/callback"}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["InternalToken"] = {"type": "apiKey", "in": "header", "name": "X-Internal-Token"}
        for path, item in schema.get("paths", {}).items():
            for operation in item.values():
                if path in PUBLIC_PATHS:
                    operation["security"] = []
                elif path.startswith("/internal/"):
                    operation["security"] = [{"InternalToken": []}]
                    params = operation.get("parameters", [])
                    operation["parameters"] = [p for p in params if p.get("name") != "x-internal-token"]
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
