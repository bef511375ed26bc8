"""What the bench builds and measures, derived from the scale, the seed and today's date
only: the generator and the measurements agree on it without storing anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

GENERATOR_VERSION = 3

MONTHLY_CODE = "property-monthly-quality"
WEEKLY_CODE = "property-weekly-stars"
# Every position takes part in the monthly deduction scheme, so its close covers all staff
# (the shipped template lists the four property positions).
ALL_POSITIONS = [
    "保洁员",
    "秩序维护员",
    "水电工",
    "客服员",
    "项目经理",
    "柜员",
    "大堂经理",
    "科长",
    "窗口工作人员",
    "专管员",
]
MONTHLY_POSITIONS_LINE = "  positions: [保洁员, 秩序维护员, 水电工, 客服员]"

HR_USERNAME = "bench-hr"
STAFF_USERNAME = "bench-staff"
REFRESH_UNIT = "星辰物业/项目01/客服部"
REFRESH_UNIT_SIZE = 200


@dataclass(frozen=True)
class Plan:
    scale: float
    seed: int
    today: date

    @property
    def staff(self) -> int:
        return max(200, round(20_000 * self.scale))

    @property
    def refresh_unit_size(self) -> int:
        return min(REFRESH_UNIT_SIZE, self.staff // 5)

    @property
    def first_day(self) -> date:
        """Twelve months of records: from the first of the month eleven months back."""
        year, month = self.today.year, self.today.month - 11
        if month <= 0:
            year, month = year - 1, month + 12
        return date(year, month, 1)

    @property
    def close_month(self) -> str:
        """The last full month: HR closes it and exports it."""
        last = self.today.replace(day=1) - timedelta(days=1)
        return f"{last.year}-{last.month:02d}"

    @property
    def close_week(self) -> tuple[str, date, date]:
        """The last full ISO week (Monday–Sunday)."""
        monday = self.today - timedelta(days=self.today.weekday() + 7)
        year, week, _day = monday.isocalendar()
        return f"{year}-W{week:02d}", monday, monday + timedelta(days=6)

    def fingerprint(self) -> str:
        return f"starservice-bench v{GENERATOR_VERSION} scale={self.scale:g} seed={self.seed} " + (
            f"today={self.today.isoformat()}"
        )
