"""The engine follows what the ledger connector declares (flows, payment currency, lists master),
never the ledger kind: the same change decides differently with Intacct's capabilities."""

from dataclasses import replace

from ledgerbridge_common.connectors.intacct import INTACCT_CAPABILITIES
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.events import LedgerKind
from sync_engine.domain.decide import decide
from sync_engine.domain.model import Inputs
from tests.unit.sync_engine.builders import B, L, T, bill, change, inputs, known, link_of, payment, vendor

V_B = vendor("00901ACME", email="ap@acme.test")
V_L = vendor("V-ACME", email="ap@acme.test")
PAY_REFS = {**known(B, T.VENDOR, "00901ACME", "V-ACME"), **known(B, T.BILL, "00n01BILL", "145")}


def with_caps(inp: Inputs, caps=INTACCT_CAPABILITIES) -> Inputs:
    return replace(inp, capabilities=caps)


def test_a_linked_unpaid_bill_edited_in_the_ledger_flows_back_only_where_the_connector_says_so():
    ours, theirs = bill(), bill("145", vendor_id="V-ACME", lines=bill().lines)
    link = link_of(ours, theirs)
    edited = theirs.model_copy(update={"memo": "changed in the ledger"})
    refs = {**known(L, T.VENDOR, "V-ACME", "00901ACME")}
    inp = inputs(change(L, T.BILL, "145"), edited, counterpart=ours, link=link, refs=refs)
    qbo = decide(with_caps(inp, QBO_CAPABILITIES))
    assert qbo.commands == () and "not copied back" in (qbo.outcomes[0].reason or "")
    intacct = decide(
        with_caps(replace(inp, prefs=inp.prefs.model_copy(update={"ledger_kind": LedgerKind.SAGE_INTACCT})))
    )
    assert [(c.target_side, c.target_id) for c in intacct.commands] == [(B, "00n01BILL")]


def test_without_flows_in_hand_the_engine_uses_the_table_the_ledger_kinds_connector_declares():
    inp = inputs(change(B, T.BILL, "00n01BILL"), bill(), refs=PAY_REFS)
    assert replace(QBO_CAPABILITIES, flows=None).flows is None
    plan = decide(with_caps(inp, replace(QBO_CAPABILITIES, flows=None)))
    assert [(c.target_side, c.object_type) for c in plan.commands] == [(L, T.BILL)]


def test_the_payment_currency_rule_applies_only_when_the_connector_declares_it():
    inp = inputs(change(B, T.BILL_PAYMENT, "stp01PAY"), payment(), refs=PAY_REFS, transaction_currency="EUR")
    refused = decide(with_caps(inp))
    assert refused.commands == () and refused.outcomes[0].status == "failed"
    assert "Transaction Currency is EUR" in (refused.outcomes[0].reason or "")
    assert "Base Currency is not set" in (refused.outcomes[0].reason or "")
    assert len(decide(with_caps(inp, QBO_CAPABILITIES)).commands) == 1


def test_a_ledger_that_must_master_lists_wins_a_conflict_whatever_the_preference():
    inp = inputs(
        change(B, T.VENDOR, "00901ACME"),
        V_B.model_copy(update={"name": "Acme Paper Co"}),
        counterpart=V_L.model_copy(update={"name": "ACME Paper LLC"}),
        link=link_of(V_B, V_L),
        master={"vendor": B},
    )
    as_preferred = decide(with_caps(inp))
    assert [(c.target_side, c.desired and c.desired["name"]) for c in as_preferred.commands] == [(L, "Acme Paper Co")]
    entity_login = replace(INTACCT_CAPABILITIES, lists_master=L)
    forced = decide(with_caps(inp, entity_login))
    assert [(c.target_side, c.desired and c.desired["name"]) for c in forced.commands] == [(B, "ACME Paper LLC")]
