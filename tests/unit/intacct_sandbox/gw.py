"""Build Intacct XML requests and read the answers, for the sandbox's tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import httpx

from intacct_sandbox.state import DEMO_SENDER, DEMO_USER

PATH = "/ia/xml/xmlgw.phtml"


def el(tag: str, value: Any = None, **attrs: str) -> Element:
    element = Element(tag, attrs)
    _fill(element, value)
    return element


def _fill(element: Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            for item in sub if isinstance(sub, list) else [sub]:
                child = SubElement(element, key)
                _fill(child, item)
    elif isinstance(value, Element):
        element.append(value)
    elif value is not None:
        element.text = str(value)


def fn(name: str, body: Any = None, controlid: str | None = None) -> Element:
    function = Element("function", {"controlid": controlid or uuid.uuid4().hex})
    function.append(el(name, body))
    return function


def request_xml(
    functions: list[Element],
    *,
    session: str | None = None,
    login: dict[str, str] | None = None,
    sender: tuple[str, str] = DEMO_SENDER,
    uniqueid: str | None = "false",
    transaction: bool = False,
) -> bytes:
    root = Element("request")
    control = {"senderid": sender[0], "password": sender[1], "controlid": "req-1", "dtdversion": "3.0"}
    if uniqueid is not None:
        control["uniqueid"] = uniqueid
    _fill(SubElement(root, "control"), control)
    operation = SubElement(root, "operation", {"transaction": "true" if transaction else "false"})
    auth = SubElement(operation, "authentication")
    if session is not None:
        _fill(SubElement(auth, "sessionid"), session)
    else:
        _fill(SubElement(auth, "login"), login or {})
    content = SubElement(operation, "content")
    for function in functions:
        content.append(function)
    return tostring(root)


@dataclass
class Answer:
    status: int
    root: Element

    @property
    def control(self) -> str:
        return self.root.findtext("control/status") or ""

    @property
    def auth(self) -> str:
        return self.root.findtext("operation/authentication/status") or ""

    @property
    def results(self) -> list[Element]:
        return self.root.findall("operation/result")

    def result(self, index: int = 0) -> Element:
        return self.results[index]

    def errornos(self, index: int | None = None) -> list[str]:
        scope = self.root if index is None else self.result(index)
        return [e.text or "" for e in scope.iter("errorno")]


class Client:
    """Talks to the sandbox app in process with one company's credentials."""

    def __init__(self, http: httpx.AsyncClient, company_id: str, entity: str = "") -> None:
        self.http = http
        self.company_id = company_id
        self.entity = entity
        self.session: str | None = None

    def login(self) -> dict[str, str]:
        return {
            "userid": DEMO_USER[0],
            "companyid": self.company_id,
            "password": DEMO_USER[1],
            "locationid": self.entity,
        }

    async def post(self, body: bytes) -> Answer:
        response = await self.http.post(PATH, content=body, headers={"content-type": "application/xml"})
        return Answer(response.status_code, fromstring(response.content) if response.content else Element("empty"))

    async def open_session(self) -> str:
        answer = await self.post(request_xml([fn("getAPISession")], login=self.login()))
        assert answer.result().findtext("status") == "success", tostring(answer.root)
        self.session = answer.result().findtext("data/api/sessionid") or ""
        return self.session

    async def call(self, *functions: Element, **kwargs: Any) -> Answer:
        if self.session is None:
            await self.open_session()
        return await self.post(request_xml(list(functions), session=self.session, **kwargs))

    async def ok(self, function: Element, **kwargs: Any) -> Element:
        answer = await self.call(function, **kwargs)
        result = answer.result()
        assert result.findtext("status") == "success", tostring(answer.root).decode()
        return result

    async def create(self, obj: str, record: dict[str, Any], **kwargs: Any) -> str:
        result = await self.ok(fn("create", {obj: record}), **kwargs)
        return result.findtext(f"data/{obj.lower()}/RECORDNO") or ""
