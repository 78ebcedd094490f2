"""Picking among ambiguous matches: a first-sync document that matched several existing documents
on the other side (rule ``ambiguous_match``) waits in the conflicts inbox until the bookkeeper
picks one of the candidates. The pick is the sync log's Link action on that entry (checked on the
other side, remembered as a link, decided again at once), and closes the conflict as ``picked``."""

from __future__ import annotations

from prefs_api.adapters import synclog
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.handlers.error_actions import link_entry
from prefs_api.handlers.sync import visible_conflict
from prefs_api.log_schemas import Conflict, LinkRequest, PickRequest
from prefs_api.problems import ProblemError

PICKABLE_RULE = "ambiguous_match"
PICKED = "picked"


def candidates_of(losing_version: dict[str, object]) -> list[str]:
    found = losing_version.get("candidates")
    return [str(c) for c in found] if isinstance(found, list) else []


async def pick_candidate(services: Services, principal: Principal, conflict_id: int, body: PickRequest) -> Conflict:
    async with services.sessions() as session:
        row = await visible_conflict(session, principal, conflict_id)
    if row["rule"] != PICKABLE_RULE:
        raise ProblemError(409, "Nothing to pick", f"Conflict {conflict_id} is not an ambiguous match", kind="conflict")
    if row["status"] != "open":
        raise ProblemError(409, "Conflict already resolved", f"It was {row['status']}", kind="conflict")
    candidates = candidates_of(dict(row["losing_version"]))
    if body.candidate_id not in candidates:
        raise ProblemError(
            409,
            "Not a candidate",
            f"'{body.candidate_id}' is not one of the matches ({', '.join(candidates)})",
            kind="conflict",
        )
    await link_entry(services, principal, row["sync_log_id"], LinkRequest(other_id=body.candidate_id, replay=True))
    async with services.sessions.begin() as session:
        await synclog.resolve_conflict(session, conflict_id, PICKED, principal.key_id)
        row = await visible_conflict(session, principal, conflict_id)
    return Conflict.model_validate(dict(row))
