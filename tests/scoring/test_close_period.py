"""Closing periods against the database: participants, snapshots and their versions,
scheme edits, the close_period command, query counts, stars promotion, period boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft, record_create, record_void
from evaluations.models import Record, SchemeVersion
from scoring.engine.periods import parse_period_key, period_for_date
from scoring.models import ParticipantResult, Period, Snapshot
from scoring.selectors import load_inputs
from scoring.services import (
    inputs_fingerprint,
    period_bounds,
    period_close,
    period_get_or_create,
    period_reopen,
)
from staff.models import Certificate, Staff
from tests.factories import PositionFactory, StaffFactory, UnitFactory
from tests.schemes import TEMPLATE_CODES, import_template, import_yaml

pytestmark = pytest.mark.django_db

FRONT_DESK = """\
code: front-desk-monthly
name: 前台月度评分
period: monthly
method: deduction
applies_to:
  positions: [客服员]
  units: [星辰物业/客服部]
categories:
  - code: STD
    name: 标准服务
    max: 100
    items:
      - {code: STD-01, name: 未主动问好, deduct: 1}
      - {code: STD-02, name: 服务忌语, deduct: 5}
"""


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def add(person, day, kind, code, value=None, **extra) -> Record:
    return record_create(
        draft=RecordDraft(
            staff_id=person.pk,
            date=day,
            kind=kind,
            code=code,
            value=None if value is None else Decimal(value),
            **extra,
        )
    )


def results_of(snapshot: Snapshot) -> dict[str, tuple]:
    return {
        r.staff.employee_no: (r.rank, r.score, r.award)
        for r in snapshot.results.select_related("staff")
    }


def clerk(unit, number, **fields) -> Staff:
    return StaffFactory(
        employee_no=number, unit=unit, position=PositionFactory(name="客服员"), **fields
    )


# ---------------------------------------------------------------- participants and v1


def test_close_stores_version_one_with_everyone_taking_part(org, staff_a):
    scheme = import_yaml(FRONT_DESK)
    staff_a.employee_no = "A001"
    staff_a.save()
    other = clerk(org.unit_a, "A002")
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01", 2)

    outcome = period_close(scheme=scheme, key="2026-11")

    assert outcome.created
    assert outcome.message == "front-desk-monthly 2026-11 closed: version 1, 2 participants"
    snapshot = outcome.snapshot
    assert (snapshot.version, snapshot.scheme_version) == (1, scheme.current_version)
    assert snapshot.period.status == Period.Status.CLOSED
    assert (snapshot.period.start, snapshot.period.end) == (date(2026, 11, 1), date(2026, 11, 30))
    # 100 − 2 × 1 = 98 for A001; A002 has no records and still gets a result: 100.
    assert results_of(snapshot) == {
        "A002": (1, Decimal("100.00"), ""),
        "A001": (2, Decimal("98.00"), ""),
    }
    assert list(snapshot.results.values_list("staff_id", flat=True)) == [other.pk, staff_a.pk]
    assert AuditEntry.objects.filter(action="period.closed").count() == 1


def test_participants_follow_position_units_and_employment_dates(org):
    scheme = import_yaml(FRONT_DESK)
    desk = org.unit_a  # 星辰物业/客服部
    lookalike = UnitFactory(name="客服部二", parent=org.company)  # 星辰物业/客服部二: not inside
    left = Staff.Status.LEFT
    clerk(org.unit_a_team, "IN-TEAM")  # in the subtree
    clerk(desk, "IN-UNIT")
    clerk(org.unit_b, "OUT-UNIT")  # 工程部
    clerk(lookalike, "OUT-LOOKALIKE")
    StaffFactory(employee_no="OUT-POSITION", unit=desk, position=PositionFactory(name="保洁员"))
    clerk(desk, "IN-HIRED-LAST-DAY", hire_date=date(2026, 11, 30))
    clerk(desk, "OUT-HIRED-AFTER", hire_date=date(2026, 12, 1))
    clerk(desk, "OUT-LEFT-BEFORE", status=left, left_date=date(2026, 10, 31))
    clerk(desk, "IN-LEFT-FIRST-DAY", status=left, left_date=date(2026, 11, 1))
    clerk(desk, "IN-LEFT-MID", status=left, left_date=date(2026, 11, 15))
    clerk(desk, "OUT-LEFT-NO-DATE", status=left, left_date=None)

    outcome = period_close(scheme=scheme, key="2026-11")

    assert sorted(results_of(outcome.snapshot)) == [
        "IN-HIRED-LAST-DAY",
        "IN-LEFT-FIRST-DAY",
        "IN-LEFT-MID",
        "IN-TEAM",
        "IN-UNIT",
    ]


def test_scheme_without_units_takes_every_unit(org, staff_a, staff_b):
    scheme = import_yaml(FRONT_DESK.replace("  units: [星辰物业/客服部]\n", ""))

    outcome = period_close(scheme=scheme, key="2026-11")

    assert set(outcome.snapshot.results.values_list("staff_id", flat=True)) == {
        staff_a.pk,
        staff_b.pk,
    }


# ---------------------------------------------------------------- re-closing and versions


def test_reclosing_unchanged_stores_nothing(org, staff_a):
    scheme = import_yaml(FRONT_DESK)
    first = period_close(scheme=scheme, key="2026-11")

    again = period_close(scheme=scheme, key="2026-11")

    assert not again.created
    assert again.snapshot == first.snapshot
    assert again.message == (
        "front-desk-monthly 2026-11: records unchanged since version 1; nothing stored"
    )
    assert Snapshot.objects.count() == 1
    assert ParticipantResult.objects.count() == 1


def test_reopen_change_close_stores_version_two_and_keeps_version_one(org, staff_a, hr):
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01")
    v1 = period_close(scheme=scheme, key="2026-11").snapshot
    v1_rows = list(v1.results.values_list("staff_id", "rank", "score", "data"))

    period_reopen(period=v1.period, actor=hr, reason="补录遗漏的检查记录")
    reopened_unchanged = period_close(scheme=scheme, key="2026-11")
    period_reopen(period=v1.period, actor=hr, reason="补录遗漏的检查记录")
    add(staff_a, date(2026, 11, 20), "deduction", "STD-02")
    outcome = period_close(scheme=scheme, key="2026-11", actor=hr)

    assert not reopened_unchanged.created
    assert outcome.created
    assert outcome.message == "front-desk-monthly 2026-11 closed: version 2, 1 participants"
    v2 = outcome.snapshot
    assert (v2.version, v2.created_by) == (2, hr)
    # v1: 100 − 1 = 99; v2: 100 − 1 − 5 = 94.
    assert v2.results.get().score == Decimal("94.00")
    assert list(v1.results.values_list("staff_id", "rank", "score", "data")) == v1_rows
    assert v1.results.get().score == Decimal("99.00")
    assert Period.objects.get().status == Period.Status.CLOSED
    assert v2.content_hash != v1.content_hash


def test_content_hash_is_stable(org, staff_a, hr):
    """Same inputs, same results, same hash: after adding a record and voiding it again, the
    third version hashes like the first."""
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01")
    v1 = period_close(scheme=scheme, key="2026-11").snapshot
    period_reopen(period=v1.period, reason="复核")
    extra = add(staff_a, date(2026, 11, 4), "deduction", "STD-02")
    v2 = period_close(scheme=scheme, key="2026-11").snapshot
    period_reopen(period=v1.period, reason="复核")
    record_void(record=extra, actor=hr, reason="录入错误")

    v3 = period_close(scheme=scheme, key="2026-11").snapshot

    assert [v1.version, v2.version, v3.version] == [1, 2, 3]
    assert len(v1.content_hash) == 64
    assert v3.content_hash == v1.content_hash != v2.content_hash
    assert v3.inputs_fingerprint == v1.inputs_fingerprint != v2.inputs_fingerprint


def test_a_snapshot_of_hash_format_1_recloses_unchanged(org, staff_a):
    """Snapshots stored before format 2 keep their repr() fingerprint: reclosing one whose
    records did not change stores nothing, and a record change still stores version 2."""
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01")
    v1 = period_close(scheme=scheme, key="2026-11").snapshot
    inputs = load_inputs(version=v1.scheme_version, period=period_bounds(v1.period))
    legacy = inputs_fingerprint(inputs, version_id=v1.scheme_version_id, hash_format=1)
    Snapshot.objects.filter(pk=v1.pk).update(hash_format=1, inputs_fingerprint=legacy)
    period_reopen(period=v1.period, reason="复核")

    again = period_close(scheme=scheme, key="2026-11")

    assert (again.created, again.snapshot.pk) == (False, v1.pk)
    period_reopen(period=v1.period, reason="复核")
    add(staff_a, date(2026, 11, 4), "deduction", "STD-02")
    v2 = period_close(scheme=scheme, key="2026-11").snapshot
    assert (v2.version, v2.hash_format) == (2, 2)
    assert v2.inputs_fingerprint != legacy


def test_scheme_edit_waits_for_reopen_and_change(org, staff_a, hr):
    """Editing a scheme never changes a closed period: closing it again without a reopen and
    a record change stores nothing; after both, the new version is used."""
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01")
    v1 = period_close(scheme=scheme, key="2026-11").snapshot
    new_rules = import_yaml(
        FRONT_DESK.replace("deduct: 1}", "deduct: 3}")
    ).current_version  # STD-01 now costs 3 points

    closed_again = period_close(scheme=scheme, key="2026-11")
    period_reopen(period=v1.period, reason="方案调整")
    reopened_unchanged = period_close(scheme=scheme, key="2026-11")

    assert not closed_again.created and not reopened_unchanged.created
    assert Snapshot.objects.count() == 1
    assert v1.results.get().score == Decimal("99.00")  # 100 − 1, the rules it was closed with
    assert v1.scheme_version.number == 1

    period_reopen(period=v1.period, reason="补录")
    add(staff_a, date(2026, 11, 5), "deduction", "STD-01")
    v2 = period_close(scheme=scheme, key="2026-11").snapshot

    assert (v2.version, v2.scheme_version) == (2, new_rules)
    assert v2.results.get().score == Decimal("94.00")  # 100 − 2 × 3
    assert v1.results.get().score == Decimal("99.00")


def test_closing_uses_the_version_current_at_closing(org, staff_a):
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 12, 3), "deduction", "STD-01")
    import_yaml(FRONT_DESK.replace("deduct: 1}", "deduct: 3}"))

    snapshot = period_close(scheme=scheme, key="2026-12").snapshot

    assert snapshot.scheme_version.number == 2
    assert snapshot.results.get().score == Decimal("97.00")


# ---------------------------------------------------------------- the command


def test_close_period_command(org, staff_a):
    import_yaml(FRONT_DESK)
    out = StringIO()

    call_command("close_period", "front-desk-monthly", "2026-11", stdout=out)
    call_command("close_period", "front-desk-monthly", "2026-11", stdout=out)

    assert out.getvalue().splitlines() == [
        "front-desk-monthly 2026-11 closed: version 1, 1 participants",
        "front-desk-monthly 2026-11: records unchanged since version 1; nothing stored",
    ]
    assert Snapshot.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "key", "message"),
    [
        ("no-such-scheme", "2026-11", "no scheme with code 'no-such-scheme'"),
        (
            "front-desk-monthly",
            "2026-W47",
            "'2026-W47' is not a monthly period; expected e.g. 2026-11",
        ),
        ("front-desk-monthly", "2026-13", "'2026-13' is not a monthly period that exists"),
        ("front-desk-monthly", "十一月", "'十一月' is not a monthly period; expected e.g. 2026-11"),
    ],
)
def test_close_period_command_bad_input(org, code, key, message):
    import_yaml(FRONT_DESK)

    with pytest.raises(CommandError) as raised:
        call_command("close_period", code, key, stdout=StringIO())

    assert raised.value.returncode == 1
    assert str(raised.value) == message
    assert (Period.objects.count(), Snapshot.objects.count()) == (0, 0)


def test_close_period_command_weekly_key(org, staff_a):
    import_template("property-weekly-stars")

    with pytest.raises(CommandError) as raised:
        call_command("close_period", "property-weekly-stars", "2026-W54", stdout=StringIO())
    call_command("close_period", "property-weekly-stars", "2026-W53", stdout=StringIO())

    assert str(raised.value) == "'2026-W54' is not a weekly period that exists"
    period = Period.objects.get()
    assert (period.key, period.start, period.end) == (
        "2026-W53",
        date(2026, 12, 28),
        date(2027, 1, 3),
    )


# ---------------------------------------------------------------- query count


def _organisation(scheme_code: str, count: int) -> None:
    """``count`` participants of the scheme, each with two records it counts (a rating and an
    incident); for the weekly stars scheme, two earlier closed weeks of the month."""
    if scheme_code in TEMPLATE_CODES:
        scheme = import_template(scheme_code)
    else:
        scheme = import_yaml(ELIGIBILITY)
    config = scheme.current_version.config
    position = PositionFactory(name=config["applies_to"]["positions"][0])
    top = UnitFactory(name="总部")
    team = UnitFactory(name="一组", parent=top)
    certificate, _created = Certificate.objects.get_or_create(name="急救证")
    first_day = parse_period_key(scheme.period, PERIODS[scheme.period]).start
    for number in range(count):
        person = StaffFactory(employee_no=f"Q{number:04d}", unit=team, position=position)
        person.certificates.add(certificate)
        if number == 0:
            top.head = person
            top.save()
        for kind, code, value in (("rating", "满意", Decimal(2)), ("incident", "违纪通报", None)):
            Record.objects.create(
                staff=person,
                date=first_day,
                kind=kind,
                code=code,
                value=value,
                content_key=f"{number}-{kind}",
            )
    if scheme.period == "weekly":
        for key in ("2026-W45", "2026-W46"):
            period_close(scheme=scheme, key=key)


ELIGIBILITY = (
    FRONT_DESK.replace("  units: [星辰物业/客服部]\n", "").replace(
        "front-desk-monthly", "front-desk-eligibility"
    )
    + """\
