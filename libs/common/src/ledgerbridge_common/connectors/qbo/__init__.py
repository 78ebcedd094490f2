"""QuickBooks Online connector: async client, mapping, OAuth, rate limiting."""

from ledgerbridge_common.connectors.qbo.auth import (
    AccessTokenSource,
    InMemoryTokenStore,
    QboOAuthClient,
    QboTokenProvider,
    QboTokens,
    QboTokenStore,
    StaticTokenSource,
)
from ledgerbridge_common.connectors.qbo.client import PRODUCTION_BASE_URL, SANDBOX_BASE_URL, QboClient
from ledgerbridge_common.connectors.qbo.connector import QboConnector
from ledgerbridge_common.connectors.qbo.limits import QBO_LIMITS, qbo_limits
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup

__all__ = [
    "PRODUCTION_BASE_URL",
    "QBO_LIMITS",
    "SANDBOX_BASE_URL",
    "AccessTokenSource",
    "CompanySetup",
    "InMemoryTokenStore",
    "QboClient",
    "QboConnector",
    "QboOAuthClient",
    "QboTokenProvider",
    "QboTokenStore",
    "QboTokens",
    "StaticTokenSource",
    "qbo_limits",
]
