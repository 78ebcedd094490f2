"""Messages exchanged over Kafka."""

from ledgerbridge_common.events.envelope import Envelope, UnknownEventError
from ledgerbridge_common.events.models import (
    EVENT_TYPES,
    ChangeDetected,
    DeadLetter,
    Decision,
    DecisionRule,
    Event,
    LedgerKind,
    OutcomeError,
    PostingRequested,
    PreferencesChanged,
    Side,
    SyncOutcome,
    SyncRequested,
    TargetRef,
    deterministic_id,
    new_id,
    utcnow,
)
from ledgerbridge_common.events.topics import Topics

__all__ = [
    "EVENT_TYPES",
    "ChangeDetected",
    "DeadLetter",
    "Decision",
    "DecisionRule",
    "Envelope",
    "Event",
    "LedgerKind",
    "OutcomeError",
    "PostingRequested",
    "PreferencesChanged",
    "Side",
    "SyncOutcome",
    "SyncRequested",
    "TargetRef",
    "Topics",
    "UnknownEventError",
    "deterministic_id",
    "new_id",
    "utcnow",
]
