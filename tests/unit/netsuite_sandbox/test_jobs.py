"""Projects: the ``job`` record (Oracle help "Project (Job)": called Job in web services) with its
Project Name (``companyName``) and one subsidiary, in the entity id space, its customer in the same
subsidiary, read through SuiteQL's ``job`` table and deleted into ``DeletedRecord``."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import error_code, ids, new_id, vendor
from tests.unit.netsuite_sandbox.test_suiteql import suiteql


def job(account: dict[str, Any], name: str, sub: str = "US Subsidiary", **extra: Any) -> dict[str, Any]:
    return {"companyName": name, "subsidiary": {"id": ids(account, "subsidiary")[sub]}, **extra}


async def test_a_job_needs_a_project_name_and_a_subsidiary(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    nameless = await ns.post("/record/v1/job", json={"subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]}})
    assert nameless.status_code == 400 and error_code(nameless) == "USER_ERROR"
    homeless = await ns.post("/record/v1/job", json={"companyName": "Harbour"})
    assert homeless.status_code == 400 and error_code(homeless) == "USER_ERROR"
    job_id = new_id(await ns.post("/record/v1/job", json=job(account, "Harbour")))
    got = (await ns.get(f"/record/v1/job/{job_id}")).json()
    assert got["companyName"] == "Harbour" and got["subsidiary"]["refName"] == "US Subsidiary"


async def test_jobs_share_the_entity_id_space(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    job_id = new_id(await ns.post("/record/v1/job", json=job(account, "Harbour")))
    assert job_id != vendor_id and int(job_id) == int(vendor_id) + 1


async def test_a_jobs_customer_must_be_in_its_subsidiary(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    uk = ids(account, "subsidiary")["UK Subsidiary"]
    customer = new_id(await ns.post("/record/v1/customer", json={"companyName": "Thames", "subsidiary": {"id": uk}}))
    refused = await ns.post("/record/v1/job", json=job(account, "Harbour", parent={"id": customer}))
    assert refused.status_code == 400 and "for subsidiary" in refused.json()["o:errorDetails"][0]["detail"]
    made = await ns.post("/record/v1/job", json=job(account, "Bridge", "UK Subsidiary", parent={"id": customer}))
    assert made.status_code == 204


async def test_jobs_read_through_suiteql_and_deletes_through_deletedrecord(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    job_id = new_id(await ns.post("/record/v1/job", json=job(account, "Harbour")))
    q = "SELECT id, companyname, subsidiary, isinactive, lastmodifieddate FROM job WHERE companyname = 'Harbour'"
    rows = (await suiteql(ns, q)).json()["items"]
    assert [(r["id"], r["companyname"], r["isinactive"]) for r in rows] == [(job_id, "Harbour", "F")]
    assert rows[0]["subsidiary"] == ids(account, "subsidiary")["US Subsidiary"] and rows[0]["lastmodifieddate"]
    assert (await ns.delete(f"/record/v1/job/{job_id}")).status_code == 204
    assert (await suiteql(ns, q)).json()["items"] == []
    deleted = (await suiteql(ns, "SELECT recordid, recordtypeid FROM deletedrecord")).json()["items"]
    assert [(r["recordid"], r["recordtypeid"]) for r in deleted] == [(job_id, "job")]
