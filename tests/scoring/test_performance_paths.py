"""The fast paths give the answers of the plain ones: standings kept up to date person by
person equal a computation from scratch after every kind of write, snapshots store and
hash what the plain JSON would, and fingerprints are unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from evaluations.ledger import (
    RecordDraft,
    record_create,
    record_update,
    record_void,
    records_bulk_create,
)
from scoring import standings
from scoring.engine import compute_period
from scoring.engine import types as t
from scoring.engine.periods import period_for_date
from scoring.models import ParticipantResult, Snapshot
from scoring.selectors import load_inputs, result_text, row_text, snapshot_verify
from scoring.services import (
    inputs_fingerprint,
    period_close,
    result_to_json,
    rollup_to_json,
    standing_compute,
    standing_json,
)
from scoring.signals import ledger_epoch_bump
from tests.factories import PositionFactory, StaffFactory, UnitFactory
from tests.frozen import at
from tests.schemes import import_template

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 18)  # Wednesday of 2026-W47


@pytest.fixture
def frozen():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def schemes(frozen, org):
    return [
        import_template(code)
        for code in (
            "property-monthly-quality",
            "property-weekly-stars",
            "tobacco-half-year-quality",
        )
    ]


@pytest.fixture
def people(org):
    clerks = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(5)]
    area = UnitFactory(name="城区片区", parent=UnitFactory(name="烟草营销部", path="烟草营销部"))
    visitors = [StaffFactory(unit=area, position=PositionFactory(name="专管员")) for _ in range(3)]
    return clerks + visitors


def write(capture, fn, **kwargs):
    with capture(execute=True):
        return fn(**kwargs)


def draft(person, kind, code, value=None, day=TODAY, **extra) -> RecordDraft:
    return RecordDraft(
        staff_id=person.pk,
        date=day,
        kind=kind,
        code=code,
        value=None if value is None else Decimal(str(value)),
        **extra,
    )


def fresh_rows(scheme) -> list[dict]:
    bounds = period_for_date(scheme.period, TODAY)
    outcome = compute_period(load_inputs(version=scheme.current_version, period=bounds))
    return [result_to_json(r) for r in outcome.results] + [
        rollup_to_json(r) for r in outcome.unit_rollup
    ]


def kept_rows(scheme) -> list[dict]:
    _bounds, outcome = standing_compute(scheme=scheme)
    return [result_to_json(r) for r in outcome.results] + [
        rollup_to_json(r) for r in outcome.unit_rollup
    ]


def full_runs() -> dict:
    return {key: entry.built for key, entry in standings._entries.items()}


def test_standings_follow_every_kind_of_write_person_by_person(
    schemes, people, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    clerk, other, *_rest, visitor = people
    write(capture, record_create, draft=draft(clerk, "warning", "PATROL-LATE"))
    write(capture, record_create, draft=draft(visitor, "deduction", "STD-PRICE", batch="B1"))
    for index, person in enumerate(people[:5]):  # an inverted pyramid with several steps
        metric = draft(person, "metric", "free_card_signups", 1 + index % 3)
        write(capture, record_create, draft=metric)
    for scheme in schemes:
        assert kept_rows(scheme) == fresh_rows(scheme)  # computed in full
    built = full_runs()
    write(capture, record_create, draft=draft(people[2], "warning", "PATROL-DRESS"))
    write(capture, record_create, draft=draft(people[3], "deduction", "PATROL-LATE"))
    for scheme in schemes:
        assert kept_rows(scheme) == fresh_rows(scheme)  # the pyramid's holders scored again

    record = write(capture, record_create, draft=draft(clerk, "deduction", "ATT-02", 3))
    write(capture, record_create, draft=draft(other, "metric", "free_card_signups", 4))
    write(capture, record_create, draft=draft(visitor, "deduction", "UP-LAWFUL", batch="B2"))
    write(capture, record_create, draft=draft(other, "complaint", "有责", note="投诉"))
    for scheme in schemes:
        assert kept_rows(scheme) == fresh_rows(scheme)
    write(
        capture,
        record_update,
        record=record,
        draft=draft(other, "deduction", "ATT-02", 5, day=TODAY - timedelta(days=1)),
        reason="记错人",
    )
    write(capture, record_void, record=record, reason="撤销")
    write(
        capture,
        records_bulk_create,
        drafts=[draft(p, "rating", "满意", 2) for p in people]
        + [draft(clerk, "metric", "attendance_rate", 96)],
    )
    for scheme in schemes:
        assert kept_rows(scheme) == fresh_rows(scheme)
        bounds, outcome, rows = standing_json(scheme=scheme)
        assert rows == [result_to_json(r) for r in outcome.results]
    assert full_runs() == built  # every update above was person by person


def test_a_change_of_unknown_extent_recomputes_in_full(schemes, people, org):
    quality = schemes[0]
    standing_compute(scheme=quality)
    built = full_runs()
    person = StaffFactory(unit=org.unit_a_team, position=org.position)
    record_create(draft=draft(person, "deduction", "CLEAN-01"))  # its commit never runs
    ledger_epoch_bump()  # as the catch-up job does: no staff named
    assert kept_rows(quality) == fresh_rows(quality)
    assert full_runs() != built


def test_a_write_outside_the_period_changes_nothing_kept(
    schemes, people, django_capture_on_commit_callbacks
):
    stars = schemes[1]
    before = kept_rows(stars)
    write(
        django_capture_on_commit_callbacks,
        record_create,
        draft=draft(people[0], "warning", "PATROL-LATE", day=TODAY - timedelta(days=30)),
    )
    assert kept_rows(stars) == before == fresh_rows(stars)


def test_format_1_fingerprints_hash_the_dataclass_reprs():
    from scoring.services import _participant_repr, _record_repr

    records = [
        t.Record(1, 2, date(2026, 1, 5), "deduction", "ATT-02", Decimal("3.0000"), note="脏'\""),
        t.Record(3, 4, date(2026, 1, 6), "rating", "满意", None, "management", "b", "网点"),
    ]
    people = [
        t.Participant(1, "E1", "张三", "星辰物业/客服部", "客服员", date(2020, 1, 1)),
        t.Participant(2, "E2", "李四", "a/b", "x", date(2021, 2, 3), frozenset({"证书"})),
    ]
    assert [_record_repr(r) for r in records] == [repr(r) for r in records]
    assert [_participant_repr(p) for p in people] == [repr(p) for p in people]
    inputs = t.Inputs({}, t.Period("2026-01", date(2026, 1, 1), date(2026, 1, 31)), people, records)
    plain = hashlib.sha256(b"v7|2026-01")
    for item in (*people, *records):
        plain.update(repr(item).encode())
    plain.update(repr([]).encode())
    plain.update(repr([]).encode())
    assert inputs_fingerprint(inputs, version_id=7, hash_format=1) == plain.hexdigest()


def test_a_format_2_fingerprint_changes_with_any_input_field():
    period = t.Period("2026-01", date(2026, 1, 1), date(2026, 1, 31))
    record = t.Record(1, 2, date(2026, 1, 5), "deduction", "ATT-02", Decimal("3.0000"))
    person = t.Participant(2, "E2", "李四", "a/b", "x", date(2021, 2, 3), frozenset({"甲", "乙"}))

    def fingerprint(people=(person,), records=(record,), **context):
        inputs = t.Inputs({}, period, tuple(people), tuple(records), **context)
        return inputs_fingerprint(inputs, version_id=7)

    same = fingerprint()
    assert fingerprint() == same
    assert fingerprint(people=[replace(person, certificates=frozenset({"乙", "甲"}))]) == same
    changed = [
        fingerprint(records=[replace(record, value=Decimal("3"))]),
        fingerprint(records=[replace(record, note="x")]),
        fingerprint(records=[replace(record, date=date(2026, 1, 6))]),
        fingerprint(records=[]),
        fingerprint(people=[replace(person, certificates=frozenset({"甲"}))]),
        fingerprint(people=[replace(person, unit_path="a")]),
        fingerprint(prior_wins={2: 1}),
        fingerprint(prior_promotions=frozenset({2})),
        fingerprint(units={"a/b": t.Unit("a/b", 2)}),
        inputs_fingerprint(t.Inputs({}, period, (person,), (record,)), version_id=8),
    ]
    assert same not in changed
    assert len(set(changed)) == len(changed)


def test_a_snapshot_stores_and_hashes_the_plain_json(
    schemes, people, django_capture_on_commit_callbacks
):
    tobacco = schemes[2]
    for person in people[-3:]:
        write(
            django_capture_on_commit_callbacks,
            record_create,
            draft=draft(person, "deduction", "STD-LICENSE", batch=f"B{person.pk}"),
        )
    key = period_for_date(tobacco.period, TODAY).key
    with time_machine.travel(at(date(2027, 1, 2)), tick=False):
        snapshot = period_close(scheme=tobacco, key=key).snapshot
    bounds = period_for_date(tobacco.period, TODAY)
    outcome = compute_period(load_inputs(version=tobacco.current_version, period=bounds))
    rows = [result_to_json(r) for r in outcome.results]
    stored = list(
        ParticipantResult.objects.filter(snapshot=snapshot)
        .order_by("position")
        .values_list("staff_id", "rank", "score", "data")
    )
    assert [row[3] for row in stored] == rows
    assert [(row[0], row[1], row[2]) for row in stored] == [
        (r.staff_id, r.rank, r.score) for r in outcome.results
    ]
    rollup = [rollup_to_json(r) for r in outcome.unit_rollup]
    compact = json.dumps(
        {"results": rows, "rollup": rollup},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert snapshot.hash_format == 2
    assert snapshot.content_hash == hashlib.sha256(compact.encode()).hexdigest()


def test_a_snapshot_hashed_in_format_1_still_verifies(
    schemes, people, django_capture_on_commit_callbacks
):
    """Snapshots stored before format 2 keep the hash of json.dumps' spaced separators."""
    tobacco = schemes[2]
    write(
        django_capture_on_commit_callbacks,
        record_create,
        draft=draft(people[-1], "deduction", "STD-LICENSE", batch="B1"),
    )
    key = period_for_date(tobacco.period, TODAY).key
    with time_machine.travel(at(date(2027, 1, 2)), tick=False):
        snapshot = period_close(scheme=tobacco, key=key).snapshot
    rows = list(
        ParticipantResult.objects.filter(snapshot=snapshot)
        .order_by("position")
        .values_list("data", flat=True)
    )
    spaced = json.dumps(
        {"results": rows, "rollup": snapshot.unit_rollup}, sort_keys=True, ensure_ascii=False
    )
    Snapshot.objects.filter(pk=snapshot.pk).update(
        hash_format=1, content_hash=hashlib.sha256(spaced.encode()).hexdigest()
    )
    snapshot.refresh_from_db()
    assert snapshot_verify(snapshot)
    tampered = {**rows[0], "flags": [*rows[0]["flags"], "改"]}
    ParticipantResult.objects.filter(snapshot=snapshot, position=0).update(data=tampered)
    assert not snapshot_verify(snapshot)


