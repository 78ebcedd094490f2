"""``/v3/company/{realmId}/...``: auth, throttling and injected faults around the entity
endpoints, query, CDC, batch, preferences and company info."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from qbo_sandbox import faults
from qbo_sandbox.attachments import ATTACHABLE, upload
from qbo_sandbox.clock import COMPANY_TZ, fmt_ts, parse_ts
from qbo_sandbox.entities import BY_NAME, BY_PATH, EntitySpec
from qbo_sandbox.faults import QboFault
from qbo_sandbox.ledger import refresh_current_balances
from qbo_sandbox.query import parse, run
from qbo_sandbox.realm import Obj, Realm
from qbo_sandbox.state import SandboxState

CDC_MAX = 1000
BATCH_MAX = 30
REQUEST_ID_MAX = 50


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _second(window_seconds: float, per_second: int) -> tuple[float, float]:
    """(length, allowance) of the per-second window. With the real minute: 1 s and ``per_second``.
    A shrunk minute (tests) keeps a 1 s window and scales the allowance by the same factor (a
    window of 1/60 of a shrunk minute would be a few milliseconds: loopback jitter, not the limit,
    would decide); a stretched minute stretches the window."""
    if window_seconds >= 60:
        return window_seconds / 60, per_second
    return 1.0, per_second * 60 / window_seconds


def _xml(status: int, body: str) -> Response:
    return Response(body, status_code=status, media_type="application/xml")


class DroppedResponse(Response):
    """Starts a response then breaks the connection: the client sees the socket drop."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"100000")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"', "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped after commit")