eligibility:
  min_tenure_years: 1
  certificates: [急救证]
  no_incident_years: {years: 3, incidents: [安全事故]}
"""
)
PERIODS = {
    "weekly": "2026-W47",
    "monthly": "2026-11",
    "quarterly": "2026-Q4",
    "half_year": "2026-H2",
    "yearly": "2026",
}


def _load_counting_queries(scheme_code: str) -> tuple[int, int, int]:
    from evaluations.models import Scheme

    scheme = Scheme.objects.get(code=scheme_code)
    period = period_get_or_create(scheme=scheme, key=PERIODS[scheme.period])
    version = SchemeVersion.objects.get(pk=scheme.current_version_id)
    assert version.config  # parsed before counting: parsing is not a query
    with CaptureQueriesContext(connection) as queries:
        inputs = load_inputs(version=version, period=period_bounds(period))
    return len(queries), len(inputs.participants), len(inputs.records)


@pytest.mark.parametrize("scheme_code", [*TEMPLATE_CODES, "front-desk-eligibility"])
def test_load_inputs_uses_a_constant_number_of_queries(org, scheme_code):
    counts = {}
    for size in (5, 50):
        with transaction.atomic():
            _organisation(scheme_code, size)
            counts[size] = _load_counting_queries(scheme_code)
            transaction.set_rollback(True)

    (small, small_people, small_records) = counts[5]
    (large, large_people, large_records) = counts[50]
    assert (small_people, large_people) == (5, 50)
    assert (small_records, large_records) == (10, 100)  # a rating and an incident each
    assert small == large
    # participants, records, (certificates | units | the month's closed weeks: list, latest
    # snapshot of each of the two, their winners)
    assert large <= 6


# ---------------------------------------------------------------- stars promotion


@pytest.fixture
def stars_team(org):
    scheme = import_template("property-weekly-stars")
    team = {number: clerk(org.unit_a_team, number) for number in ("K001", "K002", "K003")}
    return scheme, team


def _win_week(person, monday: date) -> None:
    """5 free-card sign-ups on Tuesday: the only non-zero total, so 1 red star from 购物免费办卡
    on top of 3 for a clean 日巡场记录 — net 4 against everyone else's 3."""
    add(person, date.fromordinal(monday.toordinal() + 1), "metric", "free_card_signups", 5)


