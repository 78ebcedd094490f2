"""Vendor environments as named profiles, chosen per deployment with ``LB_PROFILE``.

``sandbox`` is the local simulators (``make demo``, the tests); ``development`` is the vendors'
test environments (Intuit's Development keys and sandbox companies, BILL's sandbox/stage
gateway); ``production`` is the vendors' live hosts. Every URL of a profile can still be
overridden by its own setting (``LB_QBO_BASE_URL``, ...). Each real host cites the vendor
reference it comes from (``SOURCES``; the references cite the vendors' documents).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum


class Profile(StrEnum):
    SANDBOX = "sandbox"
    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True)
class VendorEndpoints:
    qbo_base_url: str
    """QBO Accounting API host; paths are ``/v3/company/{realmId}/...``."""
    qbo_oauth_url: str
    """Base of the token endpoint ``{qbo_oauth_url}/oauth2/v1/tokens/bearer``."""
    qbo_authorize_url: str
    """Where the bookkeeper consents (Intuit's authorization endpoint)."""
    qbo_revoke_url: str
    """Intuit's token revocation endpoint (for disconnecting a company by hand)."""
    billcom_base_url: str
    """BILL v3 AP/AR API base (paths start ``/v3/``); the webhooks API is the same host's
    ``/connect-events``."""
    billcom_events_base_url: str
    billcom_v2_base_url: str
    """BILL's v2 (LTS) API. LedgerBridge calls v3 only; listed for support conversations (the
    BILL sandbox does not simulate v2: empty)."""
    intacct_url: str
    """Sage Intacct XML gateway (sessions may name another endpoint, which is then used)."""
    netsuite_url: str
    """NetSuite SuiteTalk REST host; ``{account}`` is the account id, lower case with ``_`` as ``-``."""


_SANDBOX = VendorEndpoints(
    qbo_base_url="http://127.0.0.1:18081",
    qbo_oauth_url="http://127.0.0.1:18081",
    qbo_authorize_url="",  # derived from qbo_oauth_url: ``{qbo_oauth_url}/connect/oauth2``
    qbo_revoke_url="http://127.0.0.1:18081/v2/oauth2/tokens/revoke",
    billcom_base_url="http://127.0.0.1:18082/connect",
    billcom_events_base_url="http://127.0.0.1:18082/connect-events",
    billcom_v2_base_url="",  # v2 is not simulated
    intacct_url="http://127.0.0.1:18083/ia/xml/xmlgw.phtml",
    netsuite_url="http://127.0.0.1:18084",
)
_DEVELOPMENT = VendorEndpoints(
    qbo_base_url="https://sandbox-quickbooks.api.intuit.com",
    qbo_oauth_url="https://oauth.platform.intuit.com",
    qbo_authorize_url="https://appcenter.intuit.com/connect/oauth2",
    qbo_revoke_url="https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    billcom_base_url="https://gateway.stage.bill.com/connect",
    billcom_events_base_url="https://gateway.stage.bill.com/connect-events",
    billcom_v2_base_url="https://api-stage.bill.com/api/v2/",
    intacct_url="https://api.intacct.com/ia/xml/xmlgw.phtml",
    netsuite_url="https://{account}.suitetalk.api.netsuite.com",
)
# Production differs from development only in the QBO API host and BILL's hosts: Intuit's OAuth
# hosts, Intacct's gateway and NetSuite's account hosts are the same for both.
_PRODUCTION = replace(
    _DEVELOPMENT,
    qbo_base_url="https://quickbooks.api.intuit.com",
    billcom_base_url="https://gateway.prod.bill.com/connect",
    billcom_events_base_url="https://gateway.prod.bill.com/connect-events",
    billcom_v2_base_url="https://api.bill.com/api/v2/",
)
ENDPOINTS: dict[Profile, VendorEndpoints] = {
    Profile.SANDBOX: _SANDBOX,
    Profile.DEVELOPMENT: _DEVELOPMENT,
    Profile.PRODUCTION: _PRODUCTION,
}

_QBO_HOSTS = "../shared/reference/qbo-api.md §2.0 (base URLs)"
_QBO_OAUTH = "../shared/reference/qbo-api.md §6.1 (OpenID discovery document)"
_BILL = "../shared/reference/billcom.md §1.1 (environments and base URLs)"

SOURCES: dict[str, str] = {
    "qbo_base_url": _QBO_HOSTS,
    "qbo_oauth_url": _QBO_OAUTH,
    "qbo_authorize_url": _QBO_OAUTH,
    "qbo_revoke_url": _QBO_OAUTH,
    "billcom_base_url": _BILL,
    "billcom_events_base_url": _BILL,
    "billcom_v2_base_url": _BILL,
    "intacct_url": "../shared/reference/intacct-api.md §1.1 (transport)",
    "netsuite_url": "../shared/reference/netsuite-api.md §1.1 (hosts)",
}

ENDPOINT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(VendorEndpoints))


def endpoints(profile: Profile) -> VendorEndpoints:
    return ENDPOINTS[profile]
