"""The envelope every Kafka message is wrapped in, and its (de)serialisation."""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ledgerbridge_common.events.models import EVENT_TYPES, Event, new_id, utcnow

E = TypeVar("E", bound=Event)


class UnknownEventError(ValueError):
    pass


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(default_factory=new_id)
    type: str
    schema_version: int = 1
    connection_id: str
    occurred_at: dt.datetime = Field(default_factory=utcnow)
    causation_id: str | None = None
    correlation_id: str = Field(default_factory=new_id)
    payload: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        connection_id: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        return cls(
            event_id=event_id or new_id(),
            type=event.event_type,
            schema_version=event.schema_version,
            connection_id=connection_id,
            causation_id=causation_id,
            correlation_id=correlation_id or new_id(),
            payload=event.model_dump(mode="json"),
        )

    def follow(self, event: Event, *, event_id: str | None = None) -> Envelope:
        """An envelope for an event caused by this one (same correlation id)."""
        return Envelope.wrap(
            event,
            connection_id=self.connection_id,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
            event_id=event_id,
        )

    def event(self) -> Event:
        model = EVENT_TYPES.get(self.type)
        if model is None:
            raise UnknownEventError(f"unknown event type {self.type!r}")
        if self.schema_version != model.schema_version:
            raise UnknownEventError(
                f"{self.type} schema_version {self.schema_version} not supported "
                f"(this build reads {model.schema_version})"
            )
        return model.model_validate(self.payload)

    def event_as(self, model: builtins.type[E]) -> E:
        """The event, which a routing table promised is a ``model``."""
        event = self.event()
        if not isinstance(event, model):
            raise UnknownEventError(f"{self.type} is not a {model.event_type}")
        return event

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)