def test_a_streamed_report_equals_the_one_built_in_memory(
    schemes, people, django_capture_on_commit_callbacks
):
    from io import BytesIO

    from openpyxl import load_workbook

    from reports.exporters import report_data, report_sheets, write_report
    from starservice.workbooks import render_xlsx

    capture = django_capture_on_commit_callbacks
    clerk, other, *_rest, visitor = people
    write(capture, record_create, draft=draft(clerk, "warning", "PATROL-LATE", note="=1+1"))
    write(capture, record_create, draft=draft(other, "complaint", "有责", note="投诉"))
    write(capture, record_create, draft=draft(other, "deduction", "ATT-02", 3))
    write(capture, record_create, draft=draft(visitor, "deduction", "STD-PRICE", batch="B1"))
    for scheme in schemes:
        key = period_for_date(scheme.period, TODAY).key
        with time_machine.travel(at(date(2027, 1, 2)), tick=False):
            period_close(scheme=scheme, key=key)
        eager = render_xlsx(report_sheets(report_data(scheme=scheme, key=key)))
        streamed = BytesIO()
        lazy = report_data(scheme=scheme, key=key, load_results=False)
        assert lazy.results == [] and lazy.participants > 0
        write_report(lazy, streamed)
        books = [load_workbook(BytesIO(eager)), load_workbook(BytesIO(streamed.getvalue()))]
        assert books[0].sheetnames == books[1].sheetnames
        for name in books[0].sheetnames:
            sheets = [book[name] for book in books]
            cells = [
                [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()]
                for sheet in sheets
            ]
            assert cells[0] == cells[1], (scheme.code, name)


