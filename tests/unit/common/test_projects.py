"""Projects as BILL holds them (jobs) and as NetSuite (``job``) and Sage Intacct (``PROJECT``) keep
them: the mappings each way, a bill line's project as BILL's ``jobId``, and the direction table that
takes projects from those two ledgers only, never from BILL, and leaves them out for QuickBooks Online."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerbridge_common.canonical.models import Classifications, ObjectType, Project
from ledgerbridge_common.connectors.billcom import mapping as bill
from ledgerbridge_common.connectors.billcom.connector import KINDS
from ledgerbridge_common.connectors.intacct.mapping_common import CompanySetup
from ledgerbridge_common.connectors.intacct.mapping_lists import LIST_MAPS
from ledgerbridge_common.connectors.netsuite.mapping import record_map
from ledgerbridge_common.connectors.netsuite.mapping_common import Setup
from ledgerbridge_common.events import LedgerKind, Side
from ledgerbridge_common.what_syncs import SyncDirection, cell, chosen
from sync_engine.domain.directions import blocked_direction, matrix_refuses

T = ObjectType
INTACCT, NETSUITE, QBO = LedgerKind.SAGE_INTACCT, LedgerKind.ORACLE_NETSUITE, LedgerKind.QUICKBOOKS_ONLINE


def test_a_bill_job_reads_as_a_project_and_writes_back_in_the_classification_shape() -> None:
    raw = {
        "id": "job01ABCDEFGHIJKLMNO",
        "name": "Harbour Fit-out",
        "parentId": "job01PARENT00000000",
        "archived": True,
        "createdTime": "2026-01-02T03:04:05.000+00:00",
        "updatedTime": "2026-01-02T03:04:05.000+00:00",
    }
    project = KINDS[T.PROJECT].read(raw)
    assert isinstance(project, Project)
    assert (project.id, project.name, project.parent_id, project.active) == (
        "job01ABCDEFGHIJKLMNO",
        "Harbour Fit-out",
        "job01PARENT00000000",
        False,
    )
    assert KINDS[T.PROJECT].path == "/v3/classifications/jobs"
    assert bill.classification_out(project) == {"name": "Harbour Fit-out", "parentId": "job01PARENT00000000"}


def test_a_line_project_is_bills_job_id_both_ways() -> None:
    coded = Classifications(account_id="0ca01X", project_id="job01Y")
    assert bill.classifications_out(coded) == {"chartOfAccountId": "0ca01X", "jobId": "job01Y"}
    assert bill.classifications_in({"chartOfAccountId": "0ca01X", "jobId": "job01Y"}) == coded


def test_a_netsuite_job_is_a_project_named_by_its_project_name() -> None:
    m = record_map(T.PROJECT)
    assert (m.record, m.table, m.name_field) == ("job", "job", "companyname")
    setup = Setup(subsidiary_id="2", home_currency="USD", currency_ids={"USD": "1"})
    rec = {
        "id": "77",
        "entityId": "PRJ-0007",
        "companyName": "Harbour Fit-out",
        "parent": {"id": "12", "refName": "Harbour Ltd"},
        "isInactive": True,
        "lastModifiedDate": "2026-02-03T04:05:06Z",
    }
    project = m.from_ns(rec, setup)
    assert isinstance(project, Project)
    assert (project.id, project.name, project.parent_id, project.active) == ("77", "Harbour Fit-out", None, False)
    unnamed = m.from_ns({"id": "78", "entityId": "PRJ-0008"}, setup)
    assert isinstance(unnamed, Project) and unnamed.name == "PRJ-0008"
    assert m.to_ns(Project(name="Quay", active=True), setup) == {
        "companyName": "Quay",
        "subsidiary": {"id": "2"},
        "isInactive": False,
    }


def test_an_intacct_project_reads_by_its_project_id_name_parent_and_status() -> None:
    m = LIST_MAPS[T.PROJECT]
    assert (m.obj, m.id_field, m.name_field, m.name_list) == ("PROJECT", "PROJECTID", "NAME", True)
    setup = CompanySetup(utc_offset=dt.timedelta(hours=-8))
    record = {"RECORDNO": "4", "PROJECTID": "P-100", "NAME": "Harbour Fit-out", "PARENTID": "P-1", "STATUS": "inactive"}
    project = m.from_intacct(record, setup)
    assert isinstance(project, Project)
    assert (project.id, project.name, project.parent_id, project.active) == ("P-100", "Harbour Fit-out", "P-1", False)


@pytest.mark.parametrize("kind", [INTACCT, NETSUITE])
def test_projects_come_from_intacct_and_netsuite_only(kind: LedgerKind) -> None:
    found = cell(kind, T.PROJECT)
    assert found is not None
    assert found.allowed == frozenset({SyncDirection.OFF, SyncDirection.FROM_LEDGER})
    assert chosen(kind, T.PROJECT, {}) is SyncDirection.FROM_LEDGER
    assert blocked_direction(kind, T.PROJECT, Side.LEDGER, None, linked=False) is None
    assert blocked_direction(kind, T.PROJECT, Side.LEDGER, None, linked=True) is None
    refused = blocked_direction(kind, T.PROJECT, Side.BILLCOM, None, linked=True)
    assert refused is not None and refused.startswith("projects sync from ") and "to BILL only" in refused
    assert matrix_refuses(kind, T.PROJECT, Side.BILLCOM) == refused
    assert matrix_refuses(kind, T.PROJECT, Side.LEDGER) is None


def test_projects_do_not_sync_with_quickbooks_online() -> None:
    assert cell(QBO, T.PROJECT) is None and chosen(QBO, T.PROJECT, {}) is SyncDirection.OFF
    assert blocked_direction(QBO, T.PROJECT, Side.LEDGER, None, linked=False) == (
        "projects do not sync with QuickBooks Online"
    )
