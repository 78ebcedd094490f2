"""The ops command's view of prefs-api's public API (``/v1``, header ``X-API-Key``)."""

from __future__ import annotations

from typing import Any

import httpx


class PrefsApiError(RuntimeError):
    """prefs-api answered with an error; ``str()`` is its problem detail."""


class PrefsApi:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = await self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise PrefsApiError(f"prefs-api unreachable at {self._http.base_url}: {exc}") from exc
        if resp.status_code >= 400:
            raise PrefsApiError(_problem(resp))
        return resp.json() if resp.content else {}

    async def connections(self) -> list[dict[str, Any]]:
        """``GET /v1/connections``: the connections this key may see."""
        return _items(await self._call("GET", "/v1/connections"))

    async def readiness(self, connection_id: str) -> dict[str, Any]:
        """``GET /v1/connections/{id}/readiness``: ``ready`` and what is ``missing``, in words."""
        data = await self._call("GET", f"/v1/connections/{connection_id}/readiness")
        return data if isinstance(data, dict) else {}

    async def report(self, connection_id: str | None = None) -> dict[str, Any]:
        """``GET /v1/sync-report``: per connection, counts by status, last sync, freshness;
        plus the open errors (failed and parked) with their reasons."""
        params = {"connection_id": connection_id} if connection_id else {}
        data = await self._call("GET", "/v1/sync-report", params=params)
        return data if isinstance(data, dict) else {}

    async def bill_budget(self) -> dict[str, Any]:
        """``GET /v1/bill-budget``: each BILL devKey's hour and the short-poll plan."""
        data = await self._call("GET", "/v1/bill-budget")
        return data if isinstance(data, dict) else {}

    async def sync_now(self, connection_id: str, *, full: bool = False) -> dict[str, Any]:
        """``POST /v1/connections/{id}/sync-now`` (202 Accepted with the request's event id)."""
        params = {"full": "true"} if full else {}
        data = await self._call("POST", f"/v1/connections/{connection_id}/sync-now", params=params)
        return data if isinstance(data, dict) else {"result": data}

    async def first_sync_preview(self, connection_id: str) -> dict[str, Any]:
        """``GET /v1/connections/{id}/first-sync/preview``: per object type, create / link / skip."""
        data = await self._call("GET", f"/v1/connections/{connection_id}/first-sync/preview")
        return data if isinstance(data, dict) else {}

    async def start_first_sync(self, connection_id: str, start_date: str | None = None) -> dict[str, Any]:
        """``POST /v1/connections/{id}/first-sync`` (202; 409 when it has started already)."""
        body = {"start_date": start_date} if start_date else {}
        data = await self._call("POST", f"/v1/connections/{connection_id}/first-sync", json=body)
        return data if isinstance(data, dict) else {}

    async def what_syncs(self, connection_id: str) -> dict[str, Any]:
        """``GET /v1/connections/{id}/what-syncs``: the directions offered and chosen per object type."""
        data = await self._call("GET", f"/v1/connections/{connection_id}/what-syncs")
        return data if isinstance(data, dict) else {}

    async def update_connection(self, connection_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/connections/{id}`` (credentials are replaced as a whole per vendor)."""
        data = await self._call("PATCH", f"/v1/connections/{connection_id}", json=body)
        return data if isinstance(data, dict) else {}

    async def sync_log(
        self, *, connection_id: str | None, status: str, page_size: int = 200, max_pages: int = 50
    ) -> list[dict[str, Any]]:
        """``GET /v1/sync-log``, newest first, following ``next_before_id`` page by page."""
        params: dict[str, Any] = {"status": status, "limit": page_size}
        if connection_id:
            params["connection_id"] = connection_id
        items: list[dict[str, Any]] = []
        for _ in range(max_pages):
            page = await self._call("GET", "/v1/sync-log", params=params)
            items += _items(page)
            cursor = page.get("next_before_id") if isinstance(page, dict) else None
            if not cursor:
                break
            params["before_id"] = cursor
        return items


def make_http(base_url: str, api_key: str | None, timeout: float) -> httpx.AsyncClient:
    headers = {"X-API-Key": api_key} if api_key else {}
    return httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)


def _items(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("items", "data", "connections", "entries"):
            if isinstance(data.get(key), list):
                return list(data[key])
    return []


def _problem(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}: {resp.text[:300]}"
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body
        return f"HTTP {resp.status_code}: {detail}"
    return f"HTTP {resp.status_code}: {body}"
