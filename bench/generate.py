"""Generate the synthetic organisation into the (empty, migrated) database Django is set up
for: units, staff, the six scheme templates, twelve months of ledger records and logins.

Reproducible: one ``random.Random(seed)`` drives everything, in a fixed order. Bulk paths:
units and staff by ``bulk_create``, records by PostgreSQL COPY with the table's secondary
indexes dropped and rebuilt and foreign-key triggers off (the generator only writes ids it
created). Generated records get no simple_history rows and no audit entries: they stand for
a year of ledger, not for a year of clicks."""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

from bench.plan import (
    ALL_POSITIONS,
    HR_USERNAME,
    MONTHLY_CODE,
    MONTHLY_POSITIONS_LINE,
    REFRESH_UNIT,
    STAFF_USERNAME,
    WEEKLY_CODE,
    Plan,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超霞平刚桂英晓东文博雨欣子涵浩然思远建华玉兰国庆海燕"

PROPERTY_ITEMS = [  # most findings are a handful of items (Zipf weights below)
    "CLEAN-01",
    "ATT-01",
    "DIS-02",
    "CLEAN-02",
    "DIS-01",
    "OUT-01",
    "EN-01",
    "AC-01",
    "RQ-01",
    "GREEN-01",
    "COOP-01",
    "ATT-02",
]
GENERIC_ITEMS = ["ATT-01", "DIS-02", "DIS-01", "ATT-02"]
PATROL_ITEMS = ["PATROL-LATE", "PATROL-DRESS", "PATROL-LANG", "PATROL-POST"]
BANK_ITEMS = ["P-LATE", "P-MORNING", "P-PREP", "P-TABOO", "P-CHAT", "P-QUARREL", "P-HOURS"]
TOBACCO_ITEMS = ["STD-PRICE", "STD-LICENSE", "UP-LAWFUL", "STD-VERIFY", "STD-POLICY"]
PROPERTY_POSITIONS = ("保洁员", "秩序维护员", "水电工", "客服员")
BANK_POSITIONS = ("柜员", "大堂经理", "科长")
TEMPLATES = Path(__file__).resolve().parents[1] / "evaluations" / "scheme_templates"


def zipf(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def log(message: str) -> None:
    print(f"[generate] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- organisation


class Org:
    """Units and staff as plain tuples, before they are written."""

    def __init__(self, plan: Plan, rng: random.Random):
        self.plan = plan
        self.rng = rng
        self.units: list[tuple[str, str | None]] = []  # (path, head position or None)
        self.leaves: dict[str, list[str]] = {}  # position → leaf unit paths
        self.staff: list[dict] = []

    def build(self) -> None:
        s = self.plan.scale
        projects = max(2, round(48 * s))
        branches = max(1, round(25 * s))
        centres = max(1, round(6 * s))
        areas = max(2, round(26 * s))
        for top in ("星辰物业", "城市银行", "政务服务中心", "烟草营销部"):
            self._unit(top)
        for p in range(1, projects + 1):
            project = f"星辰物业/项目{p:02d}"
            self._unit(project, head="项目经理")
            for leaf, position in (
                ("客服部", "客服员"),
                ("保洁班", "保洁员"),
                ("秩序班", "秩序维护员"),
                ("工程班", "水电工"),
            ):
                self._leaf(f"{project}/{leaf}", position)
        for b in range(1, branches + 1):
            branch = f"城市银行/支行{b:02d}"
            self._unit(branch, head="科长")
            for k in range(1, 4):
                self._leaf(f"{branch}/网点{k}", "柜员")
                self.leaves.setdefault("大堂经理", []).append(f"{branch}/网点{k}")
        for c in range(1, centres + 1):
            centre = f"政务服务中心/分中心{c:02d}"
            self._unit(centre)
            for window in ("综合窗口", "不动产窗口", "社保窗口", "税务窗口"):
                self._leaf(f"{centre}/{window}", "窗口工作人员")
        for a in range(1, areas + 1):
            self._leaf(f"烟草营销部/片区{a:02d}", "专管员")
        heads = [path for path, head in self.units if head]
        frontline = self.plan.staff - len(heads)
        shares = {
            "客服员": 0.15,
            "保洁员": 0.22,
            "秩序维护员": 0.155,
            "水电工": 0.09,
            "柜员": 0.17,
            "大堂经理": 0.03,
            "窗口工作人员": 0.09,
            "专管员": 0.095,
        }
        counts = _apportion(frontline, shares)
        for path, head in self.units:
            if head:
                self._person(path, head, head_of=path)
        for position, count in counts.items():
            self._fill(position, count)

    def _unit(self, path: str, head: str | None = None) -> None:
        self.units.append((path, head))

    def _leaf(self, path: str, position: str) -> None:
        self._unit(path)
        self.leaves.setdefault(position, []).append(path)

    def _fill(self, position: str, count: int) -> None:
        leaves = list(self.leaves[position])
        fixed: dict[str, int] = {}
        if position == "客服员":  # the unit of 200 the refresh figure writes into
            fixed[REFRESH_UNIT] = min(self.plan.refresh_unit_size, count)
            leaves.remove(REFRESH_UNIT)
        rest = count - sum(fixed.values())
        # A few units dominate: lognormal sizes, the first three of each kind tripled.
        weights = [
            self.rng.lognormvariate(0, 0.8) * (3 if i < 3 else 1) for i in range(len(leaves))
        ]
        sizes = _apportion(rest, dict(zip(leaves, weights, strict=True)))
        sizes.update(fixed)
        for path in self.leaves[position]:
            for _ in range(sizes.get(path, 0)):
                self._person(path, position)

    def _person(self, path: str, position: str, head_of: str | None = None) -> None:
        rng = self.rng
        number = len(self.staff) + 1
        hired = date(2012, 1, 1) + timedelta(days=rng.randint(0, 14 * 365))
        left = None
        if rng.random() < 0.02 and head_of is None:
            left = self.plan.first_day + timedelta(days=rng.randint(30, 330))
        self.staff.append(
            {
                "employee_no": f"S{number:06d}",
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "unit": path,
                "position": position,
                "hire_date": min(hired, self.plan.today),
                "left_date": left,
                "head_of": head_of,
                # how often this person is written up, and how closely the unit is watched
                "propensity": rng.lognormvariate(0, 0.7),
            }
        )


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``total`` by ``weights``."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    counts = {key: int(value) for key, value in exact.items()}
    short = total - sum(counts.values())
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:short]:
        counts[key] += 1
    return counts


def write_org(org: Org) -> dict[str, int]:
    """Units, positions and staff; returns employee number → staff id."""
    from staff.models import Position, Staff, Unit
    from staff.services import name_initials

    by_path: dict[str, Unit] = {}
    for depth in (1, 2, 3):
        level = [
            Unit(
                name=path.rsplit("/", 1)[-1],
                parent=by_path.get(path.rsplit("/", 1)[0]) if depth > 1 else None,
                path=path,
                depth=depth,
            )
            for path, _head in org.units
            if path.count("/") == depth - 1
        ]
        for unit in Unit.objects.bulk_create(level):
            by_path[unit.path] = unit
    positions = {name: Position.objects.get_or_create(name=name)[0] for name in ALL_POSITIONS}
    initials: dict[str, str] = {}
    people = []
    for row in org.staff:
        name = row["name"]
        if name not in initials:
            initials[name] = name_initials(name)
        people.append(
            Staff(
                employee_no=row["employee_no"],
                name=name,
                name_initials=initials[name],
                unit=by_path[row["unit"]],
                position=positions[row["position"]],
                hire_date=row["hire_date"],
                status=Staff.Status.LEFT if row["left_date"] else Staff.Status.ACTIVE,
                left_date=row["left_date"],
            )
        )
    Staff.objects.bulk_create(people, batch_size=5000)
    ids = dict(Staff.objects.values_list("employee_no", "pk"))
    for row in org.staff:
        if row["head_of"]:
            Unit.objects.filter(path=row["head_of"]).update(head_id=ids[row["employee_no"]])
    return ids


# ---------------------------------------------------------------- records


class RecordMaker:
    """Twelve months of ledger, month by month, in date order within each month."""

    def __init__(self, plan: Plan, org: Org, ids: dict[str, int], rng: random.Random):
        self.plan = plan
        self.org = org
        self.ids = ids
        self.rng = rng
        self.unit_watch = {path: rng.lognormvariate(0, 0.6) for path, _head in org.units}
        self.property_weights = zipf(len(PROPERTY_ITEMS))
        self.generic_weights = zipf(len(GENERIC_ITEMS))
        self.patrol_weights = zipf(len(PATROL_ITEMS))
        self.bank_weights = zipf(len(BANK_ITEMS))
        self.tobacco_weights = zipf(len(TOBACCO_ITEMS))
        self.values = {n: Decimal(n) for n in range(0, 101)}
        self.created: dict[date, datetime] = {}

    def months(self) -> Iterator[tuple[date, date]]:
        start = self.plan.first_day
        while start <= self.plan.today:
            nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            yield start, min(nxt - timedelta(days=1), self.plan.today)
            start = nxt

    def rows(self, start: date, end: date) -> list[tuple]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        workdays = [d for d in days if d.weekday() < 5]
        buckets: dict[date, list[tuple]] = {d: [] for d in days}
        for person in self.org.staff:
            left = person["left_date"]
            if left is not None and left < start:
                continue
            if person["hire_date"] > end:
                continue
            hired = person["hire_date"]
            for draft in self._person_month(person, days, workdays):
                if draft[1] >= hired and (left is None or draft[1] <= left):
                    buckets[draft[1]].append(draft)
        return [row for day in days for row in buckets[day]]

    def _hits(self, days: list[date], p: float) -> list[date]:
        """Days on which an event of daily probability ``p`` happens (geometric gaps)."""
        if p <= 0 or not days:
            return []
        if p >= 1:
            return list(days)
        rng, found, i, scale = self.rng, [], -1, 1 / math.log(1 - p)
        while True:
            i += int(math.log(1 - rng.random()) * scale) + 1
            if i >= len(days):
                return found
            found.append(days[i])

    def _person_month(self, person: dict, days: list[date], workdays: list[date]):
        rng = self.rng
        sid = self.ids[person["employee_no"]]
        position = person["position"]
        watch = person["propensity"] * self.unit_watch[person["unit"]]
        on_duty = days if position in PROPERTY_POSITIONS else workdays
        v = self.values
        for day in self._hits(on_duty, 0.14):
            code = rng.choices(("满意", "基本满意", "不满意"), (92, 6, 2))[0]
            yield (sid, day, "rating", code, v[rng.choice((1, 1, 1, 2, 2, 3, 4))], "", "staff")
        for day in self._hits(on_duty, 0.0015):
            level = ""
            if position in BANK_POSITIONS:
                level = rng.choices(("网点", "分行", "媒体"), (80, 18, 2))[0]
            code = "有责" if rng.random() < 0.4 else "无责"
            yield (
                sid,
                day,
                "complaint",
                code,
                None,
                "",
                "staff",
                "",
                level,
                "顾客来电投诉服务态度",
            )
        for day in days:
            if day.day == 28:
                yield (sid, day, "metric", "attendance_rate", v[rng.choice((100,) * 9 + (96,))])
                if position == "水电工":
                    yield (sid, day, "metric", "repair_on_time_rate", v[rng.randint(92, 100)])
                if position in ("柜员", "大堂经理"):
                    for code in ("MYSTERY", "REMOTE", "ONSITE"):
                        if rng.random() < 0.8:
                            yield (sid, day, "score", code, v[rng.randint(70, 100)])
                if position == "窗口工作人员":
                    yield (sid, day, "score", "HALL", v[rng.randint(75, 100)])
                    yield (sid, day, "score", "OFFICE", v[rng.randint(75, 100)])
                if position == "专管员":
                    yield (sid, day, "metric", "market_purity_rate", v[rng.randint(95, 100)])
                    yield (sid, day, "metric", "marked_price_rate", v[rng.randint(85, 100)])
        if position in PROPERTY_POSITIONS:
            for day in self._hits(on_duty, min(0.5, 0.03 * watch)):
                code = rng.choices(PROPERTY_ITEMS, self.property_weights)[0]
                value = v[rng.randint(2, 5)] if code == "ATT-02" else None
                yield (sid, day, "deduction", code, value, "质检员", "staff")
        else:
            for day in self._hits(on_duty, min(0.5, 0.006 * watch)):
                code = rng.choices(GENERIC_ITEMS, self.generic_weights)[0]
                value = v[rng.randint(2, 5)] if code == "ATT-02" else None
                yield (sid, day, "deduction", code, value, "督查员", "staff")
        if position == "客服员":
            yield from self._clerk(sid, days, watch)
        elif position in BANK_POSITIONS:
            for day in self._hits(workdays, min(0.5, 0.015 * watch)):
                code = rng.choices(BANK_ITEMS, self.bank_weights)[0]
                responsibility = "management" if rng.random() < 0.25 else "staff"
                yield (sid, day, "deduction", code, None, "督查员", responsibility)
            for day in self._hits(workdays, 0.002):
                yield (sid, day, "bonus", rng.choice(("P-STAR", "P-ADVICE", "P-FRAUD")), None)
        elif position == "窗口工作人员":
            for day in self._hits(workdays, 0.0004):
                yield (sid, day, "incident", "违纪通报", None)
        elif position == "专管员":
            for day in workdays:
                if day.weekday() != 2:
                    continue
                batch = f"巡访-{day.isoformat()}-{sid}"
                for _ in range(rng.choices((0, 1, 2), (45, 40, 15))[0]):
                    code = rng.choices(TOBACCO_ITEMS, self.tobacco_weights)[0]
                    yield (sid, day, "deduction", code, None, "片区督查", "staff", batch)

    def _clerk(self, sid: int, days: list[date], watch: float):
        rng, v = self.rng, self.values
        for day in self._hits(days, min(0.5, 0.04 * watch)):
            code = rng.choices(PATROL_ITEMS, self.patrol_weights)[0]
            yield (sid, day, "warning", code, None, "值班经理", "staff")
        for day in self._hits(days, min(0.5, 0.012 * watch)):
            code = rng.choices(PATROL_ITEMS, self.patrol_weights)[0]
            yield (sid, day, "deduction", code, None, "值班经理", "staff")
        for day in self._hits(days, 0.15):
            yield (sid, day, "metric", "free_card_signups", v[rng.randint(1, 6)])
        for day in self._hits(days, 0.05):
            yield (sid, day, "metric", "paid_card_sales", v[rng.randint(1, 3)])
        for day in self._hits(days, 0.01):
            yield (sid, day, "bonus", "TEAM", None, "值班经理")
        for day in days:
            if day.weekday() == 4:
                yield (sid, day, "metric", "exam_score", v[rng.randint(60, 100)])
                if rng.random() < 0.3:
                    yield (sid, day, "metric", "suggestions", v[1])
                if rng.random() < 0.2:
                    yield (sid, day, "metric", "praise_letters", v[1])

    def copy_row(self, short: tuple) -> tuple:
        """The full COPY row of a short tuple (staff, date, kind, code, value, inspector,
        responsibility, batch, level, note), with the ledger's own content key."""
        from evaluations.ledger import RecordDraft

        full = short + SHORT_DEFAULTS[len(short) :]
        sid, day, kind, code, value, inspector, responsibility, batch, level, note = full
        key = RecordDraft(
            staff_id=sid,
            date=day,
            kind=kind,
            code=code,
            value=value,
            inspector_name=inspector,
            responsibility=responsibility,
            batch=batch,
            level=level,
            note=note,
        ).content_key()
        created = self.created.get(day)
        if created is None:
            from django.utils import timezone

            created = datetime.combine(day, clock(18, 0), tzinfo=timezone.get_current_timezone())
            self.created[day] = created
        return (sid, day, kind, code, value, inspector, responsibility, batch, level, note) + (
            "import",
            key,
            created,
            False,
            "",
        )


SHORT_DEFAULTS = (None, None, None, None, None, "", "staff", "", "", "")
COPY_COLUMNS = (
    "staff_id, date, kind, code, value, inspector_name, responsibility, batch, level, note, "
    "source, content_key, created_at, voided, void_reason"
)


def write_records(maker: RecordMaker) -> int:
    from django.db import connection

    from evaluations.models import Record

    table = Record._meta.db_table
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT LIKE %s",
            [table, "%_pkey"],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")  # no FK triggers on load
        total = 0
        for start, end in maker.months():
            began = time.monotonic()
            rows = maker.rows(start, end)
            with cursor.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy:
                for short in rows:
                    copy.write_row(maker.copy_row(short))
            total += len(rows)
            log(f"{start:%Y-%m}: {len(rows):,} records ({time.monotonic() - began:.1f} s)")
        cursor.execute("SET session_replication_role = origin")
        began = time.monotonic()
        for _name, definition in indexes:
            cursor.execute(definition)
        log(f"rebuilt {len(indexes)} indexes ({time.monotonic() - began:.1f} s)")
    raw.commit()
    return total


# ---------------------------------------------------------------- schemes and logins


def import_schemes() -> None:
    from evaluations.services import scheme_import

    for path in sorted(TEMPLATES.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if path.stem == MONTHLY_CODE:
            assert MONTHLY_POSITIONS_LINE in text, "the monthly template changed; update bench"
            text = text.replace(
                MONTHLY_POSITIONS_LINE, f"  positions: [{', '.join(ALL_POSITIONS)}]"
            )
        scheme_import(yaml_text=text, reason="bench")


def create_logins(ids: dict[str, int]) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.roles import HR_GROUP
    from staff.models import Staff

    users = get_user_model()
    hr = users.objects.create_user(HR_USERNAME)
    hr.set_unusable_password()
    hr.save()
    hr.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
    clerk = Staff.objects.filter(unit__path=REFRESH_UNIT, status="active").order_by("pk").first()
    clerk.user = users.objects.create_user(STAFF_USERNAME)
    clerk.user.set_unusable_password()
    clerk.user.save()
    clerk.save(update_fields=["user"])


def close_history(plan: Plan) -> None:
    """What HR closed before: the weeks of the measured week's month, and the month before
    the measured month (the stars promotion counts earlier wins of the month)."""
    from evaluations.models import Scheme
    from scoring.engine.periods import parse_period_key
    from scoring.services import period_close

    week_key, monday, sunday = plan.close_week
    weekly = Scheme.objects.get(code=WEEKLY_CODE)
    day = sunday.replace(day=1)
    day -= timedelta(days=day.weekday())
    while day < monday:
        iso = day.isocalendar()
        key = f"{iso[0]}-W{iso[1]:02d}"
        if (day + timedelta(days=6)).month == sunday.month:
            began = time.monotonic()
            period_close(scheme=weekly, key=key, reason="bench history")
            log(f"closed {WEEKLY_CODE} {key} ({time.monotonic() - began:.1f} s)")
        day += timedelta(days=7)
    monthly = Scheme.objects.get(code=MONTHLY_CODE)
    first = parse_period_key("monthly", plan.close_month).start - timedelta(days=1)
    key = f"{first.year}-{first.month:02d}"
    began = time.monotonic()
    period_close(scheme=monthly, key=key, reason="bench history")
    log(f"closed {MONTHLY_CODE} {key} ({time.monotonic() - began:.1f} s)")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def generate(plan: Plan) -> dict:
    from django.db import transaction

    rng = random.Random(plan.seed)
    began = time.monotonic()
    org = Org(plan, rng)
    org.build()
    with transaction.atomic():
        import_schemes()
        ids = write_org(org)
        create_logins(ids)
    log(f"{len(org.units)} units, {len(org.staff):,} staff ({time.monotonic() - began:.1f} s)")
    total = write_records(RecordMaker(plan, org, ids, rng))
    analyze()
    close_history(plan)
    analyze()
    seconds = time.monotonic() - began
    log(f"{total:,} records; generation took {seconds:.0f} s")
    return {"units": len(org.units), "staff": len(org.staff), "records": total, "seconds": seconds}


def main(argv: list[str]) -> None:
    import argparse
    import json

    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--today", required=True)
    args = parser.parse_args(argv)
    django.setup()
    stats = generate(Plan(args.scale, args.seed, date.fromisoformat(args.today)))
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
