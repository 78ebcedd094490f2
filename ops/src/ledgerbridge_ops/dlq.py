"""The dead-letter topic: list, show, and replay letters after a fix.

A replay re-sends the letter's original record — key, value and headers as the failing consumer
read them, plus an ``x-ledgerbridge-replay-of`` header — to its original topic. The envelope
inside keeps its ``event_id``, so a consumer that already handled it drops the copy (inbox).

Which letters were replayed is kept in the **replay log**, a compacted topic next to the DLQ
(``<dlq topic>.replays``, one partition): one record per replayed letter, key
``"<partition>:<offset>"`` of the letter, value a small JSON ({replayed_at, original_topic,
event_id, replays}). ``replay --all`` skips what the log holds, and replaying one letter again
needs ``--force``. Kafka-only on purpose: no ops database, and the log survives the ops pod.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import ValidationError

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import DeadLetter
from ledgerbridge_common.kafka.lag import connection_options
from ledgerbridge_common.settings import KafkaSettings

REPLAY_HEADER = "x-ledgerbridge-replay-of"


@dataclass(frozen=True, order=True)
class LetterRef:
    """Where a letter sits on the DLQ topic; written ``PARTITION:OFFSET`` (e.g. ``3:17``)."""

    partition: int
    offset: int

    def __str__(self) -> str:
        return f"{self.partition}:{self.offset}"

    @classmethod
    def parse(cls, text: str) -> LetterRef:
        partition, sep, offset = text.strip().partition(":")
        if not sep or not partition.isdigit() or not offset.isdigit():
            raise ValueError(f"{text!r} is not PARTITION:OFFSET (e.g. 3:17)")
        return cls(int(partition), int(offset))


@dataclass(frozen=True)
class StoredLetter:
    ref: LetterRef
    envelope: Envelope
    letter: DeadLetter
    replay: dict[str, Any] | None = None

    @property
    def replayed(self) -> bool:
        return self.replay is not None

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.ref),
            "failed_at": self.letter.failed_at.isoformat(timespec="seconds"),
            "consumer": self.letter.consumer,
            "original_topic": self.letter.original_topic,
            "original": f"{self.letter.partition}:{self.letter.offset}",
            "connection_id": self.envelope.connection_id,
            "error": self.letter.error.splitlines()[-1] if self.letter.error else "",
            "replayed_at": (self.replay or {}).get("replayed_at"),
        }

    def detail(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "error": self.letter.error,
            "key": self.letter.key,
            "headers": self.letter.headers,
            "value": _maybe_json(self.letter.value),
            "replay": self.replay,
        }


class RawSender(Protocol):
    async def send_raw(
        self, topic: str, value: bytes, *, key: bytes | None, headers: list[tuple[str, bytes]] | None = None
    ) -> None: ...


def decode_letters(records: Iterable[Any], replays: dict[str, dict[str, Any]]) -> tuple[list[StoredLetter], list[str]]:
    """DLQ records → letters (with their replay entry); unreadable records are reported, not fatal."""
    letters: list[StoredLetter] = []
    problems: list[str] = []
    for record in records:
        ref = LetterRef(record.partition, record.offset)
        try:
            envelope = Envelope.from_bytes(record.value)
            event = envelope.event()
        except (ValueError, ValidationError) as exc:
            problems.append(f"{ref}: not a readable DeadLetter ({exc.__class__.__name__})")
            continue
        if not isinstance(event, DeadLetter):
            problems.append(f"{ref}: a {envelope.type} on the dead-letter topic")
            continue
        letters.append(StoredLetter(ref, envelope, event, replays.get(str(ref))))
    return letters, problems


def decode_replay_log(records: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Compacted semantics: the last value of each key wins; a null value deletes the key."""
    entries: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.key is None:
            continue
        key = record.key.decode()
        if record.value is None:
            entries.pop(key, None)
        else:
            entries[key] = json.loads(record.value)
    return entries


def original_record(stored: StoredLetter, dlq_topic: str) -> tuple[bytes | None, bytes, list[tuple[str, bytes]]]:
    letter = stored.letter
    headers = [(k, v.encode()) for k, v in letter.headers.items() if k != REPLAY_HEADER]
    headers.append((REPLAY_HEADER, f"{dlq_topic}:{stored.ref}".encode()))
    return (letter.key.encode() if letter.key is not None else None), letter.value.encode(), headers


def select(
    letters: Sequence[StoredLetter], *, refs: Sequence[LetterRef] | None, force: bool
) -> tuple[list[StoredLetter], list[str]]:
    """The letters a replay command will send, and why others are not sent."""
    notes: list[str] = []
    if refs is None:
        return [s for s in letters if not s.replayed], notes
    by_ref = {s.ref: s for s in letters}
    chosen = []
    for ref in refs:
        stored = by_ref.get(ref)
        if stored is None:
            notes.append(f"{ref}: no dead letter there")
        elif stored.replayed and not force:
            when = (stored.replay or {}).get("replayed_at")
            notes.append(f"{ref}: already replayed at {when}; --force to send it again")
        else:
            chosen.append(stored)
    return chosen, notes


async def replay(
    chosen: Sequence[StoredLetter], *, sender: RawSender, dlq_topic: str, replay_log_topic: str
) -> list[dict[str, Any]]:
    """Send each chosen letter's original record, then record it in the replay log (in order)."""
    done = []
    for stored in chosen:
        key, value, headers = original_record(stored, dlq_topic)
        await sender.send_raw(stored.letter.original_topic, value, key=key, headers=headers)
        entry = {
            "replayed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "original_topic": stored.letter.original_topic,
            "event_id": _event_id(stored.letter.value),
            "replays": int((stored.replay or {}).get("replays", 0)) + 1,
        }
        await sender.send_raw(replay_log_topic, json.dumps(entry).encode(), key=str(stored.ref).encode())
        done.append({"id": str(stored.ref), **entry})
    return done


async def ensure_replay_log(bootstrap: str | KafkaSettings, topic: str) -> None:
    """Create the compacted replay-log topic if it is missing (replication up to 3)."""
    admin = AIOKafkaAdminClient(**connection_options(bootstrap), client_id="ledgerbridge-ops")
    await admin.start()
    try:
        if topic in set(await admin.list_topics()):
            return
        brokers = len((await admin.describe_cluster())["brokers"])
        new = NewTopic(
            name=topic,
            num_partitions=1,
            replication_factor=min(3, max(1, brokers)),
            topic_configs={"cleanup.policy": "compact"},
        )
        await admin.create_topics([new])  # a concurrent creation's "already exists" is harmless
    finally:
        await admin.close()


def _event_id(value: str) -> str | None:
    data = _maybe_json(value)
    return data.get("event_id") if isinstance(data, dict) else None


def _maybe_json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