def test_three_weekly_wins_in_a_month_promote_once(stars_team):
    scheme, team = stars_team
    weeks = {
        "2026-W43": date(2026, 10, 19),  # Sunday 25 October: another month
        "2026-W45": date(2026, 11, 2),
        "2026-W46": date(2026, 11, 9),
        "2026-W47": date(2026, 11, 16),
        "2026-W48": date(2026, 11, 23),  # Sunday 29 November
    }
    for monday in weeks.values():
        _win_week(team["K002"], monday)

    snapshots = {key: period_close(scheme=scheme, key=key).snapshot for key in weeks}

    for key, snapshot in snapshots.items():
        assert results_of(snapshot) == {
            "K002": (1, Decimal("4.00"), "本周服务之星"),
            "K001": (2, Decimal("3.00"), ""),
            "K003": (2, Decimal("3.00"), ""),
        }, key
    promotions = {
        key: {r.staff.employee_no: r.data["promotion"] for r in s.results.select_related("staff")}
        for key, s in snapshots.items()
    }
    assert promotions["2026-W43"] == {"K001": None, "K002": None, "K003": None}
    assert promotions["2026-W45"]["K002"] is None
    assert promotions["2026-W46"]["K002"] is None  # two November wins
    assert promotions["2026-W47"] == {
        "K001": None,
        "K002": {"title": "月度服务明星", "prize": "100"},
        "K003": None,
    }
    assert promotions["2026-W48"]["K002"] is None  # promoted once per month


