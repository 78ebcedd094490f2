import pytest

from ledgerbridge_common.canonical.models import ObjectType, parse_canonical
from ledgerbridge_common.errors import DuplicateError, OutcomeUnknownError, StaleObjectError
from posting_service.writers import KnownRef, LedgerWriter
from tests.support.fake_ledger import FakeLedger
from tests.unit.posting import builders as b

TAG = "LB:billcom:bill:00n1"


def bill(**kw):
    return parse_canonical("bill", b.bill("56", **kw))


def writer(ledger: FakeLedger, **kw) -> LedgerWriter:
    return LedgerWriter(ledger, **kw)


async def test_create_writes_the_tag_and_reads_back():
    ledger = FakeLedger()
    result = await writer(ledger).upsert(bill(), known=None, request_id="r" * 32, tag=TAG)
    assert result.wrote and result.obj.id is not None
    assert ledger.tags[(ObjectType.BILL, TAG)] == result.obj.id
    assert ledger.calls == ["find_by_tag", "create"]


async def test_timeout_after_commit_is_found_by_tag_not_created_twice():
    ledger = FakeLedger()
    ledger.inject("create", "timeout_after_commit")
    result = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert len(ledger.of_type(ObjectType.BILL)) == 1
    assert result.adopted and not result.wrote
    assert ledger.calls == ["find_by_tag", "create", "find_by_tag"]


async def test_timeout_before_commit_is_raised_for_the_runner_to_retry():
    ledger = FakeLedger()
    ledger.inject("create", OutcomeUnknownError("timeout"))
    with pytest.raises(OutcomeUnknownError):
        await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert ledger.of_type(ObjectType.BILL) == []


async def test_a_second_upsert_of_an_unknown_ref_adopts_the_tagged_object():
    ledger = FakeLedger()
    first = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    again = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert again.obj.id == first.obj.id and not again.wrote
    assert len(ledger.of_type(ObjectType.BILL)) == 1


async def test_update_with_stale_token_rereads_and_retries():
    ledger = FakeLedger()
    created = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert created.obj.id is not None
    ledger.touch(ObjectType.BILL, created.obj.id)
    ledger.inject("update", "stale")
    result = await writer(ledger).upsert(
        bill(amounts=("90.00",)), known=KnownRef(created.obj.id, "0"), request_id="r2", tag=TAG
    )
    assert result.wrote
    assert result.obj.concurrency_token == "2"
    assert ledger.calls.count("update") == 2


async def test_stale_forever_gives_up_with_a_retryable_error():
    ledger = FakeLedger()
    created = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert created.obj.id is not None
    ledger.inject("update", *["stale"] * 5)
    with pytest.raises(StaleObjectError):
        await writer(ledger, stale_retries=2).upsert(
            bill(amounts=("1.00",)), known=KnownRef(created.obj.id), request_id="r", tag=TAG
        )


async def test_unchanged_object_is_not_written():
    ledger = FakeLedger()
    created = await writer(ledger).upsert(bill(), known=None, request_id="r", tag=TAG)
    assert created.obj.id is not None
    result = await writer(ledger).upsert(bill(), known=KnownRef(created.obj.id), request_id="r", tag=TAG)
    assert not result.wrote
    assert "update" not in ledger.calls


async def test_name_list_adopts_an_exact_name_match():
    ledger = FakeLedger()
    existing = await ledger.create(parse_canonical("vendor", b.vendor("Acme Supplies")), request_id="x")
    ledger.calls.clear()
    result = await writer(ledger).upsert(
        parse_canonical("vendor", b.vendor("Acme Supplies")), known=None, request_id="r", tag="LB:v"
    )
    assert result.adopted and result.obj.id == existing.id
    assert ledger.calls == ["find_by_tag", "find_by_name"]


async def test_duplicate_document_number_is_permanent():
    ledger = FakeLedger()
    await writer(ledger).upsert(bill(), known=None, request_id="r", tag="LB:a")
    with pytest.raises(DuplicateError):
        await writer(ledger).upsert(bill(), known=None, request_id="s", tag="LB:b")


async def test_void_is_idempotent():
    ledger = FakeLedger()
    pay = parse_canonical("bill_payment", b.bill_payment("56", "145", "10"))
    created = await writer(ledger).upsert(pay, known=None, request_id="r", tag="LB:p")
    assert created.obj.id is not None
    first = await writer(ledger).void(ObjectType.BILL_PAYMENT, created.obj.id, request_id="v")
    second = await writer(ledger).void(ObjectType.BILL_PAYMENT, created.obj.id, request_id="v")
    assert first.wrote and not second.wrote
    assert ledger.calls.count("void") == 1


async def test_attempts_are_reported_before_each_write():
    ledger = FakeLedger()
    ledger.inject("create", "timeout_after_commit")
    seen: list[int] = []

    async def on_attempt() -> int:
        seen.append(1)
        return 4  # the journal's count

    writer = LedgerWriter(ledger, on_attempt=on_attempt, attempts=3)
    await writer.upsert(bill(), known=None, request_id="r", tag=TAG)
    assert seen == [1]
    assert writer.attempts == 4, "the writer reports the journaled attempts"
