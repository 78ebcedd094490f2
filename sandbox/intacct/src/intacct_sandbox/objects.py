"""The objects the sandbox serves: keys, required fields, enumerations and references."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ref:
    obj: str
    id_field: str
    label: str


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    id_field: str | None
    required: tuple[str, ...] = ()
    refs: dict[str, Ref] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    creatable: bool = True
    legacy_create: str | None = None
    transaction: bool = False
    # readByQuery STATE codes -> the labels stored and shown (query filters on labels)
    state_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)


ACCOUNT = Ref("GLACCOUNT", "ACCOUNTNO", "GL account")
LOCATION = Ref("LOCATION", "LOCATIONID", "location")
DEPARTMENT = Ref("DEPARTMENT", "DEPARTMENTID", "department")
CLASS = Ref("CLASS", "CLASSID", "class")
PROJECT = Ref("PROJECT", "PROJECTID", "project")
VENDOR = Ref("VENDOR", "VENDORID", "vendor")
CUSTOMER = Ref("CUSTOMER", "CUSTOMERID", "customer")
STATUS = ("active", "inactive")

# Dimension references a transaction line may carry (bill lines use *ID names, GL entries do not).
BILL_LINE_REFS = {
    "ACCOUNTNO": ACCOUNT,
    "LOCATIONID": LOCATION,
    "DEPARTMENTID": DEPARTMENT,
    "CLASSID": CLASS,
    "PROJECTID": PROJECT,
}
GL_ENTRY_REFS = {
    "ACCOUNTNO": ACCOUNT,
    "LOCATION": LOCATION,
    "DEPARTMENT": DEPARTMENT,
    "CLASSID": CLASS,
    "PROJECTID": PROJECT,
    "VENDORID": VENDOR,
    "CUSTOMERID": CUSTOMER,
}

AP_PAYMENT_METHODS = (
    "Printed Check",
    "Joint Check",
    "Cash",
    "EFT",
    "Credit Card",
    "ACH",
    "Check Delivery",
    "WF Check",
    "WF Domestic ACH",
    "WF USD Wire",
)
AR_PAYMENT_METHODS = ("Printed Check", "Cash", "EFT", "Credit Card", "Online Charge Card", "Online ACH Debit")

BILL_POSTED = ("Posted", "Partially Paid", "Paid")

SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec("VENDOR", "Vendor", "VENDORID", ("NAME", "DISPLAYCONTACT.PRINTAS"), enums={"STATUS": STATUS}),
        Spec("CUSTOMER", "Customer", "CUSTOMERID", ("NAME",), enums={"STATUS": STATUS}),
        Spec(
            "GLACCOUNT",
            "GL Account",
            "ACCOUNTNO",
            ("TITLE",),
            enums={
                "STATUS": STATUS,
                "ACCOUNTTYPE": ("balancesheet", "incomestatement"),
                "NORMALBALANCE": ("debit", "credit"),
            },
        ),
        Spec("CHECKINGACCOUNT", "Checking Account", "BANKACCOUNTID", creatable=False),
        Spec("SAVINGSACCOUNT", "Savings Account", "BANKACCOUNTID", creatable=False),
        Spec("DEPARTMENT", "Department", "DEPARTMENTID", ("TITLE",), enums={"STATUS": STATUS}),
        Spec(
            "LOCATION",
            "Location",
            "LOCATIONID",
            ("NAME",),
            refs={"PARENTID": LOCATION},
            enums={"STATUS": STATUS},
        ),
        Spec("CLASS", "Class", "CLASSID", ("NAME",), enums={"STATUS": STATUS}),
        Spec("PROJECT", "Project", "PROJECTID", ("NAME",), refs={"CUSTOMERID": CUSTOMER}, enums={"STATUS": STATUS}),
        Spec("LOCATIONENTITY", "Entity", "LOCATIONID", creatable=False),
        Spec(
            "APBILL",
            "Bill",
            None,
            transaction=True,
            state_codes={
                "D": ("Draft",),
                "PA": ("Partially Approved",),
                "S": ("Submitted",),
                "U": ("Declined",),
                "A": BILL_POSTED,
            },
        ),
        Spec(
            "APPYMT",
            "AP Payment",
            None,
            transaction=True,
            state_codes={"C": ("Posted",), "D": ("Draft",), "A": ("Approved",), "V": ("Voided",), "S": ("Submitted",)},
        ),
        Spec("ARINVOICE", "Invoice", None, creatable=False, legacy_create="create_invoice", transaction=True),
        Spec("ARPYMT", "AR Payment", None, transaction=True),
        Spec(
            "GLBATCH",
            "Journal Entry",
            None,
            transaction=True,
            state_codes={
                "I": ("Draft",),
                "S": ("Submitted",),
                "X": ("Partially Approved",),
                "A": ("Approved",),
                "P": ("Posted",),
                "R": ("Declined",),
                "L": ("Reversal Pending",),
                "Z": ("Reversed",),
            },
        ),
        Spec("AUDITHISTORY", "Audit History", None, creatable=False),
    )
}

LEGACY_CREATES = {s.legacy_create: s for s in SPECS.values() if s.legacy_create}


def spec_for(name: str) -> Spec | None:
    return SPECS.get(name.strip().upper())
