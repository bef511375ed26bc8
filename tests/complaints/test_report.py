"""The report's 投诉 sheet lists the period's complaints from the workflow, and complaint
records that came into the ledger by workbook import."""

from datetime import date, datetime
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from complaints.services import complaint_resolve
from evaluations.ledger import RecordDraft, record_create
from evaluations.models import Record
from reports.exporters import report_data, report_sheets
from starservice.workbooks import render_xlsx
from tests.complaints.helpers import decided, receive

pytestmark = pytest.mark.django_db


def complaints_rows(scheme, key: str) -> list[list]:
    workbook = load_workbook(
        BytesIO(render_xlsx(report_sheets(report_data(scheme=scheme, key=key))))
    )
    rows = list(workbook["投诉"].iter_rows(values_only=True))
    assert rows[1] == (
        "受理日期",
        "工号",
        "姓名",
        "渠道",
        "内容摘要",
        "认定",
        "状态",
        "处理时限",
        "是否超期",
    )
    return [list(row) for row in rows[2:]]


def day(d: int) -> datetime:
    return datetime(2026, 11, d)


def test_complaints_sheet_reads_the_workflow_and_imported_records(
    hr, staff_a, staff_b, desk_scheme
):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 3, 9)), tick=False):
        on_time = decided(staff_a, actor=hr, content="柜台无人办理，等待时间过长" * 5)
        complaint_resolve(complaint=on_time, resolution="致歉", actor=hr)
        receive(staff_b, actor=hr, content="态度冷淡")  # still open
        receive(None, actor=hr, content="不知道是谁")  # nobody identified: not this sheet's
        record_create(
            draft=RecordDraft(
                staff_id=staff_b.pk,
                date=date(2026, 11, 2),
                kind=Record.Kind.COMPLAINT,
                code="无责",
                note="意见簿投诉",
            ),
            source=Record.Source.IMPORT,
        )
        receive(staff_a, actor=hr, day=date(2026, 10, 30))  # another period

    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 20, 9)), tick=False):
        rows = complaints_rows(desk_scheme, "2026-11")

    assert rows == [
        [
            day(2),
            staff_b.employee_no,
            "李四",
            "表格导入",
            "意见簿投诉",
            "无责",
            None,
            None,
            None,
        ],
        [
            day(3),
            staff_a.employee_no,
            "张小明",
            "电话",
            ("柜台无人办理，等待时间过长" * 5)[:59] + "…",
            "有责",
            "已处理",
            day(10),
            "否",
        ],
        [day(3), staff_b.employee_no, "李四", "电话", "态度冷淡", None, "已受理", day(10), "是"],
    ]


def test_report_overdue_column_compares_resolution_with_its_time_limit(hr, staff_a, desk_scheme):
    """是否超期 sits beside 处理时限: 是 when the handling (处理) came, or is still to come,
    after that limit — whatever step the complaint is at now."""
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 3, 9)), tick=False):
        late = decided(staff_a, actor=hr)
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 12, 9)), tick=False):
        complaint_resolve(complaint=late, resolution="致歉", actor=hr)
        rows = complaints_rows(desk_scheme, "2026-11")

    assert [row[6:] for row in rows] == [["已处理", day(10), "是"]]
