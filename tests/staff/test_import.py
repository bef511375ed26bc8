"""staff_import: the staff workbook of FORMATS.md, all or nothing."""

from datetime import date
from io import BytesIO

import pytest

from audit.models import AuditEntry
from staff.models import Staff, Unit
from staff.services import staff_import
from tests.factories import StaffFactory, UnitFactory
from tests.staff.workbooks import HEADERS, staff_row, staff_workbook

pytestmark = pytest.mark.django_db


def run(rows, **options):
    return staff_import(source=BytesIO(staff_workbook(rows, **options)))


def snapshot():
    return (
        list(Staff.objects.values_list("employee_no", "name", "unit__path", "status")),
        list(Unit.objects.values_list("path", "head_id")),
    )


def test_good_file_creates_and_updates_people(org, hr):
    existing = StaffFactory(employee_no="B0002", name="旧名字", unit=org.unit_b)
    rows = [
        staff_row(
            工号="A0001",
            姓名="张三",
            部门="星辰物业/新区管理部/保洁班",
            岗位="保洁员",
            证书="保洁员证;物业服务项目经理岗位培训结业证；急救证",
            负责人="是",
        ),
        staff_row(工号="B0002", 姓名="李明", 部门="星辰物业/工程部", 岗位="水电工"),
        staff_row(
            工号="C0003",
            姓名="赵六",
            部门="星辰物业/新区管理部/保洁班",
            入职日期="2019-07-15",
            状态="离职",
            离职日期=date(2025, 1, 31),
        ),
    ]

    result = staff_import(source=BytesIO(staff_workbook(rows)), actor=hr)

    assert result.problems == []
    assert (result.created, result.updated) == (2, 1)
    team = Unit.objects.get(path="星辰物业/新区管理部/保洁班")
    assert (team.depth, team.parent.path, team.parent.parent_id) == (
        3,
        "星辰物业/新区管理部",
        org.company.pk,
    )
    zhang = Staff.objects.get(employee_no="A0001")
    assert team.head_id == zhang.pk
    assert zhang.name_initials == "zs"
    assert sorted(zhang.certificates.values_list("name", flat=True)) == sorted(
        ["保洁员证", "物业服务项目经理岗位培训结业证", "急救证"]
    )
    existing.refresh_from_db()
    assert (existing.name, existing.name_initials, existing.position.name) == (
        "李明",
        "lm",
        "水电工",
    )
    zhao = Staff.objects.get(employee_no="C0003")
    assert (zhao.status, zhao.left_date, zhao.hire_date) == (
        Staff.Status.LEFT,
        date(2025, 1, 31),
        date(2019, 7, 15),
    )
    assert AuditEntry.objects.filter(action="staff.imported", actor=hr).count() == 1


def test_dry_run_counts_but_writes_nothing(org):
    before = snapshot()
    result = staff_import(
        source=BytesIO(staff_workbook([staff_row(部门="新公司/新部门")])), dry_run=True
    )
    assert (result.ok, result.created, result.updated) == (True, 1, 0)
    assert result.preview[0]["工号"] == "A0001"
    assert snapshot() == before


def test_reimport_updates_instead_of_duplicating(org):
    rows = [staff_row(工号="A0001"), staff_row(工号="A0002", 姓名="李四")]
    assert (run(rows).created, Staff.objects.count()) == (2, 2)

    rows[1]["姓名"] = "李思思"
    again = run(rows)

    assert (again.created, again.updated) == (0, 2)
    assert Staff.objects.count() == 2
    assert Staff.objects.get(employee_no="A0002").name == "李思思"


def test_title_row_above_the_header_is_accepted_and_rows_keep_sheet_numbers(org):
    good = run([staff_row()], title="2026年员工名单")
    assert good.ok and good.created == 1

    bad = run([staff_row(工号="A0009"), staff_row(工号="A0010", 入职日期="明天")], title="名单")
    assert bad.problems == [
        "row 4, column 入职日期: 明天 不是日期（请使用 Excel 日期或 YYYY-MM-DD）"
    ]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"姓名": None}, "row 2, column 姓名: 必填"),
        ({"部门": None}, "row 2, column 部门: 必填"),
        ({"入职日期": None}, "row 2, column 入职日期: 必填"),
        (
            {"入职日期": "2021-13-01"},
            "row 2, column 入职日期: 2021-13-01 不是日期（请使用 Excel 日期或 YYYY-MM-DD）",
        ),
        ({"状态": "退休"}, "row 2, column 状态: 须为 在职 或 离职，而不是 退休"),
        ({"负责人": "对"}, "row 2, column 负责人: 须为 是 或留空，而不是 对"),
        ({"离职日期": date(2025, 1, 1)}, "row 2, column 离职日期: 已填写，但状态为在职"),
        ({"部门": "/"}, "row 2, column 部门: 不是部门路径，应如 新区管理部/保洁班"),
    ],
)
def test_bad_cell_is_reported_with_row_and_column_and_nothing_is_written(org, row, problem):
    before = snapshot()
    result = run([staff_row(**row), staff_row(工号="A0002", 部门="全新公司/全新部门")])
    assert result.problems == [problem]
    assert (result.created, result.updated) == (0, 0)
    assert snapshot() == before


def test_duplicate_employee_number_in_the_file(org):
    before = snapshot()
    result = run([staff_row(工号="A0001"), staff_row(工号="A0001", 姓名="另一人")])
    assert result.problems == ["row 3, column 工号: A0001 已出现在第 2 行"]
    assert snapshot() == before


def test_two_heads_for_one_unit(org):
    before = snapshot()
    result = run(
        [
            staff_row(工号="A0001", 部门="星辰物业/客服部", 负责人="是"),
            staff_row(工号="A0002", 部门="星辰物业 / 客服部", 负责人="是"),
        ]
    )
    assert result.problems == ["row 3, column 负责人: 星辰物业/客服部 已在第 2 行指定负责人"]
    assert snapshot() == before


def test_every_problem_is_reported_at_once(org):
    result = run(
        [
            staff_row(工号="A0001", 姓名=None),
            staff_row(工号="A0002"),
            staff_row(工号="A0003", 状态="退休", 入职日期="2020/01/01"),
        ]
    )
    assert result.problems == [
        "row 2, column 姓名: 必填",
        "row 4, column 入职日期: 2020/01/01 不是日期（请使用 Excel 日期或 YYYY-MM-DD）",
        "row 4, column 状态: 须为 在职 或 离职，而不是 退休",
    ]


def test_missing_sheet(org):
    result = run([staff_row()], sheet="Sheet1")
    assert result.problems == ["工作簿中没有名为 员工 的工作表"]


def test_missing_header_column(org):
    headers = [header for header in HEADERS if header != "岗位"]
    result = run([staff_row()], headers=headers)
    assert result.problems == ["前 5 行中没有表头行；缺少列：岗位"]


def test_not_an_xlsx(org):
    result = staff_import(source=BytesIO("工号,姓名\nA0001,张三\n".encode()))
    assert result.problems == ["文件不是可读取的 .xlsx 工作簿（BadZipFile）"]
    assert Staff.objects.count() == 0


def test_sheet_without_rows(org):
    assert run([]).problems == ["工作表 员工 没有数据行"]


def test_existing_units_are_reused(org):
    UnitFactory(name="保洁班", parent=org.unit_a)
    units = Unit.objects.count()
    assert run([staff_row(部门="星辰物业/客服部/保洁班")]).ok
    assert Unit.objects.count() == units
