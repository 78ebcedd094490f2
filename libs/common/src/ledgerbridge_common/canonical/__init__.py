"""Canonical (vendor-neutral) models and fingerprints."""

from ledgerbridge_common.canonical.fingerprint import changed_fields, fingerprint, synced_view
from ledgerbridge_common.canonical.models import *  # noqa: F403
from ledgerbridge_common.canonical.models import MODEL_BY_TYPE, ObjectType, parse_canonical

__all__ = ["MODEL_BY_TYPE", "ObjectType", "changed_fields", "fingerprint", "parse_canonical", "synced_view"]
