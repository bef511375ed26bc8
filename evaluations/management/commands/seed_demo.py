"""A realistic demo organisation: five units, about 60 staff in the positions the six
shipped schemes use, a few weeks of ledger records, and one login per role."""

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import InspectorAssignment
from accounts.roles import HR_GROUP
from evaluations.ledger import RecordDraft, records_bulk_create
from evaluations.models import Record, Scheme
from evaluations.services import scheme_import
from scoring.engine.periods import period_for_date
from scoring.services import period_close
from staff.models import Position, Staff
from staff.services import staff_create, unit_get_or_create_path, unit_set_head

TEMPLATES = Path(__file__).resolve().parents[2] / "scheme_templates"
DEMO_PASSWORD = "starservice-demo"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "文博",
    "雨欣",
    "子涵",
    "浩然",
    "思远",
]

# (unit path, position, count, head position or None)
ROSTER = [
    ("星辰物业/客服部/前台班", "客服员", 6, None),
    ("星辰物业/客服部/会员中心", "客服员", 5, None),
    ("星辰物业/客服部", "项目经理", 1, "项目经理"),
    ("星辰物业/工程部/水电班", "水电工", 5, None),
    ("星辰物业/工程部/秩序班", "秩序维护员", 5, None),
    ("星辰物业/工程部/保洁班", "保洁员", 6, None),
    ("星辰物业/工程部", "项目经理", 1, "项目经理"),
    ("城南支行/营业室", "柜员", 7, None),
    ("城南支行/营业室", "大堂经理", 2, None),
    ("城南支行", "科长", 1, "科长"),
    ("政务服务中心/综合窗口", "窗口工作人员", 8, None),
    ("政务服务中心/不动产窗口", "窗口工作人员", 4, None),
    ("烟草营销部/城区片区", "专管员", 5, None),
    ("烟草营销部/郊区片区", "专管员", 4, None),
]

