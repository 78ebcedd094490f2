"""``POST /ia/xml/xmlgw.phtml``: control, authentication and result levels, transactions, limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import time
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from fastapi import APIRouter, Request
from fastapi.responses import Response

from intacct_sandbox import errors, reads, writes
from intacct_sandbox.clock import iso
from intacct_sandbox.company import Company, Ctx, Session
from intacct_sandbox.render import (
    DroppedResponse,
    auth_block,
    control_block,
    error_block,
    result_block,
    throttled,
    xml_response,
)
from intacct_sandbox.state import SandboxState
from intacct_sandbox.xmlio import XmlError, add, child_text, new, parse

PATH = "/ia/xml/xmlgw.phtml"


@dataclass
class Caller:
    company: Company
    user: str
    entity: str
    session: Session | None = None
    results: list[Element] = field(default_factory=list)


class Gateway:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            root = parse(raw)
        except XmlError as exc:
            return self._control_failure(None, errors.parse_error(str(exc)))
        control = root.find("control")
        if root.tag != "request" or control is None:
            return self._control_failure(None, errors.parse_error("a <request> with a <control> block is expected"))
        if not self.state.sender_ok(child_text(control, "senderid"), child_text(control, "password")):
            return self._control_failure(control, errors.bad_sender())
        operation = root.find("operation")
        if operation is None:
            return self._control_failure(control, errors.parse_error("an <operation> block is expected"))
        company = self._company_of(operation.find("authentication"))
        if company is None:
            return self._auth_failure(control, operation, errors.sign_in())
        company.counters["requests"] += 1
        if not self._admit(company):
            company.counters["throttled_429"] += 1
            return throttled(control)
        if company.faults.error_5xx_next > 0:
            company.faults.error_5xx_next -= 1
            company.counters["injected_5xx"] += 1
            return Response(b"", status_code=company.faults.error_5xx_status)
        company.in_flight += 1
        try:
            if company.limits.latency_ms > 0:
                await asyncio.sleep(company.limits.latency_ms / 1000)
            response, committed = self._run(request, control, operation, company)
            if committed and company.faults.timeout_after_commit_next > 0:
                company.faults.timeout_after_commit_next -= 1
                company.counters["injected_timeouts"] += 1
                if company.faults.timeout_mode == "drop":
                    return DroppedResponse()
                await asyncio.sleep(company.faults.timeout_seconds)
            return response
        finally:
            company.in_flight -= 1

    # --- levels ----------------------------------------------------------------------------------

    def _control_failure(self, control: Element | None, error: errors.IntacctError) -> Response:
        root = new("response")
        control_block(root, control, "failure")
        error_block(root, error)
        return xml_response(root)

    def _auth_failure(self, control: Element, operation: Element, error: errors.IntacctError) -> Response:
        root = new("response")
        control_block(root, control, "success")
        op = add(root, "operation")
        login = operation.find("authentication/login")
        auth_block(
            op, "failure", child_text(login, "userid"), child_text(login, "companyid"), child_text(login, "locationid")
        )
        error_block(op, error)
        return xml_response(root)

    def _company_of(self, auth: Element | None) -> Company | None:
        if auth is None:
            return None
        login = auth.find("login")
        if login is not None:
            return self.state.companies.get(child_text(login, "companyid"))
        session = self.state.sessions.get(child_text(auth, "sessionid"))  # an expired one still names its company
        return self.state.companies.get(session.company_id) if session else None

    def _admit(self, company: Company) -> bool:
        if company.faults.throttle_next > 0:
            company.faults.throttle_next -= 1
            company.counters["injected_429"] += 1
            return False
        limits = company.limits
        if not limits.enabled:
            return True
        if company.in_flight >= limits.concurrent:
            return False
        if limits.per_window is not None:
            now = time.monotonic()
            while company.admitted and company.admitted[0] <= now - limits.window_seconds:
                company.admitted.popleft()
            if len(company.admitted) >= limits.per_window:
                return False
            company.admitted.append(now)
        return True

    def _authenticate(self, control: Element, auth: Element, company: Company) -> Caller:
        sender = child_text(control, "senderid")
        login = auth.find("login")
        if login is not None:
            expected = company.users.get(child_text(login, "userid"))
            given = child_text(login, "password")
            entity = child_text(login, "locationid")
            if expected is None or not hmac.compare_digest(expected.encode(), given.encode()):
                raise errors.sign_in()
            if entity and entity not in company.entities:
                raise errors.sign_in()
            caller = Caller(company, child_text(login, "userid"), entity)
        else:
            session = self.state.live_session(child_text(auth, "sessionid"))
            if session is None:
                raise errors.sign_in()
            caller = Caller(company, session.user_id, session.entity, session)
        if sender not in company.senders:
            raise errors.sender_not_authorized(sender, company.company_id)
        return caller

    def _run(self, request: Request, control: Element, operation: Element, company: Company) -> tuple[Response, bool]:
        auth = operation.find("authentication")
        assert auth is not None
        try:
            caller = self._authenticate(control, auth, company)
        except errors.IntacctError as exc:
            company.counters["auth_failures"] += 1
            return self._auth_failure(control, operation, exc), False
        now = self.state.clock.now()
        expires = now + dt.timedelta(seconds=company.session_seconds)
        if caller.session is not None:
            caller.session.expires = expires
        root = new("response")
        control_block(root, control, "success")
        op = add(root, "operation")
        auth_block(
            op,
            "success",
            caller.user,
            company.company_id,
            caller.entity,
            iso(now, company.timezone),
            iso(expires, company.timezone),
        )
        unique = child_text(control, "uniqueid").lower() != "false"
        transactional = operation.get("transaction", "false").lower() == "true"
        content = operation.find("content")
        functions = list(content.findall("function")) if content is not None else []
        committed = self._functions(request, op, caller, functions, unique, transactional)
        return xml_response(root), committed

    def _functions(
        self, request: Request, op: Element, caller: Caller, functions: list[Element], unique: bool, transactional: bool
    ) -> bool:
        company = caller.company
        ctx = Ctx(company, caller.entity, caller.user, self.state.clock.now())
        snapshot = company.books.snapshot() if transactional else None
        outcomes: list[tuple[Element, str, object]] = []
        wrote = False
        failed_at: int | None = None
        for index, function in enumerate(functions):
            body = next(iter(function), None)
            name = body.tag if body is not None else ""
            if transactional and failed_at is not None:
                outcomes.append((function, name, None))
                continue
            try:
                answer = self._one(request, ctx, caller, function, body, unique)
                outcomes.append((function, name, answer))
                wrote = wrote or name in writes.WRITE_FUNCTIONS
            except errors.IntacctError as exc:
                company.counters["function_failures"] += 1
                outcomes.append((function, name, exc))
                if transactional and failed_at is None:
                    failed_at = index
        if transactional and failed_at is not None and snapshot is not None:
            company.books = snapshot
            wrote = False
        for index, (function, name, outcome) in enumerate(outcomes):
            controlid = function.get("controlid", "")
            if failed_at is not None and transactional:
                if index == failed_at and isinstance(outcome, errors.IntacctError):
                    rolled = errors.IntacctError(*outcome.details, errors.rolled_back())
                    result_block(op, "failure", name, controlid, rolled, name in ("create", "update"))
                else:
                    aborted = errors.IntacctError(errors.rolled_back())
                    result_block(op, "aborted", name, controlid, aborted, False)
            elif isinstance(outcome, errors.IntacctError):
                result_block(op, "failure", name, controlid, outcome, name in ("create", "update"))
            else:
                result_block(op, "success", name, controlid, outcome, False)
        return wrote

    def _one(
        self, request: Request, ctx: Ctx, caller: Caller, function: Element, body: Element | None, unique: bool
    ) -> reads.Answer:
        company = ctx.company
        controlid = function.get("controlid", "")
        if body is None:
            raise errors.business("The function names no operation.")
        if not controlid:
            raise errors.business("A function controlid is required.", "Set the controlid attribute.")
        if unique and controlid in company.books.controlids:
            company.counters["replayed"] += 1
            raise errors.replayed(controlid)
        if company.faults.fail_next_functions > 0:
            company.faults.fail_next_functions -= 1
            company.counters["injected_errors"] += 1
            raise errors.IntacctError(
                errors.ErrorDetail(company.faults.fail_errorno, "", company.faults.fail_description2, "")
            )
        answer = self._dispatch(request, ctx, caller, body)
        if unique:
            company.books.controlids.add(controlid)
        if body.tag in writes.WRITE_FUNCTIONS:
            company.counters["writes"] += 1
        return answer

    def _dispatch(self, request: Request, ctx: Ctx, caller: Caller, body: Element) -> reads.Answer:
        name = body.tag
        results = self.state.results
        if name == "getAPISession":
            return self._api_session(request, caller, body)
        if name in ("create", "update", "delete"):
            many = len(list(body)) > 1 or "," in child_text(body, "keys")
            before = ctx.company.books.snapshot() if many else None
            try:
                return {"create": writes.create, "update": writes.update, "delete": writes.delete}[name](ctx, body)
            except errors.IntacctError:
                if before is not None:
                    ctx.company.books = before
                raise
        handlers = {
            "create_invoice": lambda: writes.create_invoice(ctx, body),
            "read": lambda: reads.read(ctx, body, by_name=False),
            "readByName": lambda: reads.read(ctx, body, by_name=True),
            "readByQuery": lambda: reads.read_by_query(ctx, body, results),
            "readMore": lambda: reads.read_more(ctx, body, results),
            "query": lambda: reads.query(ctx, body),
        }
        handler = handlers.get(name)
        if handler is None:
            raise errors.business(f"The function {name} is not supported by this sandbox.")
        return handler()

    def _api_session(self, request: Request, caller: Caller, body: Element) -> reads.Answer:
        entity = child_text(body, "locationid") if body.find("locationid") is not None else caller.entity
        if entity and entity not in caller.company.entities:
            raise errors.sign_in()
        session = self.state.open_session(caller.company, caller.user, entity)
        base = self.state.settings.public_url or str(request.base_url).rstrip("/")
        api = {"sessionid": session.session_id, "endpoint": f"{base.rstrip('/')}{PATH}", "locationid": entity}
        return reads.Answer(data={"api": api})


def gateway_router(state: SandboxState) -> APIRouter:
    router = APIRouter(tags=["xml gateway"])
    gateway = Gateway(state)

    @router.post(PATH)
    async def xmlgw(request: Request) -> Response:
        """The XML Web Services gateway."""
        return await gateway.handle(request)

    return router
