"""The Intacct connector's pure parts: error numbers to typed errors, the tag marker, derived IDs,
zone-less stamps and the account-type pairs."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerbridge_common.canonical.models import Account, AccountType
from ledgerbridge_common.connectors.intacct.faults import Detail, ReplayRefusedError, error_for
from ledgerbridge_common.connectors.intacct.mapping_common import (
    CompanySetup,
    derived_id,
    local_stamp,
    parse_stamp,
    with_marker,
    without_marker,
)
from ledgerbridge_common.connectors.intacct.mapping_lists import account_from, account_to
from ledgerbridge_common.errors import (
    AuthRevokedError,
    DuplicateError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)


def d(errorno: str, description2: str = "") -> Detail:
    return Detail(errorno, "", description2, "")


@pytest.mark.parametrize(
    ("details", "level", "expected"),
    [
        pytest.param([d("GW-0010")], "control", RateLimitedError, id="concurrency-429"),
        pytest.param(
            [d("XL03000006", "Sign-in information is incorrect")], "authentication", AuthRevokedError, id="bad-login"
        ),
        pytest.param(
            [d("XL03000006", "Incorrect Intacct XML Partner ID or password.")],
            "control",
            AuthRevokedError,
            id="bad-sender",
        ),
        pytest.param(
            [d("BL34000061", "Another Vendor with the given value(s) V1  already exists")],
            "result",
            DuplicateError,
            id="already-exists",
        ),
        pytest.param(
            [d("BL01001973", "The account number '6000' already exists")],
            "result",
            DuplicateError,
            id="duplicate-account",
        ),
        pytest.param(
            [d("BL01001973", "A successful transaction has already been recorded with the control id x")],
            "result",
            ReplayRefusedError,
            id="replay",
        ),
        pytest.param(
            [d("BL01001973", "Cannot find bill with key '9' to delete.")], "result", NotFoundError, id="missing-key"
        ),
        pytest.param(
            [d("DL02000001", "There was an error processing the request.")], "result", RetryableError, id="processing"
        ),
        pytest.param([d("BL01001973", "Invalid journal CDJ selected")], "result", ValidationError, id="business"),
        pytest.param([d("BL03000018", "Illegal format for WHENDUE : x.")], "result", ValidationError, id="format"),
    ],
)
def test_errors_map_by_number(details: list[Detail], level: str, expected: type[Exception]) -> None:
    error = error_for(details, level=level)
    assert type(error) is expected
    assert error.code == details[0].errorno


def test_the_rollback_entry_does_not_hide_the_cause() -> None:
    rolled = d("XL03000009", "The entire transaction in this operation has been rolled back due to an error.")
    error = error_for(
        [d("BL34000061", "Another Class with the given value(s) C  already exists"), rolled], level="result"
    )
    assert isinstance(error, DuplicateError) and error.code == "BL34000061"


def test_the_tag_marker_round_trips_through_a_note() -> None:
    note = with_marker("Office chairs", "LB:billcom:bill:00n01")
    assert note == "Office chairs [lb-tag:LB:billcom:bill:00n01]"
    assert without_marker(note) == "Office chairs"
    assert without_marker(with_marker(None, "LB:x") or "") is None
    with pytest.raises(ValueError, match="cannot contain"):
        with_marker("x", "bad]tag")


def test_derived_ids_are_stable_per_seed() -> None:
    assert derived_id("V-", "LB:billcom:vendor:1") == derived_id("V-", "LB:billcom:vendor:1")
    assert derived_id("V-", "LB:billcom:vendor:1") != derived_id("V-", "LB:billcom:vendor:2")


def test_stamps_are_local_wall_time_without_zone() -> None:
    setup = CompanySetup(utc_offset=dt.timedelta(hours=13))
    when = dt.datetime(2026, 12, 5, 3, 0, tzinfo=dt.UTC)
    assert local_stamp(when, setup) == "12/05/2026 16:00:00"
    assert parse_stamp({"WHENMODIFIED": "12/05/2026 16:00:00"}, setup) == when
    assert parse_stamp({"WHENMODIFIED": "2026-12-05"}, setup) is None


@pytest.mark.parametrize(
    ("kind", "pair", "back"),
    [
        (AccountType.BANK, ("balancesheet", "debit"), AccountType.OTHER_CURRENT_ASSET),
        (AccountType.ACCOUNTS_PAYABLE, ("balancesheet", "credit"), AccountType.OTHER_CURRENT_LIABILITY),
        (AccountType.INCOME, ("incomestatement", "credit"), AccountType.INCOME),
        (AccountType.EXPENSE, ("incomestatement", "debit"), AccountType.EXPENSE),
    ],
)
def test_account_types_map_to_intacct_pairs(kind: AccountType, pair: tuple[str, str], back: AccountType) -> None:
    setup = CompanySetup(utc_offset=dt.timedelta(0))
    record = account_to(Account(id="7000", name="x", account_type=kind), setup, None)
    assert (record["ACCOUNTTYPE"], record["NORMALBALANCE"]) == pair
    assert account_from({**record, "RECORDNO": "1"}, setup).account_type is back
