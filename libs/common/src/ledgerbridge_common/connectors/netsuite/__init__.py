"""Oracle NetSuite: ``NetSuiteConnector`` over SuiteTalk REST and SuiteQL, with Token-Based
Authentication or an OAuth 2.0 bearer token."""

from ledgerbridge_common.connectors.netsuite.client import (
    NETSUITE_LIMITS,
    NetSuiteClient,
    OAuth2Credentials,
    TbaCredentials,
)
from ledgerbridge_common.connectors.netsuite.connector import NETSUITE_CAPABILITIES, NetSuiteConnector

__all__ = [
    "NETSUITE_CAPABILITIES",
    "NETSUITE_LIMITS",
    "NetSuiteClient",
    "NetSuiteConnector",
    "OAuth2Credentials",
    "TbaCredentials",
]
