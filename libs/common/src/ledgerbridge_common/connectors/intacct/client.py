"""The XML gateway client: sessions (``getAPISession``, the endpoint it names, one re-login when a
session ends), the company's budget around every request, ``uniqueid`` control ids on writes, bounded
retries of reads, and typed errors for everything else (:mod:`.faults`)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from xml.etree.ElementTree import Element

import httpx

from ledgerbridge_common.connectors.budget import DEFAULT_BUDGETS, LedgerBudgets, LedgerLimits
from ledgerbridge_common.connectors.intacct.faults import VENDOR, Detail, error_for
from ledgerbridge_common.connectors.intacct.xmlcodec import BadXmlError, Record, element, parse, to_bytes, to_record
from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
)
from ledgerbridge_common.metrics import count_call

PRODUCTION_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
LEDGER_KIND = "sage_intacct"
QUERY_PAGE_MAX = 2000
INTACCT_LIMITS = LedgerLimits(concurrent=2, cooldown_seconds=10.0)
"""Intacct counts concurrent requests per company (HTTP 429 ``GW-0010`` past it); "most customers
2" (reference §4, unconfirmed). Transactions per month are billed, not refused."""


@dataclass(frozen=True)
class IntacctLogin:
    """Web Services sender credentials and the company user; ``entity_id`` logs in to one entity."""

    sender_id: str
    sender_password: str
    user_id: str
    user_password: str
    company_id: str
    entity_id: str = ""


@dataclass(frozen=True)
class Answer:
    """A function's successful result: its ``<data>`` element (or a legacy ``<key>``)."""

    data: Element | None
    key: str | None

    def rows(self) -> list[Record]:
        if self.data is None:
            return []
        return [r for r in (to_record(child) for child in self.data) if isinstance(r, dict)]

    def attr(self, name: str, default: str = "") -> str:
        return self.data.get(name, default) if self.data is not None else default


def _details(node: Element | None) -> list[Detail]:
    if node is None:
        return []
    return [
        Detail(
            (e.findtext("errorno") or "").strip(),
            (e.findtext("description") or "").strip(),
            (e.findtext("description2") or "").strip(),
            (e.findtext("correction") or "").strip(),
        )
        for e in node.iter("error")
    ]


class IntacctClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        login: IntacctLogin,
        *,
        endpoint: str = PRODUCTION_ENDPOINT,
        limits: LedgerLimits | None = None,
        budgets: LedgerBudgets = DEFAULT_BUDGETS,
        timeout: float = 30.0,
        max_retries: int = 2,
        backoff: float = 0.2,
    ) -> None:
        self.http = http
        self.login = login
        self.login_endpoint = endpoint
        self.limits = limits or INTACCT_LIMITS
        self.budgets = budgets
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self._session: tuple[str, str] | None = None
        self._session_lock = asyncio.Lock()
        self.utc_offset: dt.timedelta | None = None
        """The company's offset from UTC, learnt from ``<sessiontimestamp>``: Intacct stamps
        (``WHENMODIFIED``) are local wall time without a zone."""

    # --- requests ------------------------------------------------------------------------------

    def _request(self, auth: Element, function: Element, controlid: str, *, unique: bool) -> bytes:
        login = self.login
        control = {
            "senderid": login.sender_id,
            "password": login.sender_password,
            "controlid": uuid.uuid4().hex,
            "uniqueid": "true" if unique else "false",
            "dtdversion": "3.0",
            "includewhitespace": "false",
        }
        operation = element("operation", None, {"transaction": "false"})
        operation.append(auth)
        content = element("content")
        content.append(element("function", function, {"controlid": controlid}))
        operation.append(content)
        root = element("request", {"control": control})
        root.append(operation)
        return to_bytes(root)

    async def _post(self, url: str, body: bytes, *, write: bool) -> Element:
        """One HTTP exchange inside the company's budget; transport failures become typed errors."""
        budget = self.budgets.get(LEDGER_KIND, self.login.company_id, self.limits)
        async with budget.slot():
            try:
                response = await self.http.post(
                    url, content=body, headers={"content-type": "application/xml"}, timeout=self.timeout
                )
            except httpx.TimeoutException as exc:
                if write:
                    raise OutcomeUnknownError("the write timed out; it may have been applied", vendor=VENDOR) from exc
                raise RetryableError("the request timed out", vendor=VENDOR) from exc
            except httpx.TransportError as exc:
                if write and not isinstance(exc, httpx.ConnectError):
                    raise OutcomeUnknownError(f"the connection broke ({exc!r})", vendor=VENDOR) from exc
                raise RetryableError(f"Intacct unreachable ({exc!r})", vendor=VENDOR) from exc
        if response.status_code == 429:
            await budget.cool_down(1.0)
            raise RateLimitedError("HTTP 429 (GW-0010): concurrent request limit", code="GW-0010", vendor=VENDOR)
        if response.status_code >= 500:
            if write:  # a mid-process failure can answer 5xx without XML after the commit (§1.5)
                raise OutcomeUnknownError(f"HTTP {response.status_code} during a write", vendor=VENDOR)
            raise RetryableError(f"HTTP {response.status_code}", code=str(response.status_code), vendor=VENDOR)
        try:
            return parse(response.content)
        except BadXmlError as exc:
            if write:
                raise OutcomeUnknownError(f"unreadable answer to a write: {exc}", vendor=VENDOR) from exc
            raise RetryableError(f"unreadable answer: {exc}", vendor=VENDOR) from exc

    def _checked(self, root: Element) -> Element:
        """The first ``<result>`` of a successful control and authentication, or the typed error."""
        if (root.findtext("control/status") or "") != "success":
            raise error_for(_details(root.find("errormessage")), level="control")
        auth = root.find("operation/authentication")
        if auth is None or (auth.findtext("status") or "") != "success":
            raise _SessionRefused(_details(root.find("operation/errormessage")))
        stamp = auth.findtext("sessiontimestamp")
        if stamp:
            with contextlib.suppress(ValueError):
                self.utc_offset = dt.datetime.fromisoformat(stamp).utcoffset()
        result = root.find("operation/result")
        if result is None:
            raise RetryableError("an answer without a result", vendor=VENDOR)
        return result

    # --- sessions ------------------------------------------------------------------------------

    async def _session_or_login(self) -> tuple[str, str]:
        if self._session is not None:
            return self._session
        async with self._session_lock:
            if self._session is None:
                login = self.login
                auth = element(
                    "authentication",
                    {
                        "login": {
                            "userid": login.user_id,
                            "companyid": login.company_id,
                            "password": login.user_password,
                            "locationid": login.entity_id,
                        }
                    },
                )
                body = self._request(auth, element("getAPISession"), uuid.uuid4().hex, unique=False)
                try:
                    result = self._checked(await self._post(self.login_endpoint, body, write=False))
                except _SessionRefused as refused:
                    raise error_for(refused.details, level="authentication") from None
                answer = _answer(result)
                api = answer.data.find("api") if answer.data is not None else None
                session_id = (api.findtext("sessionid") if api is not None else "") or ""
                endpoint = (api.findtext("endpoint") if api is not None else "") or self.login_endpoint
                if not session_id:
                    raise AuthRevokedError("getAPISession returned no session", vendor=VENDOR)
                self._session = (session_id, endpoint.strip())
        assert self._session is not None
        return self._session

    # --- calls ---------------------------------------------------------------------------------

    async def call(self, function: Element, *, write: bool = False, controlid: str | None = None) -> Answer:
        """Run one function. A write sends ``uniqueid=true`` with ``controlid`` (the command's
        request id) so that Intacct refuses, rather than repeats, a write it already applied."""
        controlid = controlid or uuid.uuid4().hex
        relogged = False
        attempt = 0
        while True:
            try:
                session_id, endpoint = await self._session_or_login()
                auth = element("authentication", {"sessionid": session_id})
                body = self._request(auth, function, controlid, unique=write)
                count_call(VENDOR, f"POST {function.tag}")
                result = self._checked(await self._post(endpoint, body, write=write))
            except _SessionRefused:
                self._session = None
                if relogged:
                    raise AuthExpiredError("the new Intacct session was refused too", vendor=VENDOR) from None
                relogged = True
                continue
            except RateLimitedError:
                if attempt >= self.max_retries:
                    raise
                attempt += 1
                continue
            except OutcomeUnknownError:
                raise
            except RetryableError:
                if write or attempt >= self.max_retries:
                    raise
                attempt += 1
                await asyncio.sleep(self.backoff * attempt)
                continue
            if (result.findtext("status") or "") != "success":
                raise error_for(_details(result.find("errormessage")), level="result")
            return _answer(result)

    async def query_all(
        self,
        obj: str,
        fields: list[str],
        flt: object = None,
        *,
        page_size: int = QUERY_PAGE_MAX,
        show_private: bool = False,
    ) -> AsyncIterator[Record]:
        """Every row of a ``query`` (upper-case tags), by offset pages ordered by RECORDNO."""
        offset = 0
        while True:
            body: dict[str, object] = {
                "orderby": {"order": {"field": "RECORDNO", "ascending": ""}},
                "options": {"showprivate": "true"} if show_private else None,
                "pagesize": str(page_size),
                "offset": str(offset),
            }
            query = element("query", {"object": obj, "select": {"field": fields}, "filter": flt, **body})
            answer = await self.call(query)
            rows = answer.rows()
            for row in rows:
                yield row
            offset += len(rows)
            if not rows or answer.attr("numremaining", "0") == "0":
                return


class _SessionRefused(Exception):
    def __init__(self, details: list[Detail]) -> None:
        super().__init__("authentication failure")
        self.details = details


def _answer(result: Element) -> Answer:
    return Answer(result.find("data"), (result.findtext("key") or "").strip() or None)
