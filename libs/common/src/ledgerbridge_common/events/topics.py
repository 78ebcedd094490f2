"""Topic names. Tests override them (random suffixes) to stay isolated."""

from __future__ import annotations

from pydantic import BaseModel


class Topics(BaseModel):
    changes: str = "ledgerbridge.changes.v1"
    postings: str = "ledgerbridge.postings.v1"
    outcomes: str = "ledgerbridge.outcomes.v1"
    prefs: str = "ledgerbridge.prefs.v1"
    dlq: str = "ledgerbridge.dlq.v1"

    def all(self) -> list[str]:
        return [self.changes, self.postings, self.outcomes, self.prefs, self.dlq]

    @classmethod
    def with_suffix(cls, suffix: str) -> Topics:
        base = cls()
        return cls(**{name: f"{value}.{suffix}" for name, value in base.model_dump().items()})