class Api:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def stamp(self) -> str:
        return self.state.clock.stamp()

    # --- gateway -------------------------------------------------------------------------------

    async def dispatch(self, realm_id: str, path: str, request: Request) -> Response:
        state = self.state
        realm = state.realms.get(realm_id)
        app = "default"
        if state.settings.require_auth:
            header = request.headers.get("authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            grant = state.tokens.check(token, state.clock.now())
            if isinstance(grant, str):
                if realm is not None:
                    realm.counters["unauthorized_401"] += 1
                return _json(401, faults.gateway_401(self.stamp(), grant))
            if grant.realm_id != realm_id:
                if realm is not None:
                    realm.counters["unauthorized_401"] += 1
                return _xml(401, faults.other_realm_xml(self.stamp()))
            app = grant.client_id
        if realm is None:
            fault = QboFault(
                403,
                "120",
                "AuthorizationFailure",
                "AuthorizationFailure: -11014-You do not have access to use QuickBooks Online",
                fault_type="AuthorizationFault",
            )
            return _json(403, faults.fault_body(fault, self.stamp()))
        realm.counters["requests"] += 1
        is_batch = path.strip("/").lower() == "batch"
        if not self._admit(realm, app, is_batch):
            realm.counters["throttled_429"] += 1
            if realm.limits.throttle_format == "xml":
                return _xml(429, faults.throttle_xml(self.stamp()))
            return _json(429, faults.throttle_body(self.stamp()))
        if realm.faults.error_5xx_next > 0:
            realm.faults.error_5xx_next -= 1
            realm.counters["injected_5xx"] += 1
            fault = QboFault(
                realm.faults.error_5xx_status,
                "10000",
                "Service Unavailable",
                "The service is temporarily unavailable",
                fault_type="SystemFault",
            )
            return _json(fault.status, faults.fault_body(fault, self.stamp()))
        use = realm.limit_state.app(app)
        realm.limit_state.in_flight += 1
        use.in_flight += 1
        try:
            if realm.limits.latency_ms > 0:
                await asyncio.sleep(realm.limits.latency_ms / 1000)
            status, raw, committed = await self.handle(realm, path.strip("/"), request)
            realm.counters[f"status_{status}"] += 1
            if committed and realm.faults.timeout_after_commit_next > 0:
                realm.faults.timeout_after_commit_next -= 1
                realm.counters["injected_timeouts"] += 1
                if realm.faults.timeout_mode == "drop":
                    return DroppedResponse()
                await asyncio.sleep(realm.faults.timeout_seconds)
            return Response(raw, status_code=status, media_type="application/json")
        finally:
            realm.limit_state.in_flight -= 1
            use.in_flight -= 1

    def _admit(self, realm: Realm, app: str, is_batch: bool) -> bool:
        """Sliding windows: per realm 500/min and 120 batch calls/min; per realm and app
        10/s, 10 in flight and 40 batch calls/min. A refused call counts in no window."""
        if realm.faults.throttle_next > 0:
            realm.faults.throttle_next -= 1
            realm.counters["injected_429"] += 1
            return False
        limits, st = realm.limits, realm.limit_state
        if not limits.enabled:
            return True
        use = st.app(app)
        now = time.monotonic()
        second_len, per_second = _second(limits.window_seconds, limits.per_second)
        minute, second = now - limits.window_seconds, now - second_len
        for window, cut in ((st.window, minute), (st.batch_window, minute), (use.batch_window, minute)):
            while window and window[0] <= cut:
                window.popleft()
        while use.second and use.second[0] <= second:
            use.second.popleft()
        if len(st.window) >= limits.per_minute or len(use.second) >= per_second:
            return False
        if use.in_flight >= limits.concurrent:
            return False
        if is_batch and (
            len(use.batch_window) >= limits.batch_per_minute or len(st.batch_window) >= limits.realm_batch_per_minute
        ):
            return False
        st.window.append(now)
        use.second.append(now)
        if is_batch:
            st.batch_window.append(now)
            use.batch_window.append(now)
        return True

    # --- routing -------------------------------------------------------------------------------

    async def handle(self, realm: Realm, path: str, request: Request) -> tuple[int, bytes, bool]:
        """Returns (status, body, committed write)."""
        params = request.query_params
        parts = path.split("/")
        head = parts[0].lower()
        try:
            if head == "query":
                sql = params.get("query")
                if request.method == "POST":
                    sql = (await request.body()).decode() or sql
                return 200, self._dump(self.query(realm, sql or "")), False
            if head == "cdc":
                return (
                    200,
                    self._dump(self.cdc(realm, params.get("entities", ""), params.get("changedSince"))),
                    False,
                )
            if head in ("preferences", "companyinfo"):
                if request.method == "POST" and head == "preferences":
                    self.update_preferences(realm, await self._body(request))
                obj = self.preferences(realm) if head == "preferences" else self.company_info(realm)
                return (
                    200,
                    self._dump({"Preferences" if head == "preferences" else "CompanyInfo": obj, "time": self.stamp()}),
                    False,
                )
            if head == "upload" and request.method == "POST":
                limit = self.state.settings.attachment_max_bytes

                async def uploaded() -> bytes:
                    return self._dump(await upload(realm, request, limit, self.stamp()))

                return await self._replayable(realm, params.get("requestid"), uploaded)
            if head == "batch" and request.method == "POST":
                raw = await self.batch(realm, request, params.get("requestid"))
                realm.counters["batches"] += 1
                return 200, raw, True
            spec = BY_PATH.get(head)
            if spec is None:
                raise QboFault(400, "4000", "Unsupported entity", f"Unsupported entity: {parts[0]}")
            if request.method == "GET":
                if len(parts) < 2:
                    raise faults.required("Id")
                if spec.name == "Account":
                    refresh_current_balances(realm)
                found = realm.get(spec.name, parts[1])
                if found is None:
                    raise faults.not_found("Id", parts[1])
                return 200, self._dump({spec.name: found, "time": self.stamp()}), False
            body = await self._body(request)
            include = {p.strip().lower() for p in params.get("include", "").split(",") if p.strip()}
            operation = params.get("operation", "").lower()
            return await self._replayable(
                realm,
                params.get("requestid"),
                lambda: self._dump(self.write(realm, spec, operation, include, body)),
            )
        except QboFault as fault:
            return fault.status, self._dump(faults.fault_body(fault, self.stamp())), False

    async def _replayable(self, realm: Realm, request_id: str | None, work: Any) -> tuple[int, bytes, bool]:
        """``requestid``: a retry with the same id gets the original response, and nothing runs."""
        if request_id:
            if len(request_id) > REQUEST_ID_MAX:
                raise faults.invalid(
                    f"You cannot enter more than 50 characters in the request_id field. "
                    f"You entered {len(request_id)} characters."
                )
            cached = realm.request_ids.get(request_id)
            if cached is not None:
                realm.counters["replayed"] += 1
                return cached[0], cached[1], True
        result = work()
        raw = await result if asyncio.iscoroutine(result) else result
        if request_id:
            realm.request_ids[request_id] = (200, raw)
        realm.counters["writes"] += 1
        return 200, raw, True

    @staticmethod
    def _dump(body: Any) -> bytes:
        return json.dumps(body, separators=(",", ":")).encode()

    @staticmethod
    async def _body(request: Request) -> Obj:
        try:
            body = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise QboFault(400, "2500", "Invalid Request", "Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise QboFault(400, "2500", "Invalid Request", "Request body must be a JSON object")
        return body

    # --- writes --------------------------------------------------------------------------------

    def write(self, realm: Realm, spec: EntitySpec, operation: str, include: set[str], body: Obj) -> Obj:
        writer = self.state.writer
        if operation == "delete":
            return {spec.name: writer.delete(realm, spec, body), "time": self.stamp()}
        if operation == "void" or (operation == "update" and "void" in include and spec.void in ("include", "both")):
            via_include = operation == "update"
            form = spec.void
            if form == "anomaly_system_fault":
                raise faults.system_fault("java.lang.UnsupportedOperationException")
            if form == "anomaly_empty_batch":
                return {"BatchItemResponse": [], "time": self.stamp()}
            if form == "both" or (form == "include" and via_include) or (form == "operation" and not via_include):
                return {spec.name: writer.void(realm, spec, body), "time": self.stamp()}
            raise faults.unsupported(f"void on {spec.name}")
        if operation not in ("", "create", "update"):
            raise faults.unsupported(operation)
        if body.get("Id") not in (None, "") and operation != "create":
            written = writer.update(realm, spec, body, include)
        else:
            written = writer.create(realm, spec, body, include)
        if spec.name == "Account":
            refresh_current_balances(realm)
        return {spec.name: written, "time": self.stamp()}

    async def batch(self, realm: Realm, request: Request, request_id: str | None) -> bytes:
        body = await self._body(request)
        items = body.get("BatchItemRequest") or []
        if len(items) > BATCH_MAX:
            raise faults.invalid(f"The batch has {len(items)} items; at most {BATCH_MAX} are allowed")
        out: list[Obj] = []
        realm.batch_horizon = realm.next_id - 1  # items do not see each other's creations
        try:
            for item in items:
                bid = str(item.get("bId", ""))
                try:
                    out.append({"bId": bid, **self._batch_item(realm, item, bid, request_id)})
                except QboFault as fault:
                    out.append({"bId": bid, "Fault": fault.fault()})
        finally:
            realm.batch_horizon = None
        return self._dump({"BatchItemResponse": out, "time": self.stamp()})

    def _batch_item(self, realm: Realm, item: Obj, bid: str, request_id: str | None) -> Obj:
        if "Query" in item:
            return {"QueryResponse": self.query(realm, str(item["Query"]))["QueryResponse"]}
        key = None
        if request_id:
            if len(request_id) + len(bid) > REQUEST_ID_MAX:
                raise faults.invalid(
                    f"You cannot enter more than 50 characters in the request_id field. "
                    f"You entered {len(request_id) + len(bid)} characters."
                )
            key = f"{request_id}\x00{bid}"
            cached = realm.request_ids.get(key)
            if cached is not None:
                realm.counters["replayed"] += 1
                return dict(json.loads(cached[1]))
        entity = next((k for k in item if k in BY_NAME), None)
        if entity is None:
            raise faults.required("entity")
        operation = str(item.get("operation", "create")).lower()
        include = {"void"} if item.get("optionsData") == "void" else set()
        result = self.write(realm, BY_NAME[entity], operation, include, item[entity])
        result.pop("time", None)
        if key is not None:
            realm.request_ids[key] = (200, self._dump(result))
        return result

    # --- reads ---------------------------------------------------------------------------------

    def query(self, realm: Realm, sql: str) -> Obj:
        if not sql.strip():
            raise faults.system_fault("query is empty")
        query = parse(sql)
        known = (*BY_NAME, ATTACHABLE, "Preferences", "CompanyInfo")
        entity = next((n for n in known if n.lower() == query.entity.lower()), None)
        if entity is None:
            raise faults.query_error(f"Invalid entity name: {query.entity}")
        if entity in ("Preferences", "CompanyInfo"):
            objects = [self.preferences(realm) if entity == "Preferences" else self.company_info(realm)]
            name_list = False
        else:
            if entity == "Account":
                refresh_current_balances(realm)
            objects = sorted(realm.all(entity), key=lambda o: int(o["Id"]))
            name_list = entity in BY_NAME and BY_NAME[entity].kind == "name"
        rows = run(query, objects, name_list)
        if query.count:
            return {"QueryResponse": {"totalCount": len(rows)}, "time": self.stamp()}
        page = rows[query.start - 1 : query.start - 1 + query.max_results]
        if not page:
            return {"QueryResponse": {}, "time": self.stamp()}
        return {
            "QueryResponse": {entity: page, "startPosition": query.start, "maxResults": len(page)},
            "time": self.stamp(),
        }

    def cdc(self, realm: Realm, entities: str, changed_since: str | None) -> Obj:
        if not changed_since:
            raise faults.required("changedSince")
        since = parse_ts(changed_since)
        if since is None:
            raise QboFault(400, "4000", "Invalid changedSince", f"Invalid changedSince: {changed_since}")
        now = self.state.clock.now()
        if since < now - dt.timedelta(days=30):
            raise QboFault(
                400,
                "4000",
                "Invalid changedSince",
                "changedSince cannot be more than 30 days in the past",
                "changedSince",
            )
        names: list[str] = []
        for raw in entities.split(","):
            name = next((n for n in BY_NAME if n.lower() == raw.strip().lower()), None)
            if name is None:
                raise QboFault(400, "4000", "Unsupported entity for CDC", f"Unsupported entity: {raw}")
            if name not in names:
                names.append(name)
        if "Account" in names:
            refresh_current_balances(realm)
        budget = CDC_MAX
        responses: list[Obj] = []
        for name in names:
            active = [o for o in realm.all(name) if _after(o, since)]
            active.sort(key=lambda o: parse_ts(o["MetaData"]["LastUpdatedTime"]) or now)
            gone = [t for t in realm.deleted.get(name, {}).values() if _after(t, since)]
            gone.sort(key=lambda o: parse_ts(o["MetaData"]["LastUpdatedTime"]) or now)
            rows = (active + gone)[:budget]
            budget -= len(rows)
            entry: Obj = {"startPosition": 1, "maxResults": len(rows)}
            if rows:
                entry[name] = rows
            responses.append(entry)
        return {"CDCResponse": [{"QueryResponse": responses}], "time": self.stamp()}

    def preferences(self, realm: Realm) -> Obj:
        accounting: Obj = {
            "TrackDepartments": realm.track_departments,
            "DepartmentTerminology": "Location",
            "ClassTrackingPerTxnLine": realm.class_tracking_per_line,
            "ClassTrackingPerTxn": False,
            "CustomerTerminology": "Customers",
        }
        if realm.book_close_date:
            accounting["BookCloseDate"] = realm.book_close_date
        created = fmt_ts(realm.created)
        return {
            "Id": "1",
            "SyncToken": str(realm.counters["preferences_updates"]),
            "domain": "QBO",
            "sparse": False,
            "AccountingInfoPrefs": accounting,
            "CurrencyPrefs": {
                "MultiCurrencyEnabled": realm.multi_currency,
                "HomeCurrency": {"value": realm.home_currency},
            },
            "SalesFormsPrefs": {"CustomTxnNumbers": False},
            "VendorAndPurchasesPrefs": {"BillableExpenseTracking": False, "TrackingByCustomer": False},
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }

    def update_preferences(self, realm: Realm, body: Obj) -> None:
        if "CurrencyPrefs" in body:
            cur = body["CurrencyPrefs"] or {}
            if bool(cur.get("MultiCurrencyEnabled", realm.multi_currency)) != realm.multi_currency:
                raise faults.invalid(
                    "Multicurrency can be changed only in the QuickBooks Online UI", "MultiCurrencyEnabled"
                )
        accounting = body.get("AccountingInfoPrefs") or {}
        if "BookCloseDate" in accounting:
            value = accounting["BookCloseDate"]
            realm.book_close_date = None if not value else dt.date.fromisoformat(str(value)[:10]).isoformat()
        for key, attr in (
            ("TrackDepartments", "track_departments"),
            ("ClassTrackingPerTxnLine", "class_tracking_per_line"),
        ):
            if key in accounting:
                setattr(realm, attr, bool(accounting[key]))
        realm.counters["preferences_updates"] += 1
        realm.notify("Preferences", "1", "Update", self.stamp())

    def company_info(self, realm: Realm) -> Obj:
        created = fmt_ts(realm.created)
        return {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CompanyName": realm.company_name,
            "LegalName": realm.company_name,
            "Country": "US",
            "CompanyStartDate": realm.created.astimezone(COMPANY_TZ).date().isoformat(),
            "SupportedLanguages": "en",
            "DefaultTimeZone": "America/Los_Angeles",
            "NameValue": [{"Name": "OfferingSku", "Value": "QuickBooks Online Plus"}],
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }


def _after(obj: Obj, since: dt.datetime) -> bool:
    stamp = parse_ts(obj["MetaData"]["LastUpdatedTime"])
    return stamp is not None and stamp >= since


def api_router(state: SandboxState) -> APIRouter:
    api = Api(state)
    router = APIRouter()

    @router.api_route("/v3/company/{realm_id}/{path:path}", methods=["GET", "POST"])
    async def v3(realm_id: str, path: str, request: Request) -> Response:
        """The QBO Accounting API v3."""
        return await api.dispatch(realm_id, path, request)

    return router
