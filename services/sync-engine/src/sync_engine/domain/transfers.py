"""A BILL disbursement (or deposit) run → a ledger funds transfer between the bank GL and the
clearing account, plus the FX gain/loss journal when the ledger has no multi-currency."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge_common.canonical import fingerprint
from ledgerbridge_common.canonical.models import (
    BillPayment,
    FundsTransfer,
    JournalEntry,
    JournalLine,
    ObjectType,
    ReceivedPayment,
)
from ledgerbridge_common.events import Decision, PostingRequested, Side
from sync_engine.domain import money
from sync_engine.domain.model import Inputs, LinkWrite, Plan, make_ref
from sync_engine.domain.plans import baseline, command, park, skip


def is_void_refund(run: FundsTransfer) -> bool:
    """BILL gives the money of a voided, already-disbursed payment back in a ``VOID_REFUND`` run."""
    return str(run.side_status.get("type") or "").upper() == "VOID_REFUND"


def payment_type(run: FundsTransfer) -> ObjectType:
    if run.direction == "money_out" or is_void_refund(run):
        return ObjectType.BILL_PAYMENT
    return ObjectType.RECEIVED_PAYMENT


def run_payment_ids(run: FundsTransfer) -> tuple[str, ...]:
    """The payments a run carried (the BILL connector keeps them in ``side_status``)."""
    return run.payment_ids or tuple(run.side_status.get("payment_ids") or ())


def plan_run(inp: Inputs) -> Plan:
    run = inp.source
    if inp.change.side is not Side.BILLCOM or not isinstance(run, FundsTransfer):
        return skip(inp, "direction", "funds transfers sync from BILL only")
    if is_void_refund(run):
        return _void_refund(inp, run)
    accounts = money.transfer_accounts(run, inp.prefs)
    if accounts.missing:
        return park(inp, "prefs", accounts.missing, rule="not_ready")
    ptype = payment_type(run)
    depends: list[str] = []
    payments: list[BillPayment | ReceivedPayment] = []
    payment_ids = run_payment_ids(run)
    for pid in payment_ids:
        ref = make_ref(Side.BILLCOM, ptype, pid)
        resolution = inp.refs.get((Side.BILLCOM, ptype, pid))
        if resolution is None or resolution.value is None:
            why = resolution.reason if resolution and resolution.reason else "it has not synced yet"
            return park(inp, ref, f"the payment {pid} of this run cannot sync: {why}", rule="dependency")
        if resolution.pending_ref:
            depends.append(resolution.pending_ref)
        payment = inp.related.get(ref)
        if isinstance(payment, BillPayment | ReceivedPayment):
            payments.append(payment)
    home = inp.company.home_currency
    label = "disbursement" if run.direction == "money_out" else "deposit"
    desired = FundsTransfer(
        date=run.date,
        amount=run.amount,
        currency=home,
        from_account_id=accounts.from_account or "",
        to_account_id=accounts.to_account or "",
        memo=run.memo or f"BILL {label} run {run.run_id or run.id}",
        run_id=run.run_id or run.id,
        direction=run.direction,
        journal=inp.prefs.funds_transfer_journal_symbol,
        location_id=inp.prefs.funds_transfer_location,
        department_id=inp.prefs.funds_transfer_department,
    )
    transfer = command(
        inp,
        target_side=Side.LEDGER,
        action="transfer",
        desired=desired.model_dump(mode="json"),
        target_id=inp.link.ledger_id if inp.link else None,
        depends_on=depends,
        decision=Decision(rule="money_movement", reason=f"BILL {label} run moves the lump sum via clearing"),
    )
    commands: list[PostingRequested] = [transfer]
    foreign = any(money.needs_conversion(p.currency, home, inp.company.multi_currency) for p in payments)
    if foreign:
        if len(payments) != len(payment_ids):
            return park(inp, "related", "the payments of this run could not be read", rule="dependency")
        difference = money.fx_difference(run, payments, inp.related)
        if difference != Decimal(0):
            if not inp.prefs.fx_gain_loss_account:
                return park(inp, "prefs", "Choose an Exchange Rate Gain/Loss account", rule="not_ready")
            commands.append(_journal(inp, run, difference, accounts.clearing or "", transfer))
    base = baseline(Side.BILLCOM, run)
    write = LinkWrite(
        ObjectType.FUNDS_TRANSFER,
        billcom_id=run.id,
        ledger_id=inp.link.ledger_id if inp.link else None,
        baselines=(base,),
        pending_command_id=transfer.command_id,
    )
    return Plan(
        commands=tuple(commands),
        links=(write,),
        source_views={c.command_id: (base.fingerprint, base.view) for c in commands},
    )


def _journal(
    inp: Inputs, run: FundsTransfer, difference: Decimal, clearing: str, transfer: PostingRequested
) -> PostingRequested:
    fx_account = inp.prefs.fx_gain_loss_account or ""
    entry = JournalEntry(
        date=run.date,
        currency=inp.company.home_currency,
        lines=money.fx_journal_lines(run, difference, clearing, fx_account),
        memo=f"Exchange rate gain/loss on BILL run {run.run_id or run.id}",
    )
    return command(
        inp,
        target_side=Side.LEDGER,
        action="journal",
        object_type=ObjectType.JOURNAL_ENTRY,
        ref=make_ref(Side.BILLCOM, ObjectType.JOURNAL_ENTRY, run.id or run.run_id or ""),
        fp=fingerprint(entry),
        desired=entry.model_dump(mode="json"),
        depends_on=[transfer.source_ref, *transfer.depends_on],
        decision=Decision(
            rule="fx_gain_loss",
            reason=f"the run moved {run.amount} for payments booked at {run.amount + difference}; "
            f"the difference goes to Exchange Rate Gain/Loss",
        ),
    )


def _void_refund(inp: Inputs, run: FundsTransfer) -> Plan:
    """The bank got a voided payment's money back: Dr bank / Cr Money Out Clearing (POSTINGS.md),
    which brings clearing back to zero once the BillPayment itself is voided."""
    bank_gl = inp.prefs.bank_gl_accounts.get(run.to_account_id)
    clearing = inp.prefs.money_out_clearing_account
    if not bank_gl or not clearing:
        missing = f"Choose the GL account for BILL bank account {run.to_account_id} and a Money Out Clearing account"
        return park(inp, "prefs", missing, rule="not_ready")
    memo = f"Refund of voided BILL payment(s) {', '.join(run_payment_ids(run))} (run {run.run_id or run.id})"
    entry = JournalEntry(
        date=run.date,
        currency=inp.company.home_currency,
        lines=(
            JournalLine(posting_type="Debit", amount=run.amount, account_id=bank_gl, description=memo),
            JournalLine(posting_type="Credit", amount=run.amount, account_id=clearing, description=memo),
        ),
        memo=memo,
    )
    journal = command(
        inp,
        target_side=Side.LEDGER,
        action="journal",
        object_type=ObjectType.JOURNAL_ENTRY,
        desired=entry.model_dump(mode="json"),
        target_id=inp.link.ledger_id if inp.link else None,
        decision=Decision(rule="void_refund", reason="BILL returned a voided payment's money to the bank"),
    )
    base = baseline(Side.BILLCOM, run)
    write = LinkWrite(
        ObjectType.FUNDS_TRANSFER,
        billcom_id=run.id,
        ledger_id=inp.link.ledger_id if inp.link else None,
        baselines=(base,),
        pending_command_id=journal.command_id,
    )
    return Plan(commands=(journal,), links=(write,), source_views={journal.command_id: (base.fingerprint, base.view)})