def test_wins_in_an_unclosed_week_do_not_count(stars_team):
    scheme, team = stars_team
    for monday in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)):
        _win_week(team["K001"], monday)
    period_close(scheme=scheme, key="2026-W45")
    # 2026-W46 is left open: K001 won it on paper but it is not a closed week.

    w47 = period_close(scheme=scheme, key="2026-W47").snapshot

    assert w47.results.get(staff=team["K001"]).data["promotion"] is None


# ---------------------------------------------------------------- period boundaries


def test_period_keys_at_week_month_and_year_ends():
    assert period_for_date("weekly", date(2026, 11, 22)).key == "2026-W47"  # Sunday
    assert period_for_date("weekly", date(2026, 11, 23)).key == "2026-W48"  # Monday
    assert period_for_date("monthly", date(2026, 11, 30)).key == "2026-11"
    assert period_for_date("monthly", date(2026, 12, 1)).key == "2026-12"
    assert period_for_date("weekly", date(2026, 12, 31)).key == "2026-W53"
    assert period_for_date("weekly", date(2027, 1, 3)).key == "2026-W53"
    assert period_for_date("weekly", date(2027, 1, 4)).key == "2027-W01"
    assert period_for_date("quarterly", date(2026, 12, 31)).key == "2026-Q4"
    assert period_for_date("half_year", date(2026, 7, 1)).key == "2026-H2"


