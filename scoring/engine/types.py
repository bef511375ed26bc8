"""Plain data in and out of the scoring engine. No ORM here: the loader in
``scoring.selectors`` builds these from the database, tests build them by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# Record kinds, as stored in the ledger (FORMATS.md 类型 ↔ kind).
DEDUCTION = "deduction"  # 扣分
WARNING = "warning"  # 警告
BONUS = "bonus"  # 加分
METRIC = "metric"  # 指标
RATING = "rating"  # 评价: code is 满意 / 基本满意 / 不满意, value = number of ratings
COMPLAINT = "complaint"  # 投诉: code is 有责 (valid) or 无责 (invalid)
INCIDENT = "incident"  # 事件: code is the incident's name
SCORE = "score"  # 得分: code is a weighted source code, value 0–100

RATING_SATISFIED = "满意"
RATING_BASIC = "基本满意"
RATING_UNSATISFIED = "不满意"
COMPLAINT_VALID = "有责"
COMPLAINT_INVALID = "无责"

RESPONSIBILITY_STAFF = "staff"  # 员工责任
RESPONSIBILITY_MANAGEMENT = "management"  # 管理责任

# Flags shown in 标记
FLAG_MISSING_DATA = "缺数据"
FLAG_NO_RATINGS = "无评价"
FLAG_NO_DATA = "无数据"
FLAG_NO_INSPECTIONS = "无抽查"


@dataclass(frozen=True)
class Period:
    key: str  # 2026-W47, 2026-11, 2026-Q4, 2026-H2, 2026
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Participant:
    staff_id: int
    employee_no: str  # 工号
    name: str
    unit_path: str  # "一支行/营业室"
    position: str
    hire_date: date
    certificates: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Unit:
    path: str
    head_staff_id: int | None = None


@dataclass(frozen=True)
class Record:
    id: int
    staff_id: int
    date: date
    kind: str
    code: str
    value: Decimal | None = None
    responsibility: str = RESPONSIBILITY_STAFF
    batch: str = ""
    level: str = ""  # complaint level (网点, 分行, 媒体…)
    inspector: str = ""
    note: str = ""


@dataclass(frozen=True)
class Inputs:
    """Everything one period's computation needs.

    ``records`` holds the period's records of the participants and, in addition, the
    history the rules look back into: points-bank item deductions up to the repeat and
    retraining windows before ``period.start`` and incidents in the eligibility look-back. The
    engine filters by date itself. ``units`` maps every unit path to its head (needed
    for manager liability and unit roll-up). ``prior_wins`` counts weekly wins per staff
    id in the earlier closed weeks whose Sunday is in the same calendar month, and
    ``prior_promotions`` who was already promoted that month (stars promotion)."""

    scheme: dict
    period: Period
    participants: tuple[Participant, ...]
    records: tuple[Record, ...]
    units: dict[str, Unit] = field(default_factory=dict)
    prior_wins: dict[int, int] = field(default_factory=dict)
    prior_promotions: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Effect:
    """One line of the explanation: a record (or a derived/computed line) and its effect."""

    record_id: int | None
    kind: str
    code: str
    label: str  # item / component / source name
    value: Decimal | None  # the record's 数值
    points: Decimal  # effect on the score (negative for deductions); stars: red − green
    note: str = ""
    derived_from: int | None = None  # manager liability: the offender's record id


def record_effect(
    record_id: int, kind: str, code: str, label: str, value: Decimal | None, points: Decimal
) -> Effect:
    """``Effect(record_id, kind, code, label, value, points)``: the same object, made without
    the frozen dataclass's object.__setattr__ per field (one effect per counted record, a
    hundred thousand in a month's close of a city)."""
    effect = _new(Effect)
    effect.__dict__.update(
        record_id=record_id,
        kind=kind,
        code=code,
        label=label,
        value=value,
        points=points,
        note="",
        derived_from=None,
    )
    return effect


_new = object.__new__


@dataclass(frozen=True)
class VetoHit:
    rule: str  # readable, e.g. "complaint: valid"
    record_ids: tuple[int, ...]


@dataclass
class ParticipantResult:
    staff_id: int
    score: Decimal  # rounded half-up to 2 places
    raw_score: Decimal  # exact
    grade: str | None = None
    rank: int = 0
    parts: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    veto: list[VetoHit] = field(default_factory=list)
    ineligible: list[str] = field(default_factory=list)
    award: str | None = None
    promotion: dict | None = None  # {"title": ..., "prize": Decimal}
    effects: list[Effect] = field(default_factory=list)


@dataclass(frozen=True)
class UnitRollupRow:
    unit_path: str
    participants: int
    average: Decimal  # rounded
    head_staff_id: int | None
    head_deduction: Decimal  # rounded; 0 when at or above threshold


@dataclass
class PeriodOutcome:
    results: list[ParticipantResult]  # in rank order, equal ranks by 工号
    unit_rollup: list[UnitRollupRow] = field(default_factory=list)
