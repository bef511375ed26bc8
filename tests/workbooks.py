"""Workbook helpers shared by the tests: build an .xlsx from rows, read one back.

``xlsx_bytes`` is the one builder; the records workbook (sheet 记录) and the staff
workbook (tests/staff/workbooks.py, sheet 员工) are thin layers over it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

RECORD_SHEET = "记录"
RECORD_HEADERS = ["日期", "工号", "类型", "编码", "数值", "检查人", "责任", "批次", "级别", "备注"]

Row = Mapping[str, Any] | Sequence[Any]


def xlsx_bytes(
    sheet: str,
    headers: Sequence[str] | None,
    rows: Iterable[Row],
    *,
    title: str | None = None,
) -> bytes:
    """One sheet: an optional title row, the header row (unless ``headers`` is None), then
    the rows. A dict row is placed by header text (missing keys stay empty); a list row is
    written as given."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    if title:
        worksheet.append([title])
    if headers is not None:
        worksheet.append(list(headers))
    for row in rows:
        if isinstance(row, Mapping):
            worksheet.append([row.get(header) for header in headers or ()])
        else:
            worksheet.append(list(row))
        for cell in worksheet[worksheet.max_row]:
            # Text typed into a cell, not a formula: "=1+2" stays the text "=1+2".
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(
    path: Path,
    sheet: str,
    headers: Sequence[str] | None,
    rows: Iterable[Row],
    *,
    title: str | None = None,
) -> Path:
    path = Path(path)
    path.write_bytes(xlsx_bytes(sheet, headers, rows, title=title))
    return path


def record_row(**values: Any) -> dict:
    """A records-workbook row keyed by header (工号, 类型, 编码… as keyword arguments)."""
    return dict(values)


def records_workbook(
    rows: Iterable[Row],
    headers: Sequence[str] | None = None,
    title: str | None = None,
    *,
    sheet: str = RECORD_SHEET,
) -> BytesIO:
    """The records workbook of FORMATS.md as an open file object."""
    return BytesIO(
        xlsx_bytes(sheet, RECORD_HEADERS if headers is None else headers, rows, title=title)
    )


def write_records_workbook(path: Path, rows: Iterable[Row], **options: Any) -> Path:
    path = Path(path)
    path.write_bytes(records_workbook(rows, **options).getvalue())
    return path


def read_rows(source: bytes | BytesIO | Path | str, sheet: str) -> list[list]:
    """All rows of a sheet as values (title and header rows included)."""
    if isinstance(source, bytes):
        source = BytesIO(source)
    workbook = load_workbook(source, read_only=True)
    try:
        return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()
