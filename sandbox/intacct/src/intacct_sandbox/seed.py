"""A small chart of accounts, dimensions, journals and a bank account for a new company."""

from __future__ import annotations

import datetime as dt

from intacct_sandbox.company import Company

SEED_ACCOUNTS = (
    ("1000", "Bank of America Checking", "balancesheet", "debit"),
    ("1010", "Bill.com Money Out Clearing", "balancesheet", "debit"),
    ("1020", "Bill.com Money In Clearing", "balancesheet", "debit"),
    ("1200", "Accounts Receivable", "balancesheet", "debit"),
    ("2000", "Accounts Payable", "balancesheet", "credit"),
    ("4000", "Sales", "incomestatement", "credit"),
    ("6000", "Office Expenses", "incomestatement", "debit"),
    ("6220", "Professional Fees", "incomestatement", "debit"),
)
SEED_JOURNALS = {"GJ": "General Journal", "APJ": "Accounts Payable Journal", "ARJ": "Accounts Receivable Journal"}
SEED_DEPARTMENTS = (("ADMIN", "Administration"), ("SALES", "Sales"))
SEED_CLASSES = (("CL-1", "Retail"),)
SEED_BANK = ("BOA-CHK", "1000")


def seed_company(company: Company, now: dt.datetime, *, seed: bool) -> None:
    """Entities (as LOCATIONENTITY and LOCATION) always; the rest only when ``seed``."""
    user = "sandbox"
    for entity in company.entities:
        company.insert(
            "LOCATIONENTITY",
            {
                "LOCATIONID": entity,
                "NAME": f"Entity {entity}",
                "STATUS": "active",
                "CURRENCY": company.base_currency,
                "MEGAENTITYID": "",
            },
            now,
            user,
        )
        company.insert(
            "LOCATION",
            {"LOCATIONID": entity, "NAME": f"Entity {entity}", "STATUS": "active", "MEGAENTITYID": ""},
            now,
            user,
        )
    company.journals = dict(SEED_JOURNALS)
    if not seed:
        return
    for number, title, kind, normal in SEED_ACCOUNTS:
        company.insert(
            "GLACCOUNT",
            {
                "ACCOUNTNO": number,
                "TITLE": title,
                "ACCOUNTTYPE": kind,
                "NORMALBALANCE": normal,
                "STATUS": "active",
                "MEGAENTITYID": "",
            },
            now,
            user,
        )
    for dept_id, title in SEED_DEPARTMENTS:
        company.insert(
            "DEPARTMENT", {"DEPARTMENTID": dept_id, "TITLE": title, "STATUS": "active", "MEGAENTITYID": ""}, now, user
        )
    for class_id, name in SEED_CLASSES:
        company.insert("CLASS", {"CLASSID": class_id, "NAME": name, "STATUS": "active", "MEGAENTITYID": ""}, now, user)
    if not company.entities:
        company.insert(
            "LOCATION", {"LOCATIONID": "100", "NAME": "Headquarters", "STATUS": "active", "MEGAENTITYID": ""}, now, user
        )
    bank_id, gl = SEED_BANK
    company.insert(
        "CHECKINGACCOUNT",
        {
            "BANKACCOUNTID": bank_id,
            "BANKNAME": "Bank of America",
            "GLACCOUNTNO": gl,
            "CURRENCY": company.base_currency,
            "STATUS": "active",
            "MEGAENTITYID": "",
        },
        now,
        user,
    )
