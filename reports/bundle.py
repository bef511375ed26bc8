"""The monthly HR bundle: one workbook with every monthly scheme's 汇总, the weekly stars of
the weeks whose Sunday falls in the month, and the month's complaints."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.utils.translation import gettext as _

from complaints.selectors import complaint_report_rows
from evaluations.selectors import ActiveScheme
from reports.exporters import (
    COMPLAINT_HEADERS,
    ReportData,
    report_data,
    report_staff,
    result_chunks,
    summary_sheet,
)
from scoring.engine import types as t
from scoring.engine.periods import MONTHLY, WEEKLY, parse_period_key, period_for_date
from staff.models import Staff
from starservice.workbooks import SheetSpec

SHEET_NAME_LENGTH = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
STARS_SHEET = "周服务之星"
COMPLAINTS_SHEET = "投诉"
STARS_HEADERS = [
    "方案",
    "周期",
    "排名",
    "工号",
    "姓名",
    "部门",
    "红星",
    "绿星",
    "得分",
    "当选",
    "晋级",
    "奖金",
]

Progress = Callable[[int, int], None]


def bundle_filename(key: str) -> str:
    return f"月度人事报表-{key}.xlsx"


def weeks_ending_in(month: t.Period) -> list[t.Period]:
    """The weeks whose Sunday falls in the month (the promotion rule's weeks)."""
    weeks = []
    day = month.start
    while day <= month.end:
        week = period_for_date(WEEKLY, day)
        if month.start <= week.end <= month.end and week not in weeks:
            weeks.append(week)
        day += timedelta(days=1)
    return weeks


def bundle_steps(schemes: list[ActiveScheme], month: t.Period) -> list[tuple]:
    """The reports the bundle reads, in order: (scheme, period key)."""
    steps = [(a.scheme, month.key) for a in schemes if a.scheme.period == MONTHLY]
    weekly_stars = [
        a.scheme for a in schemes if a.scheme.period == WEEKLY and a.config["method"] == "stars"
    ]
    steps += [(scheme, week.key) for scheme in weekly_stars for week in weeks_ending_in(month)]
    return steps


def bundle_sheets(
    schemes: list[ActiveScheme], key: str, *, progress: Progress | None = None
) -> list[SheetSpec]:
    """Raises PeriodKeyError for a key that is not a month. The rows are read while the
    workbook is written (closed periods' results a chunk at a time from their snapshots),
    so ``progress`` hears of each report once its rows are written."""
    month = parse_period_key(MONTHLY, key)
    steps = bundle_steps(schemes, month)
    total = len(steps) + 1
    report = partial(_reported, progress=progress, total=total)
    sheets: list[SheetSpec] = []
    used: set[str] = {STARS_SHEET, COMPLAINTS_SHEET}
    stars: list[Iterator[list]] = []
    for done, (scheme, period_key) in enumerate(steps, start=1):
        data = report_data(scheme=scheme, key=period_key, load_results=False)
        if scheme.period == MONTHLY:
            summary = summary_sheet(data, report_staff(data))
            name = _sheet_name(scheme.name, used)
            sheets.append(replace(summary, name=name, rows=report(summary.rows, done)))
        else:
            stars.append(report(_stars_rows(data), done))
    title = _stars_title(key)
    sheets.append(SheetSpec(STARS_SHEET, STARS_HEADERS, itertools.chain(*stars), title=title))
    complaints = _complaints_sheet(month)
    sheets.append(replace(complaints, rows=report(complaints.rows, total)))
    return sheets


def _reported(
    rows: Iterable[list], done: int, *, progress: Progress | None, total: int
) -> Iterator[list]:
    """``rows``, then ``progress(done, total)``."""
    yield from rows
    if progress:
        progress(done, total)


def _sheet_name(name: str, used: set[str]) -> str:
    base = SHEET_NAME_FORBIDDEN.sub("-", name)[:SHEET_NAME_LENGTH]
    candidate, number = base, 2
    while candidate in used:
        suffix = f"-{number}"
        candidate = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        number += 1
    used.add(candidate)
    return candidate


def _stars_title(key: str) -> str:
    return _("Weekly stars of the weeks ending in %(month)s") % {"month": key}


def _stars_rows(data: ReportData) -> Iterator[list]:
    staff = report_staff(data)
    for chunk in result_chunks(data):
        for row in chunk:
            number, name, path, _position = staff[row["staff_id"]]
            promotion = row.get("promotion") or {}
            yield [
                data.scheme.name,
                data.period_key,
                row["rank"],
                number,
                name,
                path,
                Decimal(row["parts"]["red"]),
                Decimal(row["parts"]["green"]),
                Decimal(row["score"]),
                row.get("award") or "",
                promotion.get("title", ""),
                Decimal(str(promotion["prize"])) if promotion.get("prize") else None,
            ]


def _complaints_sheet(month: t.Period) -> SheetSpec:
    staff = {
        pk: (number, name)
        for pk, number, name in Staff.objects.values_list("pk", "employee_no", "name")
    }
    rows = complaint_report_rows(staff=staff, start=month.start, end=month.end)
    title = _("Complaints received in %(month)s") % {"month": month.key}
    return SheetSpec(COMPLAINTS_SHEET, COMPLAINT_HEADERS, rows, title=title)
