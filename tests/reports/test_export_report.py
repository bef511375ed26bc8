"""The period report workbook, end to end for each shipped scheme: seed a small
organisation, import_records, close_period, export_report --out, then read the workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

from evaluations.models import Scheme
from scoring.services import period_close
from staff.models import Staff, Unit
from tests.factories import PositionFactory, StaffFactory, UnitFactory
from tests.schemes import TEMPLATE_CODES, import_template
from tests.workbooks import write_records_workbook

pytestmark = pytest.mark.django_db

BASE = ["排名", "工号", "姓名", "部门", "岗位", "得分"]
TAIL = ["一票否决", "资格", "当选", "标记"]
DETAIL = ["日期", "工号", "姓名", "类型", "编码", "项目", "数值", "分值", "检查人", "备注"]
COMPLAINTS = [
    "受理日期",
    "工号",
    "姓名",
    "渠道",
    "内容摘要",
    "认定",
    "状态",
    "处理时限",
    "是否超期",
]
UNITS = ["部门", "人数", "平均分", "负责人扣分"]
STAR_COMPONENTS = [
    "日巡场记录",
    "购物免费办卡",
    "直接购买会员卡",
    "考试得分",
    "合理化建议",
    "顾客表扬信",
    "团结互助",
]
MONTHLY_CATEGORIES = [
    "清洁卫生",
    "环境绿化",
    "服务态度",
    "维修及时率",
    "维修质量",
    "空调供应",
    "节能管理",
    "外围管理",
    "专柜调整配合",
    "劳动纪律",
]  # noqa: E501


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@dataclass
class Scenario:
    code: str
    key: str
    people: list[tuple[str, str, str, str]]  # 工号, 姓名, unit path, position
    records: list[dict]
    headers: list[str]
    summary: list[dict]  # expected 汇总 rows, in order; only the columns given are compared
    heads: dict[str, str] = field(default_factory=dict)  # unit path → 工号 of its head
    units: list[list] | None = None  # expected 部门 rows


def rec(day, no, kind, code, value=None, **extra) -> dict:
    return {"日期": day, "工号": no, "类型": kind, "编码": code, "数值": value, **extra}


DESK = "星辰物业/客服部/前台班"

SCENARIOS = {
    # Stars, 2026-W47. 日巡场记录: S001 one warning → 3 − 1 = 2; S002 a deduction → 0 red,
    # 1 green; S003 clean → 3. 购物免费办卡 (inverted pyramid): S002's 4 is the smallest
    # non-zero total → 1 star, S001's 5 + 3 = 8 → 2 stars. 团结互助: S001 +1.
    # Net: S001 2 + 2 + 1 = 5; S003 3; S002 1 − 1 = 0.
    "property-weekly-stars": Scenario(
        code="property-weekly-stars",
        key="2026-W47",
        people=[
            ("S001", "张三", DESK, "客服员"),
            ("S002", "李四", DESK, "客服员"),
            ("S003", "王五", DESK, "客服员"),
        ],
        records=[
            rec(date(2026, 11, 17), "S001", "指标", "free_card_signups", 5),
            rec(date(2026, 11, 18), "S001", "指标", "free_card_signups", 3),
            rec(date(2026, 11, 18), "S001", "警告", "PATROL-LATE", 检查人="值班经理"),
            rec(date(2026, 11, 19), "S001", "加分", "TEAM", 1),
            rec(date(2026, 11, 17), "S002", "指标", "free_card_signups", 4),
            rec(date(2026, 11, 19), "S002", "扣分", "PATROL-DRESS"),
            rec(date(2026, 11, 20), "S003", "评价", "满意", 2),
        ],
        headers=[*BASE, "红星", "绿星", *STAR_COMPONENTS, *TAIL],
        summary=[
            {
                "排名": 1,
                "工号": "S001",
                "姓名": "张三",
                "部门": DESK,
                "岗位": "客服员",
                "得分": 5,
                "红星": 5,
                "绿星": 0,
                "日巡场记录": 2,
                "购物免费办卡": 2,
                "团结互助": 1,
                "当选": "本周服务之星",
            },
            {
                "排名": 2,
                "工号": "S003",
                "得分": 3,
                "红星": 3,
                "绿星": 0,
                "日巡场记录": 3,
                "购物免费办卡": 0,
                "当选": None,
            },
            {
                "排名": 3,
                "工号": "S002",
                "得分": 0,
                "红星": 1,
                "绿星": 1,
                "日巡场记录": 0,
                "购物免费办卡": 1,
                "当选": None,
            },
        ],
    ),
    # Deduction, 2026-11, ten categories of 10. P001: CLEAN-01 × 2 → 清洁卫生 8, ATT-02 with
    # 3 points → 服务态度 7: 100 − 2 − 3 = 95 (优良). P003: 维修及时率 97 % against 100 % at 1
    # point per % → 7: 97 (优秀). P002: 100 (优秀) but attendance 96 % < 100 % vetoes.
    # The award needs 优秀 and no veto: only P003. P001 and P002 lack the repair rate: 缺数据.
    "property-monthly-quality": Scenario(
        code="property-monthly-quality",
        key="2026-11",
        people=[
            ("P001", "赵保洁", "星辰物业/工程部/保洁班", "保洁员"),
            ("P002", "钱客服", "星辰物业/客服部", "客服员"),
            ("P003", "孙水电", "星辰物业/工程部/水电班", "水电工"),
        ],
        records=[
            rec(date(2026, 11, 5), "P001", "扣分", "CLEAN-01", 2, 检查人="周检查", 备注="=1+2"),
            rec(date(2026, 11, 6), "P001", "扣分", "ATT-02", 3),
            rec(date(2026, 11, 28), "P001", "指标", "attendance_rate", 100),
            rec(date(2026, 11, 28), "P002", "指标", "attendance_rate", 96),
            rec(date(2026, 11, 28), "P003", "指标", "repair_on_time_rate", 97),
            rec(date(2026, 11, 28), "P003", "指标", "attendance_rate", 100),
            rec(date(2026, 11, 10), "P003", "投诉", "无责", 备注='=HYPERLINK("http://x","点我")'),
        ],
        headers=[*BASE, "等级", *MONTHLY_CATEGORIES, *TAIL],
        summary=[
            {
                "排名": 1,
                "工号": "P002",
                "得分": 100,
                "等级": "优秀",
                "当选": None,
                "标记": "缺数据",
            },
            {
                "排名": 2,
                "工号": "P003",
                "得分": 97,
                "等级": "优秀",
                "维修及时率": 7,
                "清洁卫生": 10,
                "一票否决": None,
                "当选": "月度服务之星",
                "标记": None,
            },
            {
                "排名": 3,
                "工号": "P001",
                "得分": 95,
                "等级": "优良",
                "清洁卫生": 8,
                "服务态度": 7,
                "维修及时率": 10,
                "当选": None,
                "标记": "缺数据",
            },
        ],
    ),
    # Deduction averaged per inspection, 2026-H2, with a level-1 unit roll-up.
    # T001: inspections B1 (STD 1 + 2 = 3) and B2 (a clean visit) → 标准服务 (27 + 30) / 2 =
    # 28.5; 提升服务 20 − (98 − 97) × 3 = 17; 客户投诉 20 − 2 = 18; 满意度 6 of 10 satisfied =
    # 60 %, (90 − 60) × 2 = 60 > 30 → 0. Score 28.5 + 17 + 18 + 0 = 63.5.
    # T002: one inspection, STD-VERIFY 1 → 29; no indicators (缺数据) → 20; 20; 100 % → 30: 99.
    # T003: nothing recorded → 100, flagged 缺数据, 无评价, 无抽查.
    # 城区片区: (63.5 + 99) / 2 = 81.25 < 85 → its head loses (85 − 81.25) × 1 = 3.75.
    "tobacco-half-year-quality": Scenario(
        code="tobacco-half-year-quality",
        key="2026-H2",
        people=[
            ("T001", "周专管", "城区片区", "专管员"),
            ("T002", "吴专管", "城区片区", "专管员"),
            ("T003", "郑专管", "郊区片区", "专管员"),
            ("H001", "冯经理", "城区片区", "片区经理"),
        ],
        heads={"城区片区": "H001"},
        records=[
            rec(date(2026, 11, 4), "T001", "扣分", "STD-LICENSE", 批次="B1"),
            rec(date(2026, 11, 4), "T001", "扣分", "STD-POLICY", 批次="B1"),
            rec(date(2026, 11, 11), "T001", "扣分", "STD-PRICE", 0, 批次="B2"),
            rec(date(2026, 11, 30), "T001", "指标", "market_purity_rate", 97),
            rec(date(2026, 11, 30), "T001", "指标", "marked_price_rate", 92),
            rec(date(2026, 11, 12), "T001", "投诉", "有责", 级别="网点", 备注="零售户投诉送货晚"),
            rec(date(2026, 11, 20), "T001", "评价", "满意", 6),
            rec(date(2026, 11, 20), "T001", "评价", "不满意", 4),
            rec(date(2026, 11, 5), "T002", "扣分", "STD-VERIFY", 批次="B3"),
            rec(date(2026, 11, 21), "T002", "评价", "满意", 10),
        ],
        headers=[*BASE, "标准服务", "提升服务", "客户投诉", "满意度", *TAIL],
        summary=[
            {
                "排名": 1,
                "工号": "T003",
                "得分": 100,
                "标准服务": 30,
                "提升服务": 20,
                "标记": "无抽查；缺数据；无评价",
            },
            {"排名": 2, "工号": "T002", "得分": 99, "标准服务": 29, "满意度": 30, "标记": "缺数据"},
            {
                "排名": 3,
                "工号": "T001",
                "得分": 63.5,
                "标准服务": 28.5,
                "提升服务": 17,
                "客户投诉": 18,
                "满意度": 0,
                "标记": None,
            },
        ],
        units=[["城区片区", 2, 81.25, 3.75], ["郊区片区", 1, 100, 0]],
    ),
    # Weighted, 2026-Q4. B001: mystery (90 + 80) / 2 = 85, remote 95, on-site 70 →
    # 0.4 × 85 + 0.4 × 95 + 0.2 × 70 = 86, + 1 (服务认证) = 87 (良好). B002: remote missing,
    # equal split 50/50 → (100 + 80) / 2 = 90, − 5 for a valid complaint at 分行 level = 85,
    # vetoed. B003: no data → 0 (不合格, 无数据). Awards skip the vetoed B002.
    "bank-quarterly-weighted": Scenario(
        code="bank-quarterly-weighted",
        key="2026-Q4",
        people=[
            ("B001", "陈柜员", "城南支行/营业室", "柜员"),
            ("B002", "林柜员", "城南支行/营业室", "柜员"),
            ("B003", "何大堂", "城南支行/营业室", "大堂经理"),
        ],
        records=[
            rec(date(2026, 10, 15), "B001", "得分", "MYSTERY", 90),
            rec(date(2026, 11, 15), "B001", "得分", "MYSTERY", 80),
            rec(date(2026, 11, 20), "B001", "得分", "REMOTE", 95),
            rec(date(2026, 12, 10), "B001", "得分", "ONSITE", 70),
            rec(date(2026, 12, 11), "B001", "加分", "B-CERT"),
            rec(date(2026, 10, 20), "B002", "得分", "MYSTERY", 100),
            rec(date(2026, 12, 1), "B002", "得分", "ONSITE", 80),
            rec(date(2026, 11, 3), "B002", "投诉", "有责", 级别="分行", 备注="办理业务态度生硬"),
        ],
        headers=[*BASE, "等级", "神秘人暗访", "非现场监控检查", "现场明查", *TAIL],
        summary=[
            {
                "排名": 1,
                "工号": "B001",
                "得分": 87,
                "等级": "良好",
                "神秘人暗访": 85,
                "非现场监控检查": 95,
                "现场明查": 70,
                "当选": "季度服务明星",
            },
            {
                "排名": 2,
                "工号": "B002",
                "得分": 85,
                "等级": "良好",
                "神秘人暗访": 100,
                "非现场监控检查": None,
                "现场明查": 80,
                "当选": None,
            },
            {
                "排名": 3,
                "工号": "B003",
                "得分": 0,
                "等级": "不合格",
                "神秘人暗访": None,
                "当选": "季度服务明星",
                "标记": "无数据",
            },
        ],
    ),
    # Points bank, 2026. C001: P-LATE 1 (fine 100), P-LATE again 18 days later → doubled
    # 2 (200, 管理责任), P-TABOO 1 (100): 12 − 4 = 8, fines 400; three violations within
    # 23 days → 培训 on 2026-03-25; 8 points with 1 valid complaint → cap B.
    # K001 heads the unit: half of the staff-fault deductions (0.5 + 0.5, fines 50 + 50) and
    # all of the management-fault one (2, 200): 12 − 3 = 9, fines 300.
    # C002: 月度服务明星 +1 (reward 100) → 13; 1 complaint but more than 10 points: no cap.
    "bank-yearly-points": Scenario(
        code="bank-yearly-points",
        key="2026",
        people=[
            ("C001", "曹柜员", "城南支行/营业室", "柜员"),
            ("C002", "邓柜员", "城南支行/营业室", "柜员"),
            ("K001", "韩科长", "城南支行/营业室", "科长"),
        ],
        heads={"城南支行/营业室": "K001"},
        records=[
            rec(date(2026, 3, 2), "C001", "扣分", "P-LATE"),
            rec(date(2026, 3, 20), "C001", "扣分", "P-LATE", 责任="管理"),
            rec(date(2026, 3, 25), "C001", "扣分", "P-TABOO"),
            rec(date(2026, 6, 1), "C001", "投诉", "有责", 备注="客户投诉柜员态度"),
            rec(date(2026, 5, 10), "C002", "加分", "P-STAR"),
            rec(date(2026, 7, 1), "C002", "投诉", "有责"),
        ],
        headers=[*BASE, "罚款", "奖励", "最高等级", "培训", *TAIL],
        summary=[
            {
                "排名": 1,
                "工号": "C002",
                "得分": 13,
                "罚款": 0,
                "奖励": 100,
                "最高等级": None,
                "培训": None,
            },
            {
                "排名": 2,
                "工号": "K001",
                "得分": 9,
                "罚款": 300,
                "奖励": 0,
                "最高等级": None,
                "培训": None,
            },
            {
                "排名": 3,
                "工号": "C001",
                "得分": 8,
                "罚款": 400,
                "奖励": 0,
                "最高等级": "B",
                "培训": datetime(2026, 3, 25),
            },
        ],
    ),
    # Weighted with missing sources counted as 0, 2026-H2. G001 and G000: 0.6 × 90 + 0.4 × 95
    # = 92 (a tie: listed by 工号, G000 first). G002: office missing → 0.6 × 100 = 60 (the
    # column stays empty). G003: 0.6 × 95 + 0.4 × 90 = 93, but a 基本满意 rating vetoes.
    "govhall-half-year-star": Scenario(
        code="govhall-half-year-star",
        key="2026-H2",
        people=[
            ("G001", "蒋窗口", "政务服务中心/综合窗口", "窗口工作人员"),
            ("G002", "沈窗口", "政务服务中心/综合窗口", "窗口工作人员"),
            ("G003", "韩窗口", "政务服务中心/综合窗口", "窗口工作人员"),
            ("G000", "杨窗口", "政务服务中心/综合窗口", "窗口工作人员"),
        ],
        records=[
            rec(date(2026, 9, 30), "G001", "得分", "HALL", 90),
            rec(date(2026, 12, 20), "G001", "得分", "OFFICE", 95),
            rec(date(2026, 9, 30), "G000", "得分", "HALL", 90),
            rec(date(2026, 12, 20), "G000", "得分", "OFFICE", 95),
            rec(date(2026, 9, 30), "G002", "得分", "HALL", 100),
            rec(date(2026, 9, 30), "G003", "得分", "HALL", 95),
            rec(date(2026, 12, 20), "G003", "得分", "OFFICE", 90),
            rec(date(2026, 10, 10), "G003", "评价", "基本满意"),
        ],
        headers=[*BASE, "服务大厅工作人员评分", "政务办评分", *TAIL],
        summary=[
            {"排名": 1, "工号": "G003", "得分": 93, "当选": None},
            {
                "排名": 2,
                "工号": "G000",
                "得分": 92,
                "服务大厅工作人员评分": 90,
                "政务办评分": 95,
                "当选": "服务之星",
            },
            {"排名": 2, "工号": "G001", "得分": 92, "当选": "服务之星"},
            {
                "排名": 4,
                "工号": "G002",
                "得分": 60,
                "服务大厅工作人员评分": 100,
                "政务办评分": None,
                "当选": "服务之星",
            },
        ],
    ),
}


def unit_at(path: str) -> Unit:
    parent = None
    for name in path.split("/"):
        parent = UnitFactory(name=name, parent=parent)
    return parent


def seed(scenario: Scenario) -> None:
    import_template(scenario.code)
    for number, name, path, position in scenario.people:
        StaffFactory(
            employee_no=number,
            name=name,
            unit=unit_at(path),
            position=PositionFactory(name=position),
            hire_date=date(2020, 3, 1),
        )
    for path, number in scenario.heads.items():
        unit = Unit.objects.get(path=path)
        unit.head = Staff.objects.get(employee_no=number)
        unit.save()


def run_commands(scenario: Scenario, tmp_path: Path) -> Path:
    records = write_records_workbook(tmp_path / "记录.xlsx", scenario.records, title="记录导入")
    out = tmp_path / f"{scenario.code}-{scenario.key}.xlsx"
    stdout = StringIO()
    call_command("import_records", str(records), stdout=stdout)
    call_command("close_period", scenario.code, scenario.key, stdout=stdout)
    call_command("export_report", scenario.code, scenario.key, "--out", str(out), stdout=stdout)
    lines = stdout.getvalue().splitlines()
    n = len(scenario.records)
    assert lines[0] == f"{n} rows: {n} records added, 0 already present"
    assert lines[1].endswith(f"closed: version 1, {len(scenario.summary)} participants")
    assert lines[2] == f"{out}: {len(scenario.summary)} participants (version 1)"
    return out


def blank(value):
    return None if value == "" else value


def table(sheet) -> tuple[str, list[str], list[dict], list[list]]:
    rows = [[blank(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    title, header, body = rows[0][0], rows[1], rows[2:]
    return title, header, [dict(zip(header, row, strict=True)) for row in body], body


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.parametrize("code", TEMPLATE_CODES)
def test_report_workbook_for_each_scheme(code, org, tmp_path):
    scenario = SCENARIOS[code]
    seed(scenario)

    path = run_commands(scenario, tmp_path)

    workbook = load_workbook(path)
    config = Scheme.objects.get(code=code).current_version.config
    expected_sheets = ["汇总", "明细", "投诉"] + (["部门"] if config.get("unit_rollup") else [])
    assert workbook.sheetnames == expected_sheets
    name = Scheme.objects.get(code=code).name
    for sheet in workbook.worksheets:
        # A title row above a bold header that stays in view.
        assert sheet["A1"].value == f"{name} {scenario.key} {sheet.title}（version 1）"
        assert sheet.freeze_panes == "A3"
        assert all(cell.font.bold for cell in sheet[2] if cell.value)

    title, header, summary, _raw = table(workbook["汇总"])
    assert header == scenario.headers
    for expected, row in zip(scenario.summary, summary, strict=True):
        assert {column: row[column] for column in expected} == expected
    assert_rank_order(summary)
    for row in summary:
        assert is_number(row["排名"]) and is_number(row["得分"])
        for column in scenario.headers[6:]:
            if column not in ("等级", "最高等级", "培训", *TAIL) and row[column] is not None:
                assert is_number(row[column]), (column, row[column])
    assert workbook["汇总"]["F3"].number_format == "0.00"

    _title, detail_header, details, _ = table(workbook["明细"])
    assert detail_header == DETAIL
    assert details, "every counted record is listed"
    for row in details:
        assert row["日期"] is None or isinstance(row["日期"], datetime)
        assert row["分值"] is None or is_number(row["分值"])
    imported = {
        (r["工号"], datetime.combine(r["日期"], datetime.min.time()), r["编码"])
        for r in scenario.records
    }
    listed = {(r["工号"], r["日期"], r["编码"]) for r in details if r["日期"] is not None}
    counted = {key for key in imported if key[0] in {row["工号"] for row in summary}}
    assert counted <= listed

    _title, complaint_header, complaints, _ = table(workbook["投诉"])
    assert complaint_header == COMPLAINTS
    expected_complaints = sorted(
        (r["日期"], r["工号"], r["编码"]) for r in scenario.records if r["类型"] == "投诉"
    )
    assert (
        sorted((row["受理日期"].date(), row["工号"], row["认定"]) for row in complaints)
        == expected_complaints
    )

    if scenario.units is not None:
        _title, unit_header, _rows, unit_rows = table(workbook["部门"])
        assert unit_header == UNITS
        assert unit_rows == scenario.units


def assert_rank_order(summary: list[dict]) -> None:
    """Ranks follow the scores (1, 2, 2, 4); rows of equal rank are listed by 工号."""
    scores = [row["得分"] for row in summary]
    assert scores == sorted(scores, reverse=True)
    for index, row in enumerate(summary):
        assert row["排名"] == 1 + sum(1 for score in scores if score > row["得分"])
        if index and summary[index - 1]["排名"] == row["排名"]:
            assert summary[index - 1]["工号"] < row["工号"]


def test_points_bank_detail_shows_the_derived_deductions(org, tmp_path):
    scenario = SCENARIOS["bank-yearly-points"]
    seed(scenario)

    workbook = load_workbook(run_commands(scenario, tmp_path))

    _title, _header, details, _ = table(workbook["明细"])
    head_lines = [(r["日期"], r["编码"], r["分值"]) for r in details if r["工号"] == "K001"]
    # Derived from C001's records, dated like them: −0.5, −2 (management fault), −0.5.
    assert head_lines == [
        (datetime(2026, 3, 2), "P-LATE", -0.5),
        (datetime(2026, 3, 20), "P-LATE", -2),
        (datetime(2026, 3, 25), "P-TABOO", -0.5),
    ]
    offender = [(r["编码"], r["分值"]) for r in details if r["工号"] == "C001" and r["分值"]]
    assert offender == [("P-LATE", -1), ("P-LATE", -2), ("P-TABOO", -1)]


def test_veto_names_the_rule_and_the_records(org, tmp_path):
    scenario = SCENARIOS["property-monthly-quality"]
    seed(scenario)

    workbook = load_workbook(run_commands(scenario, tmp_path))

    _title, _header, summary, _ = table(workbook["汇总"])
    veto = summary[0]["一票否决"]
    assert summary[0]["工号"] == "P002"
    assert "attendance_rate" in veto and "2026-11-28" in veto
    assert [row["一票否决"] for row in summary[1:]] == [None, None]


def test_text_starting_with_equals_is_escaped(org, tmp_path):
    scenario = SCENARIOS["property-monthly-quality"]
    seed(scenario)

    workbook = load_workbook(run_commands(scenario, tmp_path))

    hyperlink = '\'=HYPERLINK("http://x","点我")'
    detail = {row[4].value: row[9] for row in workbook["明细"].iter_rows(min_row=3)}
    assert (detail["CLEAN-01"].value, detail["CLEAN-01"].data_type) == ("'=1+2", "s")
    assert (detail["无责"].value, detail["无责"].data_type) == (hyperlink, "s")
    complaint = workbook["投诉"]["E3"]
    assert (complaint.value, complaint.data_type) == (hyperlink, "s")
    formulas = [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


def test_stars_promotion_adds_its_columns(org, tmp_path):
    """S001 wins 2026-W45, W46 and W47 (the only free-card sign-ups each week: 3 + 1 red
    stars against 3): the third win in November promotes — 月度服务明星, 100."""
    scenario = SCENARIOS["property-weekly-stars"]
    seed(scenario)
    scheme = Scheme.objects.get(code=scenario.code)
    rows = [rec(date(2026, 11, d), "S001", "指标", "free_card_signups", 5) for d in (3, 10, 17)]
    records = write_records_workbook(tmp_path / "wins.xlsx", rows)
    call_command("import_records", str(records), stdout=StringIO())
    for key in ("2026-W45", "2026-W46"):
        period_close(scheme=scheme, key=key)
    out = tmp_path / "w47.xlsx"
    call_command("close_period", scheme.code, "2026-W47", stdout=StringIO())
    call_command("export_report", scheme.code, "2026-W47", "--out", str(out), stdout=StringIO())

    _title, header, summary, _ = table(load_workbook(out)["汇总"])

    assert header == [*BASE, "红星", "绿星", *STAR_COMPONENTS, "晋级", "奖金", *TAIL]
    promoted = {row["工号"]: (row["当选"], row["晋级"], row["奖金"]) for row in summary}
    assert promoted == {
        "S001": ("本周服务之星", "月度服务明星", 100),
        "S002": (None, None, None),
        "S003": (None, None, None),
    }


def test_export_of_an_open_period_is_provisional(org, tmp_path):
    scenario = SCENARIOS["govhall-half-year-star"]
    seed(scenario)
    out = tmp_path / "provisional.xlsx"
    stdout = StringIO()

    call_command("export_report", scenario.code, "2026-H2", "--out", str(out), stdout=stdout)

    assert stdout.getvalue().strip() == f"{out}: 4 participants (provisional)"
    assert load_workbook(out)["汇总"]["A1"].value == "政务服务之星 2026-H2 汇总（provisional）"


@pytest.mark.parametrize(
    ("code", "key", "message"),
    [
        ("no-such-scheme", "2026-H2", "no scheme with code 'no-such-scheme'"),
        (
            "govhall-half-year-star",
            "2026-H3",
            "'2026-H3' is not a half_year period; expected e.g. 2026-H2",
        ),  # noqa: E501
    ],
)
def test_export_report_bad_input(org, tmp_path, code, key, message):
    import_template("govhall-half-year-star")
    out = tmp_path / "report.xlsx"

    with pytest.raises(CommandError) as raised:
        call_command("export_report", code, key, "--out", str(out), stdout=StringIO())

    assert str(raised.value) == message
    assert not out.exists()


def test_scenarios_cover_every_template():
    assert sorted(SCENARIOS) == TEMPLATE_CODES


def test_report_key_is_normalised_so_a_padded_key_finds_the_closed_period(db, tmp_path):
    from evaluations.models import Scheme
    from reports.exporters import report_data
    from scoring.services import period_close
    from tests.schemes import import_template

    import_template("property-monthly-quality")
    scheme = Scheme.objects.get(code="property-monthly-quality")
    period_close(scheme=scheme, key="2026-11")

    data = report_data(scheme=scheme, key=" 2026-11 ")

    assert data.period_key == "2026-11"
    assert data.version == 1
