"""The scenario table: both sides' state + the change + the preferences → expected commands, or the
reason nothing is posted. One row per rule of issue 7 (pure core, no IO)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge_common.canonical import fingerprint
from ledgerbridge_common.canonical.models import ApprovalStatus, JournalEntry
from ledgerbridge_common.events import PostingRequested
from ledgerbridge_common.prefs_client import Mappings
from sync_engine.domain.decide import decide
from sync_engine.domain.model import Inputs, Match, Plan, Resolution
from tests.unit.sync_engine.builders import (
    B,
    L,
    T,
    bill,
    change,
    credit,
    customer,
    inputs,
    invoice,
    known,
    line,
    link_of,
    payment,
    pending,
    received,
    run,
    vendor,
)

Check = Callable[[Plan], None]


@dataclass
class Expect:
    commands: list[tuple[str, str, str]] = field(default_factory=list)
    """(action, target side, object type) in emission order."""
    skip: str | None = None
    park: str | None = None
    outcome: str | None = None
    check: Check | None = None


def desired(plan: Plan, index: int = 0) -> dict[str, Any]:
    cmd = plan.commands[index]
    assert cmd.desired is not None
    return cmd.desired


V_B = vendor("00901ACME", email="ap@acme.test", phone="555-0100")
V_L = vendor("58", email="ap@acme.test", phone="555-0100")
ACME_LINKED = link_of(V_B, V_L)
BILL_REFS = {**known(B, T.VENDOR, "00901ACME", "58"), **known(B, T.ACCOUNT, "0ca01SUPPLIES", "7")}
EUR_BILL = bill(currency="EUR", exchange_rate=Decimal("1.2"), lines=(line("100.00", "0ca01SUPPLIES"),))
EUR_PAY = payment(currency="EUR", exchange_rate=Decimal("1.1"))
PAY_REFS = {**known(B, T.VENDOR, "00901ACME", "58"), **known(B, T.BILL, "00n01BILL", "145")}


def _conflict_outcome(side: str, fields: dict[str, Any]) -> Check:
    def check(plan: Plan) -> None:
        conflicts = [o for o in plan.outcomes if o.decision and o.decision.rule == "conflict"]
        assert len(conflicts) == 1
        assert conflicts[0].decision is not None and conflicts[0].decision.overridden == {
            "side": side,
            "fields": fields,
        }
        assert "overridden" in (conflicts[0].reason or "")

    return check


def _all(*checks: Check) -> Check:
    def check(plan: Plan) -> None:
        for c in checks:
            c(plan)

    return check


def _field(path: str, value: Any, index: int = 0) -> Check:
    def check(plan: Plan) -> None:
        data: Any = desired(plan, index)
        for part in path.split("."):
            data = data[int(part)] if part.isdigit() else data[part]
        assert data == value, f"{path}: {data!r} != {value!r}"

    return check


def _cmd(attr: str, value: Any, index: int = 0) -> Check:
    def check(plan: Plan) -> None:
        assert getattr(plan.commands[index], attr) == value

    return check


def _reason(text: str) -> Check:
    def check(plan: Plan) -> None:
        reasons = " ".join(o.reason or "" for o in plan.outcomes)
        assert text in reasons, reasons

    return check


def _journal(plan: Plan) -> None:
    entry = JournalEntry.model_validate(desired(plan, 1))
    assert entry.balanced
    lines = {(ln.posting_type, ln.account_id): ln.amount for ln in entry.lines}
    assert lines == {("Debit", "95"): Decimal("20.00"), ("Credit", "97"): Decimal("20.00")}
    assert plan.commands[1].source_ref == "billcom:journal_entry:mmt01RUN"
    assert plan.commands[0].source_ref in plan.commands[1].depends_on


def _decision_rule(rule: str) -> Any:
    class _Rule:
        def __eq__(self, other: object) -> bool:
            return getattr(other, "rule", None) == rule

        def __repr__(self) -> str:
            return f"<decision rule {rule}>"

    return _Rule()


def _assert_link(plan: Plan, billcom_id: str, ledger_id: str) -> None:
    assert any(w.billcom_id == billcom_id and w.ledger_id == ledger_id for w in plan.links), plan.links


def _assert_drop(plan: Plan) -> None:
    assert any(w.drop for w in plan.links)


SCENARIOS: list[Any] = [
    # --- readiness and direction --------------------------------------------------------------
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B,
            ready=False,
            missing=["Choose a Bank account for Money Out Clearing"],
        ),
        Expect(park="prefs", outcome="parked", check=_reason("Money Out Clearing")),
        id="not-ready-posts-nothing-and-says-why",
    ),
    pytest.param(
        inputs(change(L, T.VENDOR_CREDIT, "12"), credit("12")),
        Expect(skip="direction", outcome="skipped"),
        id="direction-vendor-credit-from-ledger-refused",
    ),
    pytest.param(
        inputs(change(L, T.BILL_PAYMENT, "77"), payment("77")),
        Expect(skip="what_syncs"),
        id="direction-payment-from-ledger-refused",
    ),
    pytest.param(
        inputs(
            change(L, T.BILL, "145"),
            bill("145", vendor_id="58", memo="edited in QBO"),
            link=link_of(bill(), bill("145", vendor_id="58")),
        ),
        Expect(skip="direction"),
        id="direction-ledger-edit-of-bill-from-billcom-refused",
    ),
    pytest.param(
        inputs(
            change(L, T.BILL, "145"),
            bill("145", vendor_id="58"),
            link=link_of(bill(), bill("145", vendor_id="58")),
        ),
        Expect(skip="echo"),
        id="echo-of-our-bill-write-is-silent-not-a-direction-skip",
    ),
    pytest.param(
        inputs(change(L, T.BILL, "146"), bill("146", vendor_id="58", side_status={"balance": "40.00"})),
        Expect(skip="direction", check=_reason("unpaid")),
        id="direction-paid-ledger-bill-not-copied",
    ),
    pytest.param(
        inputs(
            change(L, T.BILL, "147"),
            bill("147", vendor_id="58", side_status={"balance": "100.00"}),
            refs=known(L, T.VENDOR, "58", "00901ACME"),
        ),
        Expect(commands=[("upsert", "billcom", "bill")], check=_field("vendor_id", "00901ACME")),
        id="direction-unpaid-ledger-bill-copied-to-billcom",
    ),
    # --- approval filter ----------------------------------------------------------------------
    pytest.param(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(approval_status=ApprovalStatus.ASSIGNED),
            refs=BILL_REFS,
            sync_only_approved=True,
        ),
        Expect(skip="approval", check=_reason("APPROVED")),
        id="approval-filter-holds-assigned-bill",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR_CREDIT, "vcr01CREDIT"),
            credit(approval_status=ApprovalStatus.APPROVING),
            refs=BILL_REFS,
            sync_only_approved=True,
        ),
        Expect(skip="approval"),
        id="approval-filter-holds-vendor-credit",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(approval_status=ApprovalStatus.APPROVED),
            refs=BILL_REFS,
            sync_only_approved=True,
        ),
        Expect(
            commands=[("upsert", "ledger", "bill")],
            check=_all(
                _field("vendor_id", "58"),
                _field("ap_account_id", "33"),
                _field("lines.0.classifications.account_id", "7"),
                _field("lines.1.classifications.account_id", "90"),
                _cmd("target_id", None),
            ),
        ),
        id="approved-bill-posts-with-ap-and-resolved-accounts",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(approval_status=ApprovalStatus.ASSIGNED),
            refs=known(B, T.VENDOR, "00901ACME", "58"),
            mappings=Mappings(accounts={"0ca01SUPPLIES": "8"}),
        ),
        Expect(commands=[("upsert", "ledger", "bill")], check=_field("lines.0.classifications.account_id", "8")),
        id="approval-off-bill-syncs-and-account-mapping-applies",
    ),
    pytest.param(
        inputs(change(B, T.BILL, "00n01BILL"), EUR_BILL, refs=BILL_REFS),
        Expect(
            commands=[("upsert", "ledger", "bill")],
            check=_all(_field("lines.0.amount", "120.00"), _field("currency", "USD"), _field("exchange_rate", "1")),
        ),
        id="fx-bill-in-home-currency-without-multicurrency",
    ),
    pytest.param(
        inputs(change(B, T.BILL, "00n01BILL"), EUR_BILL, refs=BILL_REFS, multi_currency=True),
        Expect(
            commands=[("upsert", "ledger", "bill")],
            check=_all(_field("lines.0.amount", "100.00"), _field("currency", "EUR")),
        ),
        id="fx-bill-kept-in-currency-with-multicurrency",
    ),
    # --- echo, one side, conflicts -------------------------------------------------------------
    pytest.param(
        inputs(change(L, T.VENDOR, "58"), V_L, counterpart=V_B, link=ACME_LINKED),
        Expect(skip="echo", outcome=None),
        id="echo-of-our-own-write-produces-nothing",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"email": "billing@acme.test"}),
            counterpart=V_L,
            link=ACME_LINKED,
        ),
        Expect(
            commands=[("upsert", "ledger", "vendor")],
            check=_all(_field("email", "billing@acme.test"), _cmd("target_id", "58")),
        ),
        id="one-side-changed-billcom-wins",
    ),
    pytest.param(
        inputs(
            change(L, T.VENDOR, "58"),
            V_L.model_copy(update={"phone": "555-0199"}),
            counterpart=V_B,
            link=ACME_LINKED,
        ),
        Expect(
            commands=[("upsert", "billcom", "vendor")],
            check=_all(_field("phone", "555-0199"), _cmd("target_id", "00901ACME")),
        ),
        id="one-side-changed-ledger-wins",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"email": "billing@acme.test"}),
            counterpart=V_L.model_copy(update={"phone": "555-0199"}),
            link=ACME_LINKED,
        ),
        Expect(
            commands=[("upsert", "ledger", "vendor"), ("upsert", "billcom", "vendor")],
            check=_all(
                _field("email", "billing@acme.test"),
                _field("phone", "555-0199"),
                _field("email", "billing@acme.test", 1),
                _field("phone", "555-0199", 1),
                _cmd("target_id", "00901ACME", 1),
            ),
        ),
        id="both-changed-disjoint-fields-merge",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"name": "Acme Paper Co"}),
            counterpart=V_L.model_copy(update={"name": "ACME Paper LLC"}),
            link=ACME_LINKED,
        ),
        Expect(
            commands=[("upsert", "ledger", "vendor")],
            check=_all(_field("name", "Acme Paper Co"), _conflict_outcome("ledger", {"name": "ACME Paper LLC"})),
        ),
        id="both-changed-same-field-billcom-master-overwrites-ledger",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"name": "Acme Paper Co"}),
            counterpart=V_L.model_copy(update={"name": "ACME Paper LLC"}),
            link=ACME_LINKED,
            master={"vendor": L},
        ),
        Expect(
            commands=[("upsert", "billcom", "vendor")],
            check=_all(_field("name", "ACME Paper LLC"), _conflict_outcome("billcom", {"name": "Acme Paper Co"})),
        ),
        id="both-changed-same-field-ledger-master-overwrites-billcom",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"email": "b@acme.test", "name": "Acme B"}),
            counterpart=V_L.model_copy(update={"email": "l@acme.test", "name": "Acme L"}),
            link=ACME_LINKED,
            field_masters={"vendor": {"email": L}},
        ),
        Expect(
            commands=[("upsert", "ledger", "vendor"), ("upsert", "billcom", "vendor")],
            check=_all(
                _field("name", "Acme B"),
                _field("email", "l@acme.test"),
                _field("email", "l@acme.test", 1),
                _cmd("decision", _decision_rule("field_master")),
            ),
        ),
        id="both-changed-per-field-master",
    ),
    # --- first-time matching -------------------------------------------------------------------
    pytest.param(
        inputs(change(B, T.VENDOR, "00901ACME"), V_B, match=Match(obj=V_L, rule="match_by_name")),
        Expect(skip="in_sync", check=lambda p: _assert_link(p, "00901ACME", "58")),
        id="first-time-match-by-name-links-without-duplicate",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B,
            match=Match(obj=V_L.model_copy(update={"phone": None}), rule="match_by_mapping"),
        ),
        Expect(
            commands=[("upsert", "ledger", "vendor")],
            check=_all(_cmd("target_id", "58"), _cmd("decision", _decision_rule("match_by_mapping"))),
        ),
        id="first-time-match-by-mapping-updates-existing",
    ),
    pytest.param(
        inputs(change(B, T.CUSTOMER, "0cu01BLUE"), customer("0cu01BLUE")),
        Expect(
            commands=[("upsert", "ledger", "customer")],
            check=_all(_cmd("target_id", None), _cmd("decision", _decision_rule("first_sync"))),
        ),
        id="first-time-no-match-creates",
    ),
    # --- removals ------------------------------------------------------------------------------
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME", "archived"),
            V_B.model_copy(update={"active": False}),
            counterpart=V_L,
            link=ACME_LINKED,
        ),
        Expect(commands=[("deactivate", "ledger", "vendor")], check=_cmd("target_id", "58")),
        id="archived-name-list-is-deactivated-never-deleted",
    ),
    pytest.param(
        inputs(
            change(L, T.VENDOR, "58"),
            V_L.model_copy(update={"active": False}),
            counterpart=V_B,
            link=ACME_LINKED,
        ),
        Expect(commands=[("deactivate", "billcom", "vendor")], check=_cmd("target_id", "00901ACME")),
        id="ledger-inactive-vendor-archived-in-billcom",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL, "00n01BILL", "archived"),
            bill().model_copy(update={"active": False}),
            link=link_of(bill(), bill("145", vendor_id="58")),
        ),
        Expect(commands=[("void", "ledger", "bill")], check=_cmd("target_id", "145")),
        id="archived-posted-bill-is-voided-not-deleted",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY", "voided"),
            payment(voided=True),
            link=link_of(payment(), payment("201")),
        ),
        Expect(commands=[("void", "ledger", "bill_payment")], check=_cmd("target_id", "201")),
        id="voided-payment-voids-ledger-payment",
    ),
    pytest.param(
        inputs(change(B, T.VENDOR, "00901ACME", "deleted"), None),
        Expect(skip="removed_unsynced"),
        id="removed-before-sync-nothing-to-undo",
    ),
    pytest.param(
        inputs(
            change(L, T.VENDOR, "58", "merged", merged_into="61"),
            None,
            link=ACME_LINKED,
            refs=known(L, T.VENDOR, "61", "00902OTHER"),
        ),
        Expect(
            commands=[("deactivate", "billcom", "vendor")],
            check=_all(_cmd("target_id", "00901ACME"), _assert_drop),
        ),
        id="ledger-merge-into-linked-vendor-retires-duplicate",
    ),
    pytest.param(
        inputs(change(L, T.VENDOR, "58", "merged", merged_into="61"), None, link=ACME_LINKED),
        Expect(skip="merge", check=lambda p: _assert_link(p, "00901ACME", "61")),
        id="ledger-merge-into-unlinked-vendor-relinks",
    ),
    # --- order and dependencies ---------------------------------------------------------------
    pytest.param(
        inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=pending(B, T.VENDOR, "00901ACME")),
        Expect(
            commands=[("upsert", "ledger", "bill")],
            check=_all(
                _field("vendor_id", "@ref:billcom:vendor:00901ACME"),
                _cmd("depends_on", ["billcom:vendor:00901ACME"]),
            ),
        ),
        id="bill-refers-to-vendor-being-created-by-placeholder",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL, "00n01BILL"),
            bill(),
            refs={(B, T.VENDOR, "00901ACME"): Resolution(reason="vendor archived in BILL")},
        ),
        Expect(park="billcom:vendor:00901ACME", outcome="parked", check=_reason("vendor archived")),
        id="bill-parked-when-vendor-cannot-sync",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY"),
            payment(),
            refs={
                **known(B, T.VENDOR, "00901ACME", "58"),
                (B, T.BILL, "00n01BILL"): Resolution(reason="not approved yet (ASSIGNED)"),
            },
        ),
        Expect(park="billcom:bill:00n01BILL", check=_reason("not approved")),
        id="payment-parked-until-its-bill-syncs",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY"),
            payment(),
            refs={**known(B, T.VENDOR, "00901ACME", "58"), **pending(B, T.BILL, "00n01BILL")},
        ),
        Expect(
            commands=[("upsert", "ledger", "bill_payment")],
            check=_all(
                _field("applied_to.0.document_id", "@ref:billcom:bill:00n01BILL"),
                _cmd("depends_on", ["billcom:bill:00n01BILL"]),
            ),
        ),
        id="payment-after-bill-being-created",
    ),
    pytest.param(
        inputs(
            change(B, T.VENDOR, "00901ACME"),
            V_B.model_copy(update={"email": "x@acme.test"}),
            counterpart=V_L,
            link=ACME_LINKED.__class__(**{**ACME_LINKED.__dict__, "pending_command_id": "c0ffee"}),
        ),
        Expect(park="command:c0ffee"),
        id="change-waits-for-in-flight-write-of-same-object",
    ),
    pytest.param(
        inputs(change(L, T.VENDOR, "70"), vendor("70", "Brand New LLC"), inflight=True),
        Expect(park="inflight:vendor:70"),
        id="unknown-ledger-object-waits-while-creates-in-flight",
    ),
    # --- payments and money movement -----------------------------------------------------------
    pytest.param(
        inputs(change(B, T.BILL_PAYMENT, "stp01PAY"), payment(), refs=PAY_REFS),
        Expect(
            commands=[("upsert", "ledger", "bill_payment")],
            check=_all(
                _field("bank_account_id", "95"),
                _field("applied_to.0.document_id", "145"),
                _field("vendor_id", "58"),
            ),
        ),
        id="payment-from-money-out-clearing",
    ),
    pytest.param(
        inputs(change(B, T.BILL_PAYMENT, "stp01PAY"), payment(paid_outside=True), refs=PAY_REFS),
        Expect(commands=[("upsert", "ledger", "bill_payment")], check=_field("bank_account_id", "35")),
        id="paid-outside-bill-from-default-bank",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY"),
            EUR_PAY,
            refs=PAY_REFS,
            related={"billcom:bill:00n01BILL": EUR_BILL},
        ),
        Expect(
            commands=[("upsert", "ledger", "bill_payment")],
            check=_all(_field("applied_to.0.amount", "120.00"), _field("amount", "120.00"), _field("currency", "USD")),
        ),
        id="fx-payment-at-the-bills-rate",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY"),
            EUR_PAY,
            refs=PAY_REFS,
            related={"billcom:bill:00n01BILL": EUR_BILL},
            multi_currency=True,
        ),
        Expect(
            commands=[("upsert", "ledger", "bill_payment")],
            check=_all(_field("amount", "100.00"), _field("currency", "EUR")),
        ),
        id="fx-payment-untouched-with-multicurrency",
    ),
    pytest.param(
        inputs(
            change(B, T.BILL_PAYMENT, "stp01PAY"),
            payment(),
            refs=PAY_REFS,
            money_out_clearing_account=None,
            ready=True,
        ),
        Expect(park="prefs", check=_reason("Money Out Clearing")),
        id="payment-parked-without-clearing-account",
    ),
    pytest.param(
        inputs(
            change(B, T.RECEIVED_PAYMENT, "0rp01RECV"),
            received(),
            refs={**known(B, T.CUSTOMER, "0cu01BLUE", "3"), **known(B, T.INVOICE, "00e01INV", "130")},
        ),
        Expect(
            commands=[("upsert", "ledger", "received_payment")],
            check=_all(_field("deposit_to_account_id", "96"), _field("applied_to.0.document_id", "130")),
        ),
        id="electronic-received-payment-to-money-in-clearing",
    ),
    pytest.param(
        inputs(
            change(B, T.RECEIVED_PAYMENT, "0rp01RECV"),
            received(method="card"),
            refs={**known(B, T.CUSTOMER, "0cu01BLUE", "3"), **known(B, T.INVOICE, "00e01INV", "130")},
        ),
        Expect(commands=[("upsert", "ledger", "received_payment")], check=_field("deposit_to_account_id", "4")),
        id="card-received-payment-to-deposit-to",
    ),
    pytest.param(
        inputs(
            change(B, T.INVOICE, "00e01INV"),
            invoice(),
            refs={**known(B, T.CUSTOMER, "0cu01BLUE", "3"), **known(B, T.ITEM, "0ii01DESIGN", "11")},
        ),
        Expect(
            commands=[("upsert", "ledger", "invoice")],
            check=_all(
                _field("ar_account_id", "84"),
                _field("customer_id", "3"),
                _field("lines.0.classifications.item_id", "11"),
                _field("lines.1.classifications.account_id", "91"),
            ),
        ),
        id="invoice-with-ar-and-unallocated-income",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run(),
            refs=pending(B, T.BILL_PAYMENT, "stp01PAY"),
            related={"billcom:bill_payment:stp01PAY": payment()},
        ),
        Expect(
            commands=[("transfer", "ledger", "funds_transfer")],
            check=_all(
                _field("from_account_id", "35"),
                _field("to_account_id", "95"),
                _field("amount", "100.00"),
                _cmd("depends_on", ["billcom:bill_payment:stp01PAY"]),
            ),
        ),
        id="disbursement-run-transfers-bank-gl-to-clearing-after-payments",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt02IN"),
            run("mmt02IN", "50.00", "money_in", ("0rp01RECV",)),
            refs=known(B, T.RECEIVED_PAYMENT, "0rp01RECV", "301"),
            related={"billcom:received_payment:0rp01RECV": received()},
        ),
        Expect(
            commands=[("transfer", "ledger", "funds_transfer")],
            check=_all(_field("from_account_id", "96"), _field("to_account_id", "35"), _cmd("depends_on", [])),
        ),
        id="deposit-run-transfers-clearing-to-bank-gl",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run(),
            refs=known(B, T.BILL_PAYMENT, "stp01PAY", "201"),
            bank_gl_accounts={"bac01CHECKING": None},
        ),
        Expect(park="prefs", check=_reason("GL account for BILL bank account bac01CHECKING")),
        id="run-parked-until-bank-gl-chosen",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run(),
            refs=known(B, T.BILL_PAYMENT, "stp01PAY", "201"),
            related={"billcom:bill_payment:stp01PAY": EUR_PAY, "billcom:bill:00n01BILL": EUR_BILL},
        ),
        Expect(
            commands=[("transfer", "ledger", "funds_transfer"), ("journal", "ledger", "journal_entry")],
            check=_journal,
        ),
        id="fx-gain-journal-between-clearing-and-gain-loss",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run(),
            refs=known(B, T.BILL_PAYMENT, "stp01PAY", "201"),
            related={"billcom:bill_payment:stp01PAY": EUR_PAY, "billcom:bill:00n01BILL": EUR_BILL},
            multi_currency=True,
        ),
        Expect(commands=[("transfer", "ledger", "funds_transfer")]),
        id="no-fx-journal-with-multicurrency",
    ),
    pytest.param(
        inputs(
            change(B, T.FUNDS_TRANSFER, "mmt01RUN"),
            run(),
            refs=known(B, T.BILL_PAYMENT, "stp01PAY", "201"),
            related={"billcom:bill_payment:stp01PAY": EUR_PAY, "billcom:bill:00n01BILL": EUR_BILL},
            fx_gain_loss_account=None,
        ),
        Expect(park="prefs", check=_reason("Exchange Rate Gain/Loss")),
        id="fx-run-parked-without-gain-loss-account",
    ),
]


def _shape(cmd: PostingRequested) -> tuple[str, str, str]:
    return (cmd.action, cmd.target_side.value, cmd.object_type.value)


@pytest.mark.parametrize(("inp", "expect"), SCENARIOS)
def test_scenario(inp: Inputs, expect: Expect) -> None:
    plan = decide(inp)
    assert [_shape(c) for c in plan.commands] == expect.commands
    if expect.skip:
        assert plan.skipped and plan.skipped.startswith(expect.skip + ":"), plan.skipped
    if expect.park:
        assert plan.park is not None and plan.park.waiting_for == expect.park, plan.park
    else:
        assert plan.park is None, plan.park
    if expect.outcome:
        assert any(o.status == expect.outcome and o.producer == "sync-engine" for o in plan.outcomes)
    if expect.skip == "echo":
        assert plan.outcomes == ()
    for cmd in plan.commands:
        assert cmd.desired is None or cmd.action in {"upsert", "transfer", "journal"}
    if expect.check:
        expect.check(plan)


def test_command_ids_are_deterministic_and_follow_the_source_version() -> None:
    inp = inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=BILL_REFS)
    first, again = decide(inp), decide(inp)
    assert first.commands[0].command_id == again.commands[0].command_id
    changed = decide(inputs(change(B, T.BILL, "00n01BILL"), bill(memo="rush"), refs=BILL_REFS))
    assert changed.commands[0].command_id != first.commands[0].command_id
    assert first.commands[0].source_fingerprint == fingerprint(bill())


def test_emitted_link_write_records_source_baseline_and_pending_command() -> None:
    plan = decide(inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=BILL_REFS))
    (write,) = plan.links
    assert write.billcom_id == "00n01BILL" and write.ledger_id is None
    assert write.pending_command_id == plan.commands[0].command_id
    assert write.baselines[0].fingerprint == fingerprint(bill())
