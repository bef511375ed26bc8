"""What a notice publishes, frozen as JSON from a snapshot, and what changed between two
versions of it."""

from __future__ import annotations

import hashlib

import orjson

from scoring.models import Snapshot

# The per-participant fields a revision compares (old → new).
DIFF_FIELDS = ("score", "rank", "grade", "award", "promotion")


def notice_content(snapshot: Snapshot) -> dict:
    period = snapshot.period
    scheme = period.scheme
    columns = [
        "staff_id",
        "staff__employee_no",
        "staff__name",
        "staff__unit__path",
        "rank",
        "score",
        "grade",
        "award",
        "vetoed",
        "eligible",
    ]
    # Only a stars scheme with promotion promotes: only then is each row's whole stored
    # JSON (effects and all) read, for its promotion.
    if snapshot.scheme_version.config.get("promotion"):
        columns.append("data")
    rows = []
    for (
        staff_id,
        number,
        name,
        unit,
        rank,
        score,
        grade,
        award,
        vetoed,
        eligible,
        *data,
    ) in snapshot.results.order_by("position").values_list(*columns):
        promotion = (data[0].get("promotion") if data else None) or {}
        rows.append(
            {
                "staff_id": staff_id,
                "employee_no": number,
                "name": name,
                "unit": unit,
                "rank": rank,
                "score": str(score),
                "grade": grade,
                "award": award,
                "promotion": promotion.get("title", ""),
                "prize": str(promotion.get("prize", "0")),
                "vetoed": vetoed,
                "eligible": eligible,
            }
        )
    return {
        "scheme": scheme.code,
        "scheme_name": scheme.name,
        "period": period.key,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "version": snapshot.version,
        "snapshot_hash": snapshot.content_hash,
        "rows": rows,
        "winners": [row["staff_id"] for row in rows if row["award"]],
        "veto_count": sum(1 for row in rows if row["vetoed"]),
        "unit_rollup": snapshot.unit_rollup,
    }


def content_hash(content: dict) -> str:
    """sha256 of the content as compact JSON with sorted keys. orjson writes the same bytes
    as json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")), the form
    notices were hashed in before, many times faster."""
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def rows_diff(old_rows: list[dict], new_rows: list[dict]) -> list[dict]:
    """Per participant whose published figures changed: {field: {"old", "new"}} for the
    DIFF_FIELDS that differ, in the new ranking's order (then those who dropped out).
    Someone new has old values None; someone gone has new values None."""
    old_by_id = {row["staff_id"]: row for row in old_rows}
    new_by_id = {row["staff_id"]: row for row in new_rows}
    order = [row["staff_id"] for row in new_rows] + [
        row["staff_id"] for row in old_rows if row["staff_id"] not in new_by_id
    ]
    diff = []
    for staff_id in order:
        old, new = old_by_id.get(staff_id), new_by_id.get(staff_id)
        changes = {}
        for name in DIFF_FIELDS:
            before = old[name] if old else None
            after = new[name] if new else None
            if before != after:
                changes[name] = {"old": before, "new": after}
        if changes:
            person = new or old
            diff.append(
                {
                    "staff_id": staff_id,
                    "employee_no": person["employee_no"],
                    "name": person["name"],
                    "changes": changes,
                }
            )
    return diff
