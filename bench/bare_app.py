"""The baseline of the ingest benchmark: a bare FastAPI handler on the same route that reads the
body and answers 200 without any work (no signature check, no Kafka, no PostgreSQL)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/webhooks/billcom/{connection_id}")
    async def billcom(connection_id: str, request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"produced": 0, "ignored": 0, "rejected": 0})

    return app
