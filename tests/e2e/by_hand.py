"""The bookkeeper's own work in QuickBooks, typed in by hand: through another QuickBooks app than
LedgerBridge's, as QuickBooks' own screens are. QBO counts its per-second and concurrency limits per
realm and app (``sandbox/qbo/README.md``, limits), so this work never takes LedgerBridge's requests
over them; the sandbox still tells LedgerBridge's app of every change through its webhooks."""

from __future__ import annotations

from ledgerbridge_ops.scenario import Company, Scenario

BY_HAND_APP = "quickbooks-by-hand"


async def by_hand_headers(scenario: Scenario, company: Company) -> dict[str, str]:
    """Headers of a QBO API call made by hand in ``company``'s realm."""
    http, qbo = scenario.http, scenario.urls.qbo
    apps = await http.post(f"{qbo}/_sandbox/apps", json={"client_id": BY_HAND_APP, "client_secret": "by-hand"})
    apps.raise_for_status()
    minted = await http.post(f"{qbo}/_sandbox/realms/{company.realm_id}/tokens", json={"client_id": BY_HAND_APP})
    minted.raise_for_status()
    return {"Authorization": f"Bearer {minted.json()['access_token']}", "Accept": "application/json"}