DEMO_LOGINS = [
    ("admin", "管理员 (admin)"),
    ("hr", "人力资源部 (HR)"),
    ("inspector", "检查员 — 星辰物业/客服部"),
    ("head", "部门负责人 — 星辰物业/客服部"),
    ("staff", "员工 — 客服员"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent: does nothing if the demo organisation exists)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        if Staff.objects.filter(employee_no="D0001").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            with transaction.atomic():
                self._load(random.Random(seed))
        self._print_logins()

    def _load(self, rng: random.Random) -> None:
        for path in sorted(TEMPLATES.glob("*.yaml")):
            scheme_import(yaml_text=path.read_text(encoding="utf-8"), reason="demo template")
        today = timezone.localdate()
        people = self._staff(rng, today)
        self._logins(people)
        drafts = list(self._records(rng, people, today))
        records_bulk_create(drafts=drafts, source=Record.Source.IMPORT)
        self._close_past_periods(today)
        self.stdout.write(f"Loaded {len(people)} staff and {len(drafts)} records.")

    def _staff(self, rng: random.Random, today: date) -> list[Staff]:
        people = []
        number = 0
        used_names: set[str] = set()
        for path, position_name, count, head_position in ROSTER:
            unit = unit_get_or_create_path(path=path)
            position, _created = Position.objects.get_or_create(name=position_name)
            for _ in range(count):
                number += 1
                name = self._name(rng, used_names)
                person = staff_create(
                    employee_no=f"D{number:04d}",
                    name=name,
                    unit=unit,
                    position=position,
                    hire_date=today - timedelta(days=rng.randint(120, 3650)),
                    certificates=["物业服务项目经理岗位培训结业证"]
                    if position_name == "项目经理"
                    else [],
                )
                people.append(person)
                if head_position:
                    unit_set_head(unit=unit, head=person)
        return people

    @staticmethod
    def _name(rng: random.Random, used: set[str]) -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                return name

    def _logins(self, people: list[Staff]) -> None:
        users = get_user_model()
        users.objects.create_superuser("admin", password=DEMO_PASSWORD)
        hr = users.objects.create_user("hr", password=DEMO_PASSWORD)
        hr.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
        inspector = users.objects.create_user("inspector", password=DEMO_PASSWORD)
        assignment = InspectorAssignment.objects.create(user=inspector)
        assignment.units.add(unit_get_or_create_path(path="星辰物业/客服部"))
        head = next(p for p in people if p.unit.path == "星辰物业/客服部")
        head.user = users.objects.create_user("head", password=DEMO_PASSWORD)
        head.save(update_fields=["user"])
        clerk = next(p for p in people if p.position.name == "客服员")
        clerk.user = users.objects.create_user("staff", password=DEMO_PASSWORD)
        clerk.save(update_fields=["user"])

    def _records(self, rng: random.Random, people: list[Staff], today: date):
        start = today - timedelta(days=62)
        days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
        for person in people:
            position = person.position.name
            for day in days:
                yield from _daily(rng, person, position, day)
            yield from _periodic(rng, person, position, days)

    def _close_past_periods(self, today: date) -> None:
        for code in ("property-weekly-stars", "property-monthly-quality"):
            scheme = Scheme.objects.get(code=code)
            current = period_for_date(scheme.period, today)
            day = today - timedelta(days=56)
            while True:
                period = period_for_date(scheme.period, day)
                if period.key == current.key:
                    break
                period_close(scheme=scheme, key=period.key)
                day = period.end + timedelta(days=1)

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {role}")


def _draft(person: Staff, day: date, kind: str, code: str, value=None, **extra) -> RecordDraft:
    return RecordDraft(
        staff_id=person.pk,
        date=day,
        kind=kind,
        code=code,
        value=None if value is None else Decimal(str(value)),
        **extra,
    )


PROPERTY_ITEMS = [
    "CLEAN-01",
    "CLEAN-02",
    "GREEN-01",
    "ATT-01",
    "RQ-01",
    "AC-01",
    "EN-01",
    "OUT-01",
    "COOP-01",
    "DIS-01",
    "DIS-02",
]
PATROL_ITEMS = ["PATROL-DRESS", "PATROL-LATE", "PATROL-POST", "PATROL-LANG"]
BANK_ITEMS = ["P-MORNING", "P-LATE", "P-PREP", "P-TABOO", "P-CHAT", "P-QUARREL"]
TOBACCO_ITEMS = ["STD-LICENSE", "STD-PRICE", "STD-POLICY", "STD-VERIFY", "UP-LAWFUL"]


def _daily(rng: random.Random, person: Staff, position: str, day: date):
    if day.weekday() >= 5 and position != "客服员":
        return
    if position in ("保洁员", "秩序维护员", "水电工", "客服员") and rng.random() < 0.04:
        yield _draft(
            person, day, Record.Kind.DEDUCTION, rng.choice(PROPERTY_ITEMS), inspector_name="周检查"
        )
    if position == "客服员":
        roll = rng.random()
        if roll < 0.05:
            yield _draft(
                person,
                day,
                Record.Kind.WARNING,
                rng.choice(PATROL_ITEMS),
                inspector_name="值班经理",
            )
        elif roll < 0.07:
            yield _draft(
                person,
                day,
                Record.Kind.DEDUCTION,
                rng.choice(PATROL_ITEMS),
                inspector_name="值班经理",
            )
        if rng.random() < 0.5:
            yield _draft(person, day, Record.Kind.METRIC, "free_card_signups", rng.randint(0, 6))
        if rng.random() < 0.2:
            yield _draft(person, day, Record.Kind.METRIC, "paid_card_sales", rng.randint(1, 3))
    if position in ("柜员", "大堂经理", "科长") and rng.random() < 0.02:
        yield _draft(
            person,
            day,
            Record.Kind.DEDUCTION,
            rng.choice(BANK_ITEMS),
            responsibility=rng.choice(
                [Record.Responsibility.STAFF] * 3 + [Record.Responsibility.MANAGEMENT]
            ),
        )
    if rng.random() < 0.3:
        rating = rng.choices(["满意", "基本满意", "不满意"], weights=[90, 8, 2])[0]
        yield _draft(person, day, Record.Kind.RATING, rating, rng.randint(1, 4))
    if rng.random() < 0.003:
        yield _draft(
            person,
            day,
            Record.Kind.COMPLAINT,
            rng.choice(["有责", "无责"]),
            note="顾客来电投诉服务态度",
        )


def _periodic(rng: random.Random, person: Staff, position: str, days: list[date]):
    for day in days:
        if day.weekday() == 4 and position == "客服员":
            yield _draft(person, day, Record.Kind.METRIC, "exam_score", rng.randint(60, 100))
            if rng.random() < 0.3:
                yield _draft(person, day, Record.Kind.METRIC, "suggestions", 1)
            if rng.random() < 0.2:
                yield _draft(person, day, Record.Kind.METRIC, "praise_letters", 1)
        if day.day == 28:
            if position in ("保洁员", "秩序维护员", "水电工", "客服员"):
                yield _draft(
                    person,
                    day,
                    Record.Kind.METRIC,
                    "attendance_rate",
                    rng.choice([100, 100, 100, 96]),
                )
                if position == "水电工":
                    yield _draft(
                        person, day, Record.Kind.METRIC, "repair_on_time_rate", rng.randint(92, 100)
                    )
            if position in ("柜员", "大堂经理"):
                for code in ("MYSTERY", "REMOTE", "ONSITE"):
                    if rng.random() < 0.8:
                        yield _draft(person, day, Record.Kind.SCORE, code, rng.randint(70, 100))
            if position == "窗口工作人员":
                yield _draft(person, day, Record.Kind.SCORE, "HALL", rng.randint(75, 100))
                yield _draft(person, day, Record.Kind.SCORE, "OFFICE", rng.randint(75, 100))
            if position == "专管员":
                yield _draft(
                    person, day, Record.Kind.METRIC, "market_purity_rate", rng.randint(95, 100)
                )
                yield _draft(
                    person, day, Record.Kind.METRIC, "marked_price_rate", rng.randint(85, 100)
                )
        if day.weekday() == 2 and position == "专管员":
            batch = f"巡访-{day.isoformat()}-{person.employee_no}"
            for code in rng.sample(TOBACCO_ITEMS, rng.randint(0, 2)):
                yield _draft(
                    person, day, Record.Kind.DEDUCTION, code, batch=batch, inspector_name="片区督查"
                )
