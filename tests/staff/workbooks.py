"""Build staff workbooks (sheet 员工) for tests with openpyxl."""

from datetime import date
from pathlib import Path

from tests.workbooks import read_rows as shared_read_rows
from tests.workbooks import xlsx_bytes

HEADERS = ["工号", "姓名", "部门", "岗位", "入职日期", "证书", "负责人", "状态", "离职日期"]


def staff_row(**values) -> dict:
    """A valid row keyed by header; override any cell, or pass None to leave it empty."""
    row = {
        "工号": "A0001",
        "姓名": "张三",
        "部门": "星辰物业/客服部",
        "岗位": "客服员",
        "入职日期": date(2021, 5, 1),
    }
    row.update(values)
    return row


def staff_workbook(
    rows: list[dict],
    *,
    headers: list[str] = HEADERS,
    sheet: str = "员工",
    title: str | None = None,
) -> bytes:
    return xlsx_bytes(sheet, headers, rows, title=title)


def save_staff_workbook(path: Path, rows: list[dict], **options) -> Path:
    path.write_bytes(staff_workbook(rows, **options))
    return path


def read_rows(data: bytes, sheet: str = "员工") -> list[list]:
    """All rows of a sheet as values, header row included."""
    return shared_read_rows(data, sheet)
