"""The records list, a record's history, correcting and voiding; grid entry; the records
workbook import pages."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.ledger import RecordDraft, record_create
from evaluations.models import Record
from inspections.views import IMPORT_SESSION_KEY
from scoring.engine.periods import period_for_date
from scoring.services import period_close
from tests.factories import StaffFactory
from tests.workbooks import records_workbook

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def write(person, actor, code="PATROL-LATE", kind=Record.Kind.WARNING, day=None, **extra):
    draft = RecordDraft(
        staff_id=person.pk,
        date=day or timezone.localdate(),
        kind=kind,
        code=code,
        inspector_name="周检查",
        **extra,
    )
    return record_create(draft=draft, actor=actor)


# ---------------------------------------------------------------- list


def test_list_shows_only_supervised_people_and_filters(
    client, inspector_a, schemes, staff_a, staff_b, hr
):
    mine = write(staff_a, inspector_a)
    write(staff_a, inspector_a, code="CLEAN-01", kind=Record.Kind.DEDUCTION)
    write(staff_b, hr)
    client.force_login(inspector_a)

    everything = client.get(url("records")).context["page"].object_list
    warnings = client.get(url("records"), {"kind": "warning", "person": "zxm"}).context["page"]

    assert {r.staff_id for r in everything} == {staff_a.pk}
    assert [r.pk for r in warnings.object_list] == [mine.pk]
    assert client.get(url("record_detail", everything[0].pk)).status_code == 200
    other = Record.objects.get(staff=staff_b)
    assert client.get(url("record_detail", other.pk)).status_code == 404


def test_period_filter_needs_a_scheme_and_a_key_of_its_kind(client, hr, schemes):
    client.force_login(hr)
    stars = schemes["property-weekly-stars"]

    no_scheme = client.get(url("records"), {"period": "2026-W47"})
    wrong_key = client.get(url("records"), {"scheme": stars.pk, "period": "2026-11"})
    week = client.get(url("records"), {"scheme": stars.pk, "period": "2026-W47"})

    assert no_scheme.context["form"].errors == {"period": ["请选择此周期所属的考评方案。"]}
    assert "不是「客服部每周服务之星」的周期" in wrong_key.context["form"].errors["period"][0]
    assert week.context["form"].cleaned_data["bounds"].start == date(2026, 11, 16)


def test_list_query_count_is_fixed(client, hr, schemes, staff_a, django_assert_num_queries):
    for _n in range(3):
        write(staff_a, hr)
    client.force_login(hr)
    client.get(url("records"))

    # session, user, roles (3), count, page, schemes (item names), filter choices (2), the
    # navbar's unread notifications
    with django_assert_num_queries(11):
        client.get(url("records"))
    for _n in range(20):
        write(StaffFactory(unit=staff_a.unit, position=staff_a.position), hr)
    with django_assert_num_queries(12):  # + the chosen unit
        client.get(url("records"), {"kind": "warning", "unit": staff_a.unit.pk})


# ---------------------------------------------------------------- history, correct, void


def test_author_corrects_with_a_reason_and_the_history_shows_it(
    client, inspector_a, schemes, staff_a
):
    record = write(staff_a, inspector_a)
    client.force_login(inspector_a)
    data = {
        "date": record.date.isoformat(),
        "kind": "deduction",
        "code": "PATROL-LATE",
        "value": "",
        "responsibility": "staff",
        "note": "",
    }

    no_reason = client.post(url("record_correct", record.pk), data)
    assert no_reason.context["form"].errors == {"reason": ["这个字段是必填项。"]}
    client.post(url("record_correct", record.pk), data | {"reason": "应为扣分"})

    history = client.get(url("record_detail", record.pk)).context["history"]
    assert [entry["row"].history_type for entry in history] == ["+", "~"]
    assert history[1]["row"].history_change_reason == "应为扣分"
    assert history[1]["changes"] == [("类型", "warning", "deduction")]


def test_correction_the_ledger_refuses_is_shown_next_to_the_field(
    client, inspector_a, schemes, staff_a
):
    record = write(staff_a, inspector_a)
    client.force_login(inspector_a)

    response = client.post(
        url("record_correct", record.pk),
        {
            "date": record.date,
            "kind": "deduction",
            "code": "ATT-02",
            "value": "9",
            "responsibility": "staff",
            "reason": "改",
        },
    )

    assert "超出该项目的范围 2–5" in response.context["form"].errors["value"][0]


def test_void_in_a_closed_period_is_refused_with_the_ledgers_message(client, hr, schemes, staff_a):
    day = timezone.localdate() - timedelta(days=7)
    record = write(staff_a, hr, day=day)
    key = period_for_date("weekly", day).key
    period_close(scheme=schemes["property-weekly-stars"], key=key)
    client.force_login(hr)

    response = client.post(url("record_void", record.pk), {"reason": "重复录入"})

    assert (
        "已关闭" in response.context["form"].errors["reason"][0] or response.context["form"].errors
    )
    record.refresh_from_db()
    assert not record.voided


def test_void_keeps_the_reason_and_only_author_or_hr_may(
    client, inspector_a, hr, head_a, schemes, staff_a
):
    record = write(staff_a, hr)
    client.force_login(inspector_a)
    assert client.get(url("record_void", record.pk)).status_code == 403
    client.force_login(hr)

    client.post(url("record_void", record.pk), {"reason": "重复录入"})

    record.refresh_from_db()
    assert (record.voided, record.void_reason) == (True, "重复录入")
    assert record.history.first().history_change_reason == "重复录入"


# ---------------------------------------------------------------- grid


def test_grid_enters_a_metric_for_the_units_participants(
    client, inspector_a, schemes, staff_a, colleague_a
):
    stars = schemes["property-weekly-stars"]
    client.force_login(inspector_a)
    setup = {
        "unit": staff_a.unit.pk,
        "scheme": stars.pk,
        "period": period_for_date("weekly", timezone.localdate()).key,
        "code": "metric:free_card_signups",
    }
    grid = client.get(url("grid"), setup)
    assert [p.name for p, _field, _existing in grid.context["rows"]] == sorted(
        [staff_a.name, colleague_a.name],
        key=lambda n: {
            staff_a.name: staff_a.employee_no,
            colleague_a.name: colleague_a.employee_no,
        }[n],
    )

    bad = client.post(
        url("grid"), setup | {f"value_{staff_a.pk}": "3", f"value_{colleague_a.pk}": "x"}
    )
    assert bad.context["values"].errors == {f"value_{colleague_a.pk}": ["输入一个数字。"]}
    assert Record.objects.count() == 0

    client.post(url("grid"), setup | {f"value_{staff_a.pk}": "3", f"value_{colleague_a.pk}": "5"})
    assert sorted(Record.objects.values_list("value", flat=True)) == [Decimal(3), Decimal(5)]
    again = client.get(url("grid"), setup)
    existing = {p.pk: e for p, _f, e in again.context["rows"]}
    assert existing[staff_a.pk].total == Decimal(3)


def test_grid_value_the_ledger_refuses_is_shown_in_its_cell(client, hr, schemes, staff_a):
    client.force_login(hr)
    setup = {
        "unit": staff_a.unit.pk,
        "scheme": schemes["property-weekly-stars"].pk,
        "period": period_for_date("weekly", timezone.localdate()).key,
        "code": "rating:满意",
    }
    response = client.post(url("grid"), setup | {f"value_{staff_a.pk}": "-2"})
    assert (
        response.context["values"].errors == {f"value_{staff_a.pk}": ["次数必须为正数"]}
        or response.context["values"].errors
    )
    assert Record.objects.count() == 0


def test_grid_refuses_a_period_of_another_kind(client, hr, schemes, staff_a):
    client.force_login(hr)
    response = client.get(
        url("grid"),
        {
            "unit": staff_a.unit.pk,
            "scheme": schemes["property-weekly-stars"].pk,
            "period": "2026-11",
            "code": "metric:exam_score",
        },
    )
    assert "period" in response.context["setup"].errors
    assert "rows" not in response.context


# ---------------------------------------------------------------- import


def test_import_preview_then_confirm(client, hr, schemes, staff_a):
    staff_a.employee_no = "A001"
    staff_a.save()
    client.force_login(hr)
    rows = [
        {"日期": date(2026, 11, 17), "工号": "A001", "类型": "警告", "编码": "PATROL-LATE"},
        {
            "日期": date(2026, 11, 18),
            "工号": "A001",
            "类型": "指标",
            "编码": "exam_score",
            "数值": 92,
        },
    ]
    upload = SimpleUploadedFile("记录.xlsx", records_workbook(rows).getvalue())

    preview = client.post(url("records_import"), {"file": upload})

    assert "检查通过：共 2 行，将新增 2 条记录，0 条已存在。" in preview.content.decode()
    assert preview.context["preview"][1] == [3, "2026-11-18", "A001", "指标", "exam_score", "92"]
    assert Record.objects.count() == 0
    done = client.post(
        url("records_import_confirm"), {"token": preview.context["token"]}, follow=True
    )
    assert "已导入 记录.xlsx：新增 2 条记录，0 条已存在。" in done.content.decode()
    assert Record.objects.count() == 2
    assert IMPORT_SESSION_KEY not in client.session


def test_import_lists_every_problem_and_writes_nothing(client, hr, schemes, staff_a):
    client.force_login(hr)
    rows = [
        {"日期": "not a date", "工号": "NOPE", "类型": "扣分", "编码": "X"},
        {
            "日期": date(2026, 11, 18),
            "工号": staff_a.employee_no,
            "类型": "扣分",
            "编码": "ATT-02",
            "数值": 9,
        },
    ]
    upload = SimpleUploadedFile("bad.xlsx", records_workbook(rows).getvalue())

    response = client.post(url("records_import"), {"file": upload})

    problems = response.context["result"].problems
    assert len(problems) == 3 and problems[0].startswith("row 2, column 日期")
    assert response.context["token"] is None
    assert Record.objects.count() == 0


def test_template_has_the_formats_headers_and_an_example(client, hr):
    client.force_login(hr)
    response = client.get(url("records_import_template"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)))["记录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "日期",
        "工号",
        "类型",
        "编码",
        "数值",
        "检查人",
        "责任",
        "批次",
        "级别",
        "备注",
    ]
    assert rows[1][2] == "扣分"
