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
from ledgerbridge_common.connectors.qbo.budget_postgres import BUDGET_MIGRATIONS_DIR, PostgresRealmBudgets
from ledgerbridge_common.connectors.qbo.client import PRODUCTION_BASE_URL, SANDBOX_BASE_URL, QboClient
from ledgerbridge_common.connectors.qbo.connector import QboConnector
from ledgerbridge_common.connectors.qbo.limits import (
    DEFAULT_BUDGETS,
    MemoryRealmBudgets,
    QboLimits,
    RealmBudget,
    RealmBudgets,
)
from ledgerbridge_common.connectors.qbo.mapping_common import CompanySetup

__all__ = [
    "BUDGET_MIGRATIONS_DIR",
    "DEFAULT_BUDGETS",
    "PRODUCTION_BASE_URL",
    "SANDBOX_BASE_URL",
    "AccessTokenSource",
    "CompanySetup",
    "InMemoryTokenStore",
    "MemoryRealmBudgets",
    "PostgresRealmBudgets",
    "QboClient",
    "QboConnector",
    "QboLimits",
    "QboOAuthClient",
    "QboTokenProvider",
    "QboTokenStore",
    "QboTokens",
    "RealmBudget",
    "RealmBudgets",
    "StaticTokenSource",
]
