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
from ledgerbridge_common.connectors.qbo.limits import (
    DEFAULT_REGISTRY,
    LimiterRegistry,
    QboLimits,
    RealmLimiter,
)
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup

__all__ = [
    "DEFAULT_REGISTRY",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "AccessTokenSource",
    "CompanySetup",
    "InMemoryTokenStore",
    "LimiterRegistry",
    "QboClient",
    "QboConnector",
    "QboLimits",
    "QboOAuthClient",
    "QboTokenProvider",
    "QboTokenStore",
    "QboTokens",
    "RealmLimiter",
    "StaticTokenSource",
]