def test_reused_styled_cells_keep_each_value():
    from io import BytesIO

    from openpyxl import load_workbook

    from starservice.workbooks import SheetSpec, render_xlsx

    rows = [
        [Decimal("1.5"), Decimal("2.25"), date(2026, 1, 1), "=x", "text"],
        [Decimal("3"), None, date(2026, 1, 2), None, 7],
    ]
    spec = SheetSpec(
        "s", ["a", "b", "c", "d", "e"], rows, number_formats={"a": "0.00", "b": "0.00"}
    )
    sheet = load_workbook(BytesIO(render_xlsx([spec])))["s"]
    found = [[(c.value, c.number_format) for c in row] for row in sheet.iter_rows(min_row=2)]
    day = "yyyy-mm-dd"
    assert [[value for value, _format in row] for row in found] == [
        [1.5, 2.25, datetime(2026, 1, 1), "'=x", "text"],
        [3, None, datetime(2026, 1, 2), None, 7],
    ]
    assert [row[:3] for row in found] == [
        [(1.5, "0.00"), (2.25, "0.00"), (datetime(2026, 1, 1), day)],
        [(3, "0.00"), (None, "0.00"), (datetime(2026, 1, 2), day)],
    ]


def test_bulk_records_get_the_rows_and_history_the_orm_would_write(schemes, people, hr):
    from evaluations.models import Record

    drafts = [draft(p, "rating", "满意", 2, note=f"第{i}行") for i, p in enumerate(people)]
    drafts.append(draft(people[0], "deduction", "ATT-02", "3.5"))
    records_bulk_create(drafts=drafts, actor=hr)
    written = list(Record.objects.filter(note__startswith="第").order_by("pk"))
    written.append(Record.objects.get(code="ATT-02"))
    assert [(r.staff_id, r.note, r.source, r.created_by_id) for r in written] == [
        (d.staff_id, d.note, "import", hr.pk) for d in drafts
    ]
    assert written[-1].value == Decimal("3.5")
    assert all(r.content_key == d.content_key() for r, d in zip(written, drafts, strict=True))
    history = Record.history.filter(id__in=[r.pk for r in written])
    assert sorted(h.id for h in history) == sorted(r.pk for r in written)
    assert {(h.history_type, h.history_user_id, h.history_change_reason) for h in history} == {
        ("+", hr.pk, None)
    }
    assert all(h.created_at is not None for h in history)


