"""The evidence ledger: the records workbook import (FORMATS.md) and single-record writes."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO, StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from audit.models import AuditEntry
from evaluations import ledger
from evaluations.ledger import (
    RecordDraft,
    RecordInvalid,
    local_date,
    record_create,
    record_update,
    record_void,
    records_import,
)
from evaluations.models import Record
from scoring.engine.periods import period_for_date
from scoring.models import Period
from scoring.services import period_close, period_reopen
from tests.factories import PositionFactory, StaffFactory, UnitFactory
from tests.schemes import import_template
from tests.workbooks import records_workbook, write_records_workbook, xlsx_bytes

pytestmark = pytest.mark.django_db

WEEK_47_DAY = date(2026, 11, 20)  # a Friday in 2026-W47 (16–22 November)
UNKNOWN_KIND = "must be one of 扣分、警告、加分、指标、评价、投诉、事件、得分, not 罚款"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def schemes(db):
    return {
        code: import_template(code)
        for code in (
            "property-weekly-stars",  # 客服员
            "property-monthly-quality",  # 保洁员, 秩序维护员, 水电工, 客服员
            "bank-quarterly-weighted",  # 柜员, 大堂经理
            "bank-yearly-points",  # 柜员, 大堂经理, 科长
        )
    }


@pytest.fixture
def clerk(schemes, staff_a):
    """客服员: weekly stars and monthly quality."""
    staff_a.employee_no = "A001"
    staff_a.save()
    return staff_a


@pytest.fixture
def teller(schemes, org):
    """柜员 with a numeric 工号: bank weighted and bank points."""
    branch = UnitFactory(name="城南支行")
    counter = UnitFactory(name="营业室", parent=branch)
    return StaffFactory(
        employee_no="20001", name="陈柜员", unit=counter, position=PositionFactory(name="柜员")
    )


@pytest.fixture
def cleaner(schemes, org):
    """保洁员: monthly quality only."""
    return StaffFactory(
        employee_no="C001", name="赵保洁", unit=org.unit_b, position=PositionFactory(name="保洁员")
    )


@pytest.fixture
def inspector(org):
    return StaffFactory(employee_no="I001", name="周检查", unit=org.unit_a, position=org.position)


def row(day=WEEK_47_DAY, no="A001", kind="扣分", code="CLEAN-01", value=None, **extra) -> dict:
    values = {"日期": day, "工号": no, "类型": kind, "编码": code, "数值": value}
    values.update(extra)
    return values


def ledger_state():
    return (
        Record.objects.count(),
        Record.history.count(),
        AuditEntry.objects.filter(action="records.imported").count(),
    )


# ---------------------------------------------------------------- a good file


def test_good_file_with_every_kind_is_imported(clerk, teller, cleaner, inspector, hr):
    rows = [
        row(date(2026, 11, 16), "A001", "扣分", "CLEAN-01", 2, 检查人="I001", 备注="地面纸屑"),
        row(date(2026, 11, 16), "A001", "扣分", "ATT-02", 3, 检查人="周检查", 批次="巡检-1"),
        row("2026-11-17", "A001", "警告", "PATROL-LATE"),
        row(date(2026, 11, 17), "A001", "加分", "TEAM", 1),
        row(date(2026, 11, 18), "A001", "指标", "free_card_signups", 5),
        row(date(2026, 11, 18), "A001", "评价", "满意", 3),
        row(date(2026, 11, 19), 20001, "投诉", "有责", 级别="分行", 备注="柜台等候过久"),
        row(date(2026, 11, 19), "A001", "投诉", "无责", 级别="网点"),
        row(date(2026, 11, 20), "A001", "事件", "违纪通报"),
        row(date(2026, 11, 20), "20001", "得分", "MYSTERY", 88.5),
        row(date(2026, 11, 20), "20001", "扣分", "P-LATE", None, 责任="管理"),
        row(datetime(2026, 11, 21, 9, 45), "20001", "加分", "P-STAR"),
        row(date(2026, 11, 21), "C001", "扣分", "GREEN-01", 1, 责任="员工"),
    ]

    result = records_import(source=records_workbook(rows), actor=hr)

    assert result.problems == []
    assert (result.rows, result.created, result.already_present) == (13, 13, 0)
    stored = list(
        Record.objects.order_by("pk").values_list(
            "staff__employee_no",
            "date",
            "kind",
            "code",
            "value",
            "responsibility",
            "level",
            "batch",
            "source",
        )
    )
    staff, imported = Record.Responsibility.STAFF, Record.Source.IMPORT
    management = Record.Responsibility.MANAGEMENT
    assert stored == [
        ("A001", date(2026, 11, 16), "deduction", "CLEAN-01", Decimal(2), staff, "", "", imported),
        (
            "A001",
            date(2026, 11, 16),
            "deduction",
            "ATT-02",
            Decimal(3),
            staff,
            "",
            "巡检-1",
            imported,
        ),
        ("A001", date(2026, 11, 17), "warning", "PATROL-LATE", None, staff, "", "", imported),
        ("A001", date(2026, 11, 17), "bonus", "TEAM", Decimal(1), staff, "", "", imported),
        (
            "A001",
            date(2026, 11, 18),
            "metric",
            "free_card_signups",
            Decimal(5),
            staff,
            "",
            "",
            imported,
        ),
        ("A001", date(2026, 11, 18), "rating", "满意", Decimal(3), staff, "", "", imported),
        ("20001", date(2026, 11, 19), "complaint", "有责", None, staff, "分行", "", imported),
        ("A001", date(2026, 11, 19), "complaint", "无责", None, staff, "网点", "", imported),
        ("A001", date(2026, 11, 20), "incident", "违纪通报", None, staff, "", "", imported),
        ("20001", date(2026, 11, 20), "score", "MYSTERY", Decimal("88.5"), staff, "", "", imported),
        ("20001", date(2026, 11, 20), "deduction", "P-LATE", None, management, "", "", imported),
        ("20001", date(2026, 11, 21), "bonus", "P-STAR", None, staff, "", "", imported),
        ("C001", date(2026, 11, 21), "deduction", "GREEN-01", Decimal(1), staff, "", "", imported),
    ]
    first, second = Record.objects.order_by("pk")[:2]
    # 检查人 by employee number or by name both find the inspector; the text is kept as typed.
    assert (first.inspector_id, first.inspector_name, first.note) == (
        inspector.pk,
        "I001",
        "地面纸屑",
    )
    assert (second.inspector_id, second.inspector_name) == (inspector.pk, "周检查")
    assert Record.objects.filter(created_by=hr).count() == 13
    assert Record.history.filter(history_type="+").count() == 13
    entry = AuditEntry.objects.get(action="records.imported")
    assert (entry.actor, entry.summary) == (hr, "13 records imported")


def test_an_import_runs_with_the_cyclic_collector_paused(clerk, monkeypatch):
    seen = []
    read = ledger.read_sheet

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return read(*args, **kwargs)

    monkeypatch.setattr(ledger, "read_sheet", spy)
    gc.enable()
    result = records_import(source=records_workbook([row()]))

    assert result.ok and result.created == 1
    assert seen == [False] and gc.isenabled()


def test_title_row_above_the_header_is_accepted(clerk):
    source = records_workbook([row(code="CLEAN-02")], title="2026年11月 巡检记录")

    result = records_import(source=source)

    assert result.problems == []
    assert result.created == 1
    assert Record.objects.get().code == "CLEAN-02"


def test_extra_columns_and_column_order_are_free(clerk):
    headers = ["备注", "编码", "来源表", "类型", "工号", "日期"]
    source = records_workbook(
        [
            {
                "备注": "抽查",
                "编码": "CLEAN-01",
                "来源表": "纸质",
                "类型": "扣分",
                "工号": "A001",
                "日期": WEEK_47_DAY,
            }
        ],
        headers=headers,
    )

    result = records_import(source=source)

    assert result.problems == []
    assert Record.objects.get().note == "抽查"


def test_dry_run_previews_without_writing(clerk):
    result = records_import(source=records_workbook([row(value=2)]), dry_run=True)

    assert (result.ok, result.created) == (True, 1)
    assert Record.objects.count() == 0
    assert result.preview == [
        {
            "row": 2,
            "日期": WEEK_47_DAY,
            "工号": "A001",
            "类型": "扣分",
            "编码": "CLEAN-01",
            "数值": Decimal(2),
        }
    ]


def test_deduction_count_zero_records_a_clean_inspection(clerk):
    """The deduction engine reads a 扣分 row with 数值 0 as a clean visit (per-inspection
    averaging needs it); the ledger accepts it, while a negative count is refused."""
    result = records_import(source=records_workbook([row(value=0, 批次="巡检-2")]))

    assert result.problems == []
    assert Record.objects.get().value == Decimal(0)


# ---------------------------------------------------------------- bad rows


BAD_ROWS = [
    pytest.param(
        row(no="X999"), "row 3, column 工号: unknown employee number X999", id="unknown-employee"
    ),
    pytest.param(row(no=None), "row 3, column 工号: is required", id="missing-employee"),
    pytest.param(
        row(kind="罚款"),
        f"row 3, column 类型: {UNKNOWN_KIND}",
        id="unknown-kind",
    ),
    pytest.param(
        row(code="NOPE-01"),
        "row 3, column 编码: NOPE-01 is not a 扣分 code of any scheme this person takes part in",
        id="unknown-code",
    ),
    pytest.param(
        row(kind="得分", code="MYSTERY", value=80),
        "row 3, column 编码: MYSTERY is not a 得分 code of any scheme this person takes part in",
        id="code-of-another-positions-scheme",
    ),
    pytest.param(
        row(code="P-LATE"),
        "row 3, column 编码: P-LATE is not a 扣分 code of any scheme this person takes part in",
        id="item-of-another-positions-scheme",
    ),
    pytest.param(
        row(kind="加分", code="CLEAN-01"),
        "row 3, column 编码: CLEAN-01 is not a 加分 code of any scheme this person takes part in",
        id="code-of-another-kind",
    ),
    pytest.param(
        row(day="2026/11/20"),
        "row 3, column 日期: 2026/11/20 is not a date (use an Excel date or YYYY-MM-DD)",
        id="date-not-a-date",
    ),
    pytest.param(row(day=None), "row 3, column 日期: is required", id="date-missing"),
    pytest.param(
        row(value="两次"), "row 3, column 数值: 两次 is not a number", id="value-not-a-number"
    ),
    pytest.param(
        row(code="ATT-02", value=6),
        "row 3, column 数值: 6 is outside the item's range 2–5",
        id="range-above",
    ),
    pytest.param(
        row(code="ATT-02", value=1.5),
        "row 3, column 数值: 1.5 is outside the item's range 2–5",
        id="range-below",
    ),
    pytest.param(
        row(code="ATT-02"),
        "row 3, column 数值: the points (2–5) are required for this item",
        id="range-missing",
    ),
    pytest.param(
        row(no="20001", kind="得分", code="MYSTERY", value=100.5),
        "row 3, column 数值: a score must lie between 0 and 100",
        id="score-above-100",
    ),
    pytest.param(
        row(no="20001", kind="得分", code="MYSTERY", value=-1),
        "row 3, column 数值: a score must lie between 0 and 100",
        id="score-below-0",
    ),
    pytest.param(
        row(no="20001", kind="得分", code="MYSTERY"),
        "row 3, column 数值: is required",
        id="score-missing",
    ),
    pytest.param(
        row(kind="指标", code="free_card_signups"),
        "row 3, column 数值: is required",
        id="metric-missing",
    ),
    pytest.param(
        row(责任="领导"),
        "row 3, column 责任: must be 员工 or 管理, not 领导",
        id="bad-responsibility",
    ),
    pytest.param(
        row(kind="评价", code="很满意"),
        "row 3, column 编码: a rating must be 满意, 基本满意 or 不满意",
        id="bad-rating",
    ),
    pytest.param(
        row(kind="投诉", code="有效"),
        "row 3, column 编码: a complaint must be 有责 or 无责",
        id="bad-complaint",
    ),
    pytest.param(row(code=None), "row 3, column 编码: is required", id="code-missing"),
    pytest.param(
        row(value=-1), "row 3, column 数值: a count cannot be negative", id="negative-count"
    ),
    pytest.param(
        row(kind="警告", code="PATROL-LATE", value=0),
        "row 3, column 数值: a count must be positive",
        id="zero-warnings",
    ),
]


@pytest.mark.parametrize(("bad", "problem"), BAD_ROWS)
def test_bad_row_is_reported_and_nothing_is_written(clerk, teller, bad, problem):
    rows = [row(code="CLEAN-02"), bad]  # row 2 is good, row 3 is not

    result = records_import(source=records_workbook(rows))

    assert result.problems == [problem]
    assert not result.ok
    assert result.created == 0
    assert ledger_state() == (0, 0, 0)


def test_all_problems_are_reported_at_once_in_row_order(clerk, teller):
    rows = [
        row(code="NOPE-01"),  # 2: found when checking against the schemes
        row(day="yesterday"),  # 3: found when reading the row
        row(code="CLEAN-02"),  # 4: fine
        row(no="X999", kind="罚款"),  # 5: two problems
        row(no="20001", kind="得分", code="REMOTE", value=120),  # 6
    ]

    result = records_import(source=records_workbook(rows))

    assert result.problems == [
        "row 2, column 编码: NOPE-01 is not a 扣分 code of any scheme this person takes part in",
        "row 3, column 日期: yesterday is not a date (use an Excel date or YYYY-MM-DD)",
        "row 5, column 工号: unknown employee number X999",
        f"row 5, column 类型: {UNKNOWN_KIND}",
        "row 6, column 数值: a score must lie between 0 and 100",
    ]
    assert ledger_state() == (0, 0, 0)


def test_row_numbers_count_the_title_row(clerk):
    result = records_import(
        source=records_workbook([row(code="CLEAN-02"), row(code="NOPE-01")], title="十一月")
    )

    assert result.problems == [
        "row 4, column 编码: NOPE-01 is not a 扣分 code of any scheme this person takes part in"
    ]


def test_blank_rows_are_skipped_but_keep_their_numbers(clerk):
    rows = [row(code="CLEAN-02"), {}, row(code="NOPE-01")]

    result = records_import(source=records_workbook(rows))

    assert result.problems == [
        "row 4, column 编码: NOPE-01 is not a 扣分 code of any scheme this person takes part in"
    ]


def test_closed_period_refuses_rows_that_count_in_it(clerk, cleaner):
    """2026-W47 of the weekly stars scheme is closed. A 警告 on PATROL-LATE counts there, so
    it is refused; CLEAN-01 is known only to the (open) monthly scheme, so the same date is
    fine for the same person; a rating counts in every scheme of its person, so it is refused
    for the 客服员 and accepted for the 保洁员, who is not in the stars scheme."""
    period_close(scheme=clerk_scheme("property-weekly-stars"), key="2026-W47")
    rows = [
        row(kind="警告", code="PATROL-LATE"),
        row(code="CLEAN-01"),
        row(no="C001", kind="评价", code="满意"),
        row(kind="评价", code="满意"),
        row(day=date(2026, 11, 23), kind="警告", code="PATROL-LATE"),  # Monday of W48: open
    ]

    result = records_import(source=records_workbook(rows))

    closed = "2026-11-20 is in period 2026-W47 of 客服部每周服务之星, which is closed"
    assert result.problems == [f"row 2, column 日期: {closed}", f"row 5, column 日期: {closed}"]
    assert Record.objects.count() == 0

    result = records_import(source=records_workbook([rows[1], rows[2], rows[4]]))

    assert (result.problems, result.created) == ([], 3)


def clerk_scheme(code):
    from evaluations.models import Scheme

    return Scheme.objects.get(code=code)


# ---------------------------------------------------------------- unreadable files


def test_missing_sheet(clerk):
    source = records_workbook([row()], sheet="Sheet1")

    result = records_import(source=source)

    assert result.problems == ["the workbook has no sheet named 记录"]
    assert Record.objects.count() == 0


def test_missing_header(clerk):
    source = records_workbook(
        [{"日期": WEEK_47_DAY, "工号": "A001", "编码": "CLEAN-01"}],
        headers=["日期", "工号", "编码"],
    )

    result = records_import(source=source)

    assert result.problems == ["no header row in the first 5 rows; missing columns: 类型"]


def test_header_below_row_five_is_not_found(clerk):
    rows = [["说明"]] * 5 + [
        ["日期", "工号", "类型", "编码"],
        [WEEK_47_DAY, "A001", "扣分", "CLEAN-01"],
    ]

    result = records_import(source=BytesIO(xlsx_bytes("记录", None, rows)))

    assert result.problems == [
        "no header row in the first 5 rows; missing columns: 日期、工号、类型、编码"
    ]


def test_not_an_xlsx(clerk):
    result = records_import(source=BytesIO(b"\xe6\x97\xa5\xe6\x9c\x9f,\xe5\xb7\xa5\xe5\x8f\xb7\n"))

    assert result.problems == ["the file is not a readable .xlsx workbook (BadZipFile)"]
    assert Record.objects.count() == 0


def test_header_only_sheet(clerk):
    result = records_import(source=records_workbook([]))

    assert result.problems == ["the sheet 记录 has no rows"]


# ---------------------------------------------------------------- idempotency


def test_same_file_twice_adds_nothing(clerk):
    rows = [row(value=2), row(code="CLEAN-02"), row(kind="评价", code="满意", value=3)]
    first = records_import(source=records_workbook(rows))

    second = records_import(source=records_workbook(rows))

    assert (first.created, first.already_present) == (3, 0)
    assert (second.created, second.already_present) == (0, 3)
    assert Record.objects.count() == 3
    assert AuditEntry.objects.filter(action="records.imported").count() == 1


def test_a_row_held_twice_adds_the_missing_copy(clerk):
    """Two identical findings on one day are two records: the ledger keeps
    max(existing 1, in file 2) = 2 copies."""
    records_import(source=records_workbook([row()]))

    result = records_import(source=records_workbook([row(), row()]))
    again = records_import(source=records_workbook([row(), row()]))

    assert (result.created, result.already_present) == (1, 1)
    assert (again.created, again.already_present) == (0, 2)
    assert Record.objects.filter(code="CLEAN-01").count() == 2


def test_voided_records_do_not_count_as_existing(clerk, hr):
    records_import(source=records_workbook([row()]))
    record_void(record=Record.objects.get(), actor=hr, reason="录入错误")

    result = records_import(source=records_workbook([row()]))

    assert (result.created, result.already_present) == (1, 0)
    assert list(Record.objects.order_by("pk").values_list("voided", flat=True)) == [True, False]


def test_a_record_entered_in_the_app_counts_as_existing(clerk):
    record_create(
        draft=RecordDraft(staff_id=clerk.pk, date=WEEK_47_DAY, kind="deduction", code="CLEAN-01")
    )

    result = records_import(source=records_workbook([row()]))

    assert (result.created, result.already_present) == (0, 1)


def test_different_content_is_not_a_copy(clerk):
    records_import(source=records_workbook([row(value=1)]))

    result = records_import(source=records_workbook([row(value=1, 备注="复查")]))

    assert result.created == 1


# ---------------------------------------------------------------- the command


def test_import_records_command_success(clerk, tmp_path):
    path = write_records_workbook(tmp_path / "记录.xlsx", [row(), row(code="CLEAN-02")])
    out = StringIO()

    call_command("import_records", str(path), stdout=out)
    call_command("import_records", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "2 rows: 2 records added, 0 already present",
        "2 rows: 0 records added, 2 already present",
    ]
    assert Record.objects.count() == 2


def test_import_records_command_bad_rows(clerk, tmp_path):
    path = write_records_workbook(
        tmp_path / "bad.xlsx", [row(), row(no="X999"), row(code="ATT-02", value=9)]
    )
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_records", str(path), stderr=err)

    assert raised.value.returncode == 1
    assert str(raised.value) == "2 problem(s); nothing imported"
    assert err.getvalue().splitlines() == [
        "row 3, column 工号: unknown employee number X999",
        "row 4, column 数值: 9 is outside the item's range 2–5",
    ]
    assert Record.objects.count() == 0


def test_import_records_command_unreadable_file(clerk, tmp_path):
    missing = tmp_path / "nope.xlsx"
    text = tmp_path / "records.csv"
    text.write_text("日期,工号\n", encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_records", str(missing))
    assert str(missing) in str(raised.value)

    with pytest.raises(CommandError) as raised:
        call_command("import_records", str(text), stderr=err)
    assert err.getvalue().strip() == "the file is not a readable .xlsx workbook (BadZipFile)"


# ---------------------------------------------------------------- single records


def draft(person, **fields) -> RecordDraft:
    values = {"staff_id": person.pk, "date": WEEK_47_DAY, "kind": "deduction", "code": "CLEAN-01"}
    values.update(fields)
    return RecordDraft(**values)


def test_record_create_writes_history_and_audit(clerk, inspector_a):
    record = record_create(draft=draft(clerk, value=Decimal(2), note="地面纸屑"), actor=inspector_a)

    assert (record.source, record.created_by, record.value) == ("app", inspector_a, Decimal(2))
    history = record.history.get()
    assert (history.history_type, history.history_user) == ("+", inspector_a)
    entry = AuditEntry.objects.get(action="record.created")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        inspector_a,
        "evaluations.record",
        str(record.pk),
    )


def test_record_create_validates_like_the_import(clerk):
    with pytest.raises(RecordInvalid) as raised:
        record_create(draft=draft(clerk, code="ATT-02", value=Decimal(7)))

    assert (raised.value.field, raised.value.message) == (
        "value",
        "7 is outside the item's range 2–5",
    )
    assert Record.objects.count() == 0


def test_record_update_needs_a_reason(clerk, hr):
    record = record_create(draft=draft(clerk))

    with pytest.raises(RecordInvalid) as raised:
        record_update(record=record, draft=draft(clerk, code="CLEAN-02"), actor=hr, reason="  ")

    assert raised.value.field == "reason"
    record.refresh_from_db()
    assert record.code == "CLEAN-01"
    assert record.history.count() == 1


def test_record_update_keeps_history_and_audit(clerk, hr):
    record = record_create(draft=draft(clerk, value=Decimal(1)))

    record_update(
        record=record, draft=draft(clerk, value=Decimal(3)), actor=hr, reason="复核后改为3处"
    )

    record.refresh_from_db()
    assert record.value == Decimal(3)
    latest = record.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == (
        "~",
        "复核后改为3处",
        hr,
    )
    assert record.history.earliest("history_id").value == Decimal(1)
    entry = AuditEntry.objects.get(action="record.updated")
    assert entry.reason == "复核后改为3处"
    assert (entry.before["value"], entry.after["value"]) == ("1", "3")


def test_record_void_needs_a_reason_and_is_kept(clerk, hr):
    record = record_create(draft=draft(clerk))

    with pytest.raises(RecordInvalid):
        record_void(record=record, actor=hr, reason="")
    record_void(record=record, actor=hr, reason="重复录入")

    record.refresh_from_db()
    assert (record.voided, record.void_reason) == (True, "重复录入")
    latest = record.history.order_by("-history_id").first()
    assert (latest.voided, latest.history_change_reason, latest.history_user) == (
        True,
        "重复录入",
        hr,
    )
    assert AuditEntry.objects.get(action="record.voided").reason == "重复录入"


def test_closed_period_freezes_records_until_reopened(clerk, hr):
    stars = clerk_scheme("property-weekly-stars")
    warning = record_create(draft=draft(clerk, kind="warning", code="PATROL-LATE"))
    period_close(scheme=stars, key="2026-W47")
    closed = "2026-11-20 is in period 2026-W47 of 客服部每周服务之星, which is closed"

    with pytest.raises(RecordInvalid) as raised:
        record_create(draft=draft(clerk, kind="warning", code="PATROL-DRESS"))
    assert (raised.value.field, raised.value.message) == ("date", closed)
    with pytest.raises(RecordInvalid) as raised:
        record_update(
            record=warning, draft=draft(clerk, kind="warning", code="PATROL-POST"), reason="改"
        )
    assert "HR must reopen it first" in raised.value.message
    with pytest.raises(RecordInvalid):
        record_void(record=warning, reason="撤销")
    # Moving a record of an open week into the closed one is refused as well.
    later = record_create(
        draft=draft(clerk, kind="warning", code="PATROL-LATE", date=date(2026, 11, 23))
    )
    with pytest.raises(RecordInvalid) as raised:
        record_update(
            record=later, draft=draft(clerk, kind="warning", code="PATROL-LATE"), reason="日期录错"
        )
    assert raised.value.message == closed
    # CLEAN-01 counts only in the monthly scheme, which is open.
    record_create(draft=draft(clerk, code="CLEAN-01"))

    period_reopen(
        period=Period.objects.get(scheme=stars, key="2026-W47"), actor=hr, reason="员工申诉成立"
    )

    record_create(draft=draft(clerk, kind="warning", code="PATROL-DRESS"))
    record_update(
        record=warning, draft=draft(clerk, kind="warning", code="PATROL-POST"), reason="改"
    )
    record_void(record=warning, reason="申诉成立")
    warning.refresh_from_db()
    assert (warning.code, warning.voided) == ("PATROL-POST", True)
    assert AuditEntry.objects.filter(action="period.reopened", reason="员工申诉成立").count() == 1


def test_period_reopen_needs_a_reason(clerk):
    from scoring.services import PeriodError

    outcome = period_close(scheme=clerk_scheme("property-weekly-stars"), key="2026-W47")

    with pytest.raises(PeriodError):
        period_reopen(period=outcome.snapshot.period, reason=" ")
    assert Period.objects.get().status == Period.Status.CLOSED


# ---------------------------------------------------------------- dates from the app


def test_local_date_takes_the_site_time_zone(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    late_evening = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    same_instant_utc = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    after_midnight_utc = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 01:30 on the 23rd there

    assert local_date(late_evening) == date(2026, 11, 22)
    assert local_date(same_instant_utc) == date(2026, 11, 22)
    assert local_date(after_midnight_utc) == date(2026, 11, 23)
    assert period_for_date("weekly", local_date(same_instant_utc)).key == "2026-W47"
    assert period_for_date("weekly", local_date(after_midnight_utc)).key == "2026-W48"
    # A naive value (an Excel date-time) is already local: cut to its date.
    assert local_date(datetime(2026, 11, 22, 23, 30)) == date(2026, 11, 22)
    assert local_date(date(2026, 11, 22)) == date(2026, 11, 22)


def test_record_entered_late_on_sunday_lands_in_that_week(clerk):
    entered = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 Sunday in Shanghai

    record = record_create(
        draft=draft(clerk, date=local_date(entered), kind="warning", code="PATROL-LATE")
    )
    outcome = period_close(scheme=clerk_scheme("property-weekly-stars"), key="2026-W47")

    assert record.date == date(2026, 11, 22)
    result = outcome.snapshot.results.get(staff=clerk)
    assert [e["record_id"] for e in result.data["effects"] if e["record_id"]] == [record.pk]
