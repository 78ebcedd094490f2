"""Dead-letter decoding, selection and replay with a fake sender (no Kafka)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from ledgerbridge_common.events import Envelope
from ledgerbridge_common.events.models import DeadLetter
from ledgerbridge_ops import dlq
from ledgerbridge_ops.dlq import REPLAY_HEADER, LetterRef


@dataclass
class Rec:
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None


def letter_record(partition: int, offset: int, *, original_offset: int = 7) -> tuple[Rec, str]:
    original = json.dumps({"event_id": f"evt-{partition}-{offset}", "type": "ChangeDetected"})
    letter = DeadLetter(
        original_topic="ledgerbridge.changes.v1",
        partition=2,
        offset=original_offset,
        key="conn-1",
        value=original,
        headers={"type": "ChangeDetected", "traceparent": "00-abc-def-01"},
        error="Traceback...\nValueError: no account mapping for 6000",
        consumer="sync-engine",
    )
    env = Envelope.wrap(letter, connection_id="conn-1")
    return Rec(partition, offset, env.to_bytes(), b"conn-1"), original


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None, list[tuple[str, bytes]]]] = []

    async def send_raw(self, topic, value, *, key, headers=None):
        self.sent.append((topic, value, key, list(headers or [])))


def test_letter_ref_round_trip_and_errors():
    assert LetterRef.parse("3:17") == LetterRef(3, 17)
    assert str(LetterRef(3, 17)) == "3:17"
    for bad in ("17", "a:b", "3:", ":4", "-1:2"):
        with pytest.raises(ValueError):
            LetterRef.parse(bad)


def test_decode_letters_reports_unreadable_records_and_joins_replays():
    good, _ = letter_record(0, 5)
    other = Rec(
        1,
        2,
        Envelope.wrap(
            DeadLetter(original_topic="t", partition=0, offset=0, key=None, value="x", error="e", consumer="c"),
            connection_id="unknown",
        ).to_bytes(),
    )
    letters, problems = dlq.decode_letters(
        [good, Rec(0, 6, b"not json"), other], {"0:5": {"replayed_at": "2026-01-01T00:00:00+00:00"}}
    )
    assert [str(s.ref) for s in letters] == ["0:5", "1:2"]
    assert letters[0].replayed and not letters[1].replayed
    assert problems == ["0:6: not a readable DeadLetter (ValidationError)"]
    summary = letters[0].summary()
    assert summary["error"] == "ValueError: no account mapping for 6000"
    assert summary["original"] == "2:7" and summary["consumer"] == "sync-engine"
    assert letters[0].detail()["value"]["event_id"] == "evt-0-5"


def test_replay_log_is_read_with_compaction_semantics():
    recs = [
        Rec(0, 0, b'{"replays": 1}', b"0:1"),
        Rec(0, 1, b'{"replays": 2}', b"0:1"),
        Rec(0, 2, b'{"replays": 1}', b"0:2"),
        Rec(0, 3, None, b"0:2"),
    ]
    assert dlq.decode_replay_log(recs) == {"0:1": {"replays": 2}}


def test_select_skips_replayed_letters_unless_forced():
    a, _ = letter_record(0, 1)
    b, _ = letter_record(0, 2)
    letters, _ = dlq.decode_letters([a, b], {"0:1": {"replayed_at": "t"}})
    chosen, notes = dlq.select(letters, refs=None, force=False)
    assert [str(s.ref) for s in chosen] == ["0:2"] and notes == []
    chosen, notes = dlq.select(letters, refs=[LetterRef(0, 1), LetterRef(5, 5)], force=False)
    assert chosen == []
    assert notes[0].startswith("0:1: already replayed") and notes[1] == "5:5: no dead letter there"
    chosen, _ = dlq.select(letters, refs=[LetterRef(0, 1)], force=True)
    assert [str(s.ref) for s in chosen] == ["0:1"]


async def test_replay_sends_the_original_record_then_logs_it():
    rec, original = letter_record(4, 9)
    letters, _ = dlq.decode_letters([rec], {})
    sender = FakeSender()
    done = await dlq.replay(letters, sender=sender, dlq_topic="d", replay_log_topic="d.replays")
    (topic, value, key, headers), (log_topic, log_value, log_key, _) = sender.sent
    assert (topic, value, key) == ("ledgerbridge.changes.v1", original.encode(), b"conn-1")
    assert headers == [
        ("type", b"ChangeDetected"),
        ("traceparent", b"00-abc-def-01"),
        (REPLAY_HEADER, b"d:4:9"),
    ]
    assert (log_topic, log_key) == ("d.replays", b"4:9")
    entry = json.loads(log_value)
    assert entry["event_id"] == "evt-4-9" and entry["replays"] == 1
    assert done == [{"id": "4:9", **entry}]