def test_loaded_records_equal_records_built_the_plain_way():
    from scoring.selectors import _record

    row = (1, 2, date(2026, 1, 5), "deduction", "ATT-02", Decimal("3"), "staff", "", "", "x", "")
    built = _record(row)
    plain = t.Record(*row)
    assert built == plain and repr(built) == repr(plain) and hash(built) == hash(plain)
    assert built.__dict__ == plain.__dict__ and list(built.__dict__) == list(plain.__dict__)


def test_a_standing_taken_from_the_shared_cache_also_follows_writes(
    schemes, people, django_capture_on_commit_callbacks
):
    quality = schemes[0]
    write(
        django_capture_on_commit_callbacks,
        record_create,
        draft=draft(people[0], "deduction", "CLEAN-01"),
    )
    kept_rows(quality)  # computed in full, and shared
    standings.forget()  # another process: nothing in memory
    assert kept_rows(quality) == fresh_rows(quality)  # from the shared cache
    (entry,) = [e for e in standings._entries.values() if e.scheme_id == quality.pk]
    assert entry.inputs is None
    write(
        django_capture_on_commit_callbacks,
        record_create,
        draft=draft(people[1], "deduction", "ATT-02", 4),
    )
    assert kept_rows(quality) == fresh_rows(quality)
    (entry,) = [e for e in standings._entries.values() if e.scheme_id == quality.pk]
    assert entry.inputs is not None and not entry.records_known  # adopted, not recomputed


def test_result_text_is_the_compact_sorted_json_of_result_to_json():
    result = t.ParticipantResult(
        staff_id=5,
        score=Decimal("94.50"),
        raw_score=Decimal("94.5"),
        grade="良好",
        rank=2,
        parts={
            "categories": {"CLEAN": Decimal("9.00"), 10: Decimal("1")},
            "retraining_date": date(2026, 3, 1),
            "derived": [{"from": 7, "points": Decimal("-0.50")}],
        },
        flags=["缺数据"],
        veto=[t.VetoHit("有责投诉", (11, 12))],
        ineligible=["入职未满1年"],
        award="月度服务之星",
        promotion={"title": "月度服务明星", "prize": Decimal("100")},
        effects=[
            t.Effect(11, "complaint", "有责", "投诉", None, Decimal("-5.00")),
            t.Effect(None, "deduction", "CLEAN", "清洁卫生", None, Decimal("1.00"), "扣完为止", 9),
        ],
    )
    data = result_to_json(result)
    compact = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    assert result_text(result) == row_text(data) == compact
    assert data["veto"] == [{"rule": "有责投诉", "record_ids": [11, 12]}]
    assert data["parts"]["categories"] == {"CLEAN": "9.00", "10": "1"}
    assert data["effects"][1]["derived_from"] == 9


def test_record_effect_is_the_effect_the_dataclass_makes():
    from dataclasses import FrozenInstanceError

    made = t.record_effect(7, "deduction", "CLEAN-01", "地面有垃圾杂物", None, Decimal("-1.00"))
    plain = t.Effect(7, "deduction", "CLEAN-01", "地面有垃圾杂物", None, Decimal("-1.00"))

    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    with pytest.raises(FrozenInstanceError):
        made.points = Decimal("0")


def test_results_of_a_snapshot_are_read_without_joining_its_period_and_scheme():
    """The default order of results is by snapshot id: a query of one snapshot's results
    (the promotion look-back, a person's notice lines) reads one table."""
    sql = str(ParticipantResult.objects.filter(snapshot_id=1).values_list("staff_id").query)
    assert "JOIN" not in sql
    assert sql.endswith(
        'ORDER BY "scoring_participantresult"."snapshot_id" ASC, '
        '"scoring_participantresult"."position" ASC'
    )