def test_weekly_close_takes_records_up_to_sunday(stars_team):
    scheme, team = stars_team
    sunday = add(team["K001"], date(2026, 11, 22), "warning", "PATROL-LATE")
    monday = add(team["K001"], date(2026, 11, 23), "warning", "PATROL-DRESS")

    w47 = period_close(scheme=scheme, key="2026-W47").snapshot
    w48 = period_close(scheme=scheme, key="2026-W48").snapshot

    def counted(snapshot):
        data = snapshot.results.get(staff=team["K001"]).data
        return [e["record_id"] for e in data["effects"] if e["record_id"]], data["score"]

    # One warning a week: 3 − 1 = 2 red stars each week.
    assert counted(w47) == ([sunday.pk], "2.00")
    assert counted(w48) == ([monday.pk], "2.00")


def test_monthly_close_takes_records_up_to_the_last_day(org, staff_a):
    scheme = import_yaml(FRONT_DESK)
    last = add(staff_a, date(2026, 11, 30), "deduction", "STD-01")
    first = add(staff_a, date(2026, 12, 1), "deduction", "STD-02")

    november = period_close(scheme=scheme, key="2026-11").snapshot
    december = period_close(scheme=scheme, key="2026-12").snapshot

    assert [e["record_id"] for e in november.results.get().data["effects"]] == [last.pk]
    assert [e["record_id"] for e in december.results.get().data["effects"]] == [first.pk]
    assert (november.results.get().score, december.results.get().score) == (
        Decimal("99.00"),
        Decimal("95.00"),
    )


def test_iso_week_53_spans_the_new_year(stars_team):
    scheme, team = stars_team
    record = add(team["K003"], date(2027, 1, 3), "warning", "PATROL-LATE")

    snapshot = period_close(scheme=scheme, key="2026-W53").snapshot

    assert (snapshot.period.start, snapshot.period.end) == (date(2026, 12, 28), date(2027, 1, 3))
    data = snapshot.results.get(staff=team["K003"]).data
    assert [e["record_id"] for e in data["effects"] if e["record_id"]] == [record.pk]
