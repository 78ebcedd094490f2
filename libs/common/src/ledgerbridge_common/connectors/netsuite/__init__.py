"""Oracle NetSuite: ``NetSuiteConnector`` over SuiteTalk REST and SuiteQL, with Token-Based
Authentication, an OAuth 2.0 bearer token (refreshed once) or OAuth 2.0 client credentials (M2M)."""

from ledgerbridge_common.connectors.netsuite.client import (
    NETSUITE_LIMITS,
    NetSuiteClient,
    OAuth2Credentials,
    TbaCredentials,
)
from ledgerbridge_common.connectors.netsuite.connector import NETSUITE_CAPABILITIES, NetSuiteConnector
from ledgerbridge_common.connectors.netsuite.m2m import M2MCredentials

__all__ = [
    "NETSUITE_CAPABILITIES",
    "NETSUITE_LIMITS",
    "M2MCredentials",
    "NetSuiteClient",
    "NetSuiteConnector",
    "OAuth2Credentials",
    "TbaCredentials",
]
