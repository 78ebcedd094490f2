"""NetSuite's REST error envelope (reference §3, O:section_156570709583):
``{"type", "title", "status", "o:errorDetails": [{"detail", "o:errorCode", "o:errorPath"?}]}``."""

from __future__ import annotations

from typing import Any

RFC2616 = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
TITLES = {
    400: ("Bad Request", "#sec10.4.1"),
    401: ("Unauthorized", ""),
    403: ("Forbidden", "#sec10.4.4"),
    404: ("Not Found", "#sec10.4.5"),
    405: ("Method Not Allowed", "#sec10.4.6"),
    415: ("Unsupported Media Type", "#sec10.4.16"),
    429: ("Too Many Requests", ""),
    500: ("Internal Server Error", "#sec10.5.1"),
    503: ("Service Unavailable", "#sec10.5.4"),
}
ERROR_MEDIA_TYPE = "application/vnd.oracle.resource+json; type=error"
INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)


class NsError(Exception):
    """One REST error: status, ``o:errorCode`` (``None`` where no code is documented) and detail."""

    def __init__(
        self,
        status: int,
        code: str | None,
        detail: str,
        *,
        path: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.path = path
        self.title = title
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        title, anchor = TITLES.get(self.status, ("Error", ""))
        detail: dict[str, Any] = {"detail": self.detail}
        if self.code is not None:
            detail["o:errorCode"] = self.code
        if self.path is not None:
            detail["o:errorPath"] = self.path
        return {
            "type": RFC2616 + anchor,
            "title": self.title or title,
            "status": self.status,
            "o:errorDetails": [detail],
        }


def invalid_login(account_id: str) -> NsError:
    """401 INVALID_LOGIN with the ``WWW-Authenticate`` challenge of O:subsect_158521885412."""
    challenge = (
        f'Bearer realm="{account_id.split("_")[0]}", error="invalid_token", error_description="Invalid login attempt."'
    )
    return NsError(401, "INVALID_LOGIN", INVALID_LOGIN_DETAIL, headers={"WWW-Authenticate": challenge})


def user_error(detail: str, path: str | None = None) -> NsError:
    return NsError(400, "USER_ERROR", f"Error while accessing a resource. {detail}", path=path)


def invalid_content(field: str, value: object, path: str) -> NsError:
    return NsError(
        400,
        "INVALID_CONTENT",
        f"Error while accessing resource: You have entered an Invalid Field Value {value} for the following field: "
        f"{field}",
        path=path,
    )


def invalid_parameter(detail: str, param: str | None = None) -> NsError:
    return NsError(400, "INVALID_PARAMETER", detail, path=param)


def not_found(record_type: str, record_id: str) -> NsError:
    return NsError(404, "NONEXISTENT_ID", f"The record instance does not exist. ({record_type} {record_id})")


def wrong_subsidiary(kind: str, key: str, subsidiary: str, path: str) -> NsError:
    """fylein ``netsuitesdk/errors/errors.py`` text; whether REST says the same is unknown (reference §3)."""
    return user_error(f"Invalid {kind} reference key {key} for subsidiary {subsidiary}.", path)


def too_many_requests() -> NsError:
    # The 429 body is not documented (reference §3): no o:errorCode is sent, clients must key on the status.
    return NsError(429, None, "Concurrent request limit exceeded. Request blocked.")
