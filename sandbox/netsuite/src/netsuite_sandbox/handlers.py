"""Record service, async jobs and SuiteQL for one authenticated request (reference §1.3-§1.6, §2)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from netsuite_sandbox.account import Account, Job, stamp
from netsuite_sandbox.errors import ERROR_MEDIA_TYPE, RFC2616, NsError, not_found
from netsuite_sandbox.fields import BodyReader
from netsuite_sandbox.reads import Renderer, paging_links
from netsuite_sandbox.records import RecordType, record_type
from netsuite_sandbox.state import SandboxState
from netsuite_sandbox.tables import run_query

SINGULAR = "application/vnd.oracle.resource+json; type=singular"
COLLECTION = "application/vnd.oracle.resource+json; type=collection"
EID = re.compile(r"^eid:([A-Za-z0-9_-]+)$")
WRITES = ("POST", "PATCH", "PUT", "DELETE")
Result = tuple[Response, bool]


def as_json(status: int, body: Any, media_type: str = SINGULAR, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, media_type=media_type, headers=headers)


def as_error(error: NsError) -> Response:
    return Response(
        json.dumps(error.body()), status_code=error.status, media_type=ERROR_MEDIA_TYPE, headers=error.headers
    )


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise NsError(400, "INVALID_PARAMETER", f"Invalid value for the {name} parameter: {raw}.", path=name) from exc


class Handlers:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def handle(self, account: Account, path: str, request: Request, body: bytes, base: str) -> Result:
        parts = path.split("/")
        try:
            if parts[:2] == ["record", "v1"] and len(parts) in (3, 4):
                return self.record(account, parts[2], parts[3] if len(parts) == 4 else None, request, body, base)
            if parts[:2] == ["async", "v1"] and len(parts) >= 4 and parts[2] == "job" and request.method == "GET":
                return self.job(account, parts[3:], base), False
            if path.lower() == "system/v1/governancelimits" and request.method == "GET":
                return self.governance(account), False
            if path.lower() == "query/v1/suiteql" and request.method == "POST":
                return self.suiteql(account, request, body, base), False
            raise NsError(404, None, f"The requested resource '/services/rest/{path}' was not found.")
        except NsError as error:
            return as_error(error), False

    # --- record service --------------------------------------------------------------------------

    def record(
        self, account: Account, type_name: str, rec_key: str | None, request: Request, body: bytes, base: str
    ) -> Result:
        spec = record_type(type_name)
        if spec is None:
            raise NsError(404, None, f"Record type '{type_name}' was not found.")
        method = request.method
        if method in WRITES and "respond-async" in request.headers.get("prefer", "").lower():
            return self.submit_async(account, spec, rec_key, request, body, base), True
        return self.record_sync(account, spec, rec_key, request, body, base)

    def record_sync(
        self, account: Account, spec: RecordType, rec_key: str | None, request: Request, body: bytes, base: str
    ) -> Result:
        method, renderer = request.method, Renderer(account, base)
        if rec_key is None:
            if method == "GET":
                if "q" in request.query_params:
                    raise NsError(400, "INVALID_PARAMETER", "The q parameter is not modelled by the sandbox.", path="q")
                page = renderer.listing(
                    spec,
                    int_param(request, "limit", 1000),
                    int_param(request, "offset", 0),
                    f"{base}/record/v1/{spec.name}",
                )
                return as_json(200, page, COLLECTION), False
            if method == "POST":
                reader = self.reader(spec, request)
                rec_id = self.state.writer.create(account, spec, reader.read(self.parse(body)))
                return self.no_content(renderer.href(spec.name, rec_id), reader.warnings), True
            raise NsError(405, None, f"Method {method} is not allowed on a record collection.")
        eid = EID.match(rec_key)
        if method == "PUT":
            if eid is None:
                raise NsError(405, None, "PUT is only allowed with an external id (eid:<value>).")
            reader = self.reader(spec, request)
            values = reader.read(self.parse(body))
            self.state.writer.upsert(account, spec, eid.group(1), values, self.replace(request))
            rec_id = account.by_external_id(spec.name, eid.group(1)) or ""
            return self.no_content(renderer.href(spec.name, rec_id), reader.warnings), True
        rec_id = self.resolve(account, spec, rec_key)
        if method == "GET":
            rec = account.get(spec.name, rec_id)
            if rec is None:
                raise not_found(spec.name, rec_key)
            fields = request.query_params.get("fields")
            expand = request.query_params.get("expandSubResources", "false").lower() == "true"
            out = renderer.record(spec, rec, expand=expand, fields=set(fields.split(",")) if fields else None)
            return as_json(200, out), False
        if method == "PATCH":
            reader = self.reader(spec, request)
            self.state.writer.update(account, spec, rec_id, reader.read(self.parse(body)), self.replace(request))
            return self.no_content(renderer.href(spec.name, rec_id), reader.warnings), True
        if method == "DELETE":
            self.state.writer.delete(account, spec, rec_id)
            return Response(status_code=204), True
        raise NsError(405, None, f"Method {method} is not allowed on a record.")

    def resolve(self, account: Account, spec: RecordType, rec_key: str) -> str:
        eid = EID.match(rec_key)
        if eid is not None:
            rec_id = account.by_external_id(spec.name, eid.group(1))
            if rec_id is None:
                raise not_found(spec.name, rec_key)
            return rec_id
        if not rec_key.isdigit():
            raise NsError(
                400,
                "INVALID_ID",
                f"Invalid record instance identifier '{rec_key}'. Provide a valid record instance ID.",
            )
        return rec_key

    @staticmethod
    def reader(spec: RecordType, request: Request) -> BodyReader:
        mode = request.headers.get("x-netsuite-propertynamevalidation", "warning").lower()
        return BodyReader(spec, strict_names=mode == "error")

    @staticmethod
    def parse(body: bytes) -> Any:
        try:
            return json.loads(body or b"{}")
        except ValueError as exc:
            raise NsError(400, "INVALID_CONTENT", "The request body is not valid JSON.") from exc

    @staticmethod
    def replace(request: Request) -> set[str]:
        raw = request.query_params.get("replace", "")
        return {part.strip() for part in raw.split(",") if part.strip()}

    @staticmethod
    def no_content(location: str, warnings: list[str]) -> Response:
        headers = {"Location": location}
        if warnings:
            headers["X-NetSuite-Warning"] = " ".join(warnings)
        return Response(status_code=204, headers=headers)

    # --- async -------------------------------------------------------------------------------------

    def submit_async(
        self, account: Account, spec: RecordType, rec_key: str | None, request: Request, body: bytes, base: str
    ) -> Response:
        key = request.headers.get("x-netsuite-idempotency-key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError as exc:
                raise NsError(400, "INVALID_PARAMETER", "The idempotency key must be a UUID.") from exc
            prior = account.idempotency.get(key)
            if prior is not None:
                error = NsError(
                    400,
                    "IDEMPOTENCY_ERROR",
                    "A request with the same idempotency key is already submitted. Use a different idempotency key.",
                    title="Conflict",
                    headers={"Location": f"{base}/async/v1/job/{prior}"},
                )
                body_json = error.body() | {"type": f"{RFC2616}#sec10.4.10"}
                return Response(json.dumps(body_json), 400, media_type=ERROR_MEDIA_TYPE, headers=error.headers)
        started = stamp(self.state.now())
        try:
            response, _ = self.record_sync(account, spec, rec_key, request, body, base)
        except NsError as error:
            response = as_error(error)
        job_id = str(len(account.jobs) + 1)
        headers = {k: v for k, v in response.headers.items() if k.lower() in ("location", "x-netsuite-warning")}
        account.jobs[job_id] = Job(
            job_id, response.status_code, headers, bytes(response.body), started, stamp(self.state.now())
        )
        if key is not None:
            account.idempotency[key] = job_id
        return Response(
            status_code=202,
            headers={"Location": f"{base}/async/v1/job/{job_id}", "Preference-Applied": "respond-async"},
        )

    def job(self, account: Account, parts: list[str], base: str) -> Response:
        job = account.jobs.get(parts[0])
        if job is None:
            raise NsError(404, None, f"Job {parts[0]} was not found.")
        href = f"{base}/async/v1/job/{job.job_id}"
        progress = "succeeded" if job.status < 400 else "failed"
        if len(parts) == 1:
            return as_json(
                200,
                {
                    "links": [{"rel": "self", "href": href}],
                    "id": job.job_id,
                    "completed": True,
                    "progress": progress,
                    "task": {"links": [{"rel": "related", "href": f"{href}/task"}]},
                },
            )
        if parts[1:] == ["task"]:
            return as_json(
                200,
                {
                    "links": [{"rel": "self", "href": f"{href}/task"}],
                    "count": 1,
                    "hasMore": False,
                    "items": [{"links": [{"rel": "self", "href": f"{href}/task/1"}], "id": "1"}],
                    "offset": 0,
                    "totalResults": 1,
                },
                COLLECTION,
            )
        if parts[1:] == ["task", "1"]:
            return as_json(
                200,
                {
                    "links": [
                        {"rel": "self", "href": f"{href}/task/1"},
                        {"rel": "related", "href": f"{href}/task/1/result"},
                    ],
                    "id": "1",
                    "completed": True,
                    "progress": progress,
                    "startTime": job.started,
                    "endTime": job.ended,
                },
            )
        if parts[1:] == ["task", "1", "result"]:
            media = ERROR_MEDIA_TYPE if job.status >= 400 else None
            return Response(job.body or None, status_code=job.status, headers=job.headers, media_type=media)
        raise NsError(404, None, "The requested job resource was not found.")

    # --- SuiteQL ---------------------------------------------------------------------

    def suiteql(self, account: Account, request: Request, body: bytes, base: str) -> Response:
        payload = self.parse(body)
        text = payload.get("q") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise NsError(400, "INVALID_PARAMETER", "The request body must carry the query in 'q'.")
        limit, offset = int_param(request, "limit", 1000), int_param(request, "offset", 0)
        rows, total = run_query(account, text, limit, offset, account.date_format)
        return as_json(
            200,
            {
                "links": paging_links(f"{base}/query/v1/suiteql", limit, offset, total),
                "count": len(rows),
                "hasMore": offset + len(rows) < total,
                "items": rows,
                "offset": offset,
                "totalResults": total,
            },
            COLLECTION,
        )

    @staticmethod
    def governance(account: Account) -> Response:
        """O:article_0625010817: no limit is allocated to one integration, so the type is ``accountLimit``."""
        limit = account.limits.concurrency
        return as_json(
            200,
            {
                "accountConcurrencyLimit": limit,
                "accountUnallocatedConcurrencyLimit": limit,
                "integrationLimitType": "accountLimit",
            },
            "application/json",
        )
