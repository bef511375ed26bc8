"""Reading HR's workbooks and rendering ours. Readers report problems as
``row N, column X: reason`` with the sheet's own row numbers; renderers take plain rows."""

from __future__ import annotations

import itertools
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from starservice.gcpause import gc_paused

HEADER_SEARCH_ROWS = 5
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # zip-bomb guard for uploaded xlsx


class WorkbookError(Exception):
    """The file itself cannot be read (not an xlsx, no such sheet, no header row)."""


@dataclass
class SheetRow:
    number: int  # the sheet's own row number (first row is 1)
    values: dict[str, Any]


@dataclass
class RowProblems:
    problems: list[str] = field(default_factory=list)

    def add(self, row: int, column: str, reason: str) -> None:
        self.problems.append(
            _("row %(row)s, column %(column)s: %(reason)s")
            % {
                "row": row,
                "column": column,
                "reason": reason,
            }
        )

    def __bool__(self) -> bool:
        return bool(self.problems)


@dataclass
class ImportResult:
    """What an all-or-nothing workbook import found: problems, or a preview of what it wrote."""

    problems: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_sheet(
    source: str | IO[bytes], *, sheet: str, required: list[str], optional: list[str]
) -> list[SheetRow]:
    """Rows of ``sheet`` keyed by header text; blank rows are skipped."""
    workbook = _open(source)
    try:
        if sheet not in workbook.sheetnames:
            raise WorkbookError(_("the workbook has no sheet named %(sheet)s") % {"sheet": sheet})
        rows = _guarded(workbook[sheet].iter_rows(values_only=True))
        header_number, columns = _find_header(rows, required=required, optional=optional)
        result = []
        for offset, raw in enumerate(rows, start=header_number + 1):
            values = {
                name: _clean(raw[index]) for name, index in columns.items() if index < len(raw)
            }
            if all(value in (None, "") for value in values.values()):
                continue
            result.append(SheetRow(offset, values))
        return result
    finally:
        workbook.close()


def _open(source: str | IO[bytes]):
    try:
        if hasattr(source, "seek"):
            source.seek(0)
        with zipfile.ZipFile(source) as archive:
            total = sum(info.file_size for info in archive.infolist())
        if total > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookError(_("the workbook unpacks to more than 200 MB; refusing to read it"))
        if hasattr(source, "seek"):
            source.seek(0)
        return load_workbook(source, read_only=True, data_only=True)
    except WorkbookError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged upload can fail anywhere in openpyxl
        raise _unreadable(exc) from None


def _unreadable(exc: Exception) -> WorkbookError:
    return WorkbookError(
        _("the file is not a readable .xlsx workbook (%(error)s)")
        % {"error": exc.__class__.__name__}
    )


def _guarded(rows):
    """openpyxl's read-only rows, unpacked and parsed lazily: a damaged part (bad deflate
    data, broken XML, odd cell values) fails while iterating; report it as WorkbookError."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001
            raise _unreadable(exc) from None
        yield row


def _find_header(rows, *, required: list[str], optional: list[str]) -> tuple[int, dict[str, int]]:
    wanted = set(required) | set(optional)
    best_missing: list[str] = required
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        raw = next(rows, None)
        if raw is None:
            break
        texts = [str(cell).strip() if cell is not None else "" for cell in raw]
        missing = [name for name in required if name not in texts]
        if not missing:
            return number, {text: index for index, text in enumerate(texts) if text in wanted}
        if len(missing) < len(best_missing):
            best_missing = missing
    raise WorkbookError(
        _("no header row in the first %(n)s rows; missing columns: %(missing)s")
        % {"n": HEADER_SEARCH_ROWS, "missing": "、".join(best_missing)}
    )


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def parse_date(value: Any) -> date:
    """An Excel date (date-time cut to its date) or YYYY-MM-DD text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(
        _("%(value)s is not a date (use an Excel date or YYYY-MM-DD)") % {"value": value}
    )


def parse_decimal(value: Any) -> Decimal:
    """A spreadsheet number read through its text form, never via float arithmetic."""
    if isinstance(value, bool):
        raise ValueError(_("%(value)s is not a number") % {"value": value})
    text = repr(value) if isinstance(value, float) else str(value).strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("%(value)s is not a number") % {"value": value}) from None
    if not number.is_finite():
        raise ValueError(_("%(value)s is not a number") % {"value": value})
    return number


# ---------------------------------------------------------------- rendering


@dataclass
class SheetSpec:
    name: str
    headers: list[str]
    rows: Any  # iterable of lists, in header order
    title: str = ""
    number_formats: dict[str, str] = field(default_factory=dict)  # header → Excel format


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=14)
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_PREFIXES = ("=", "+", "-", "@")
WIDTH_SAMPLE_ROWS = 500
# Values of these types are appended as they are: openpyxl writes them as a cell of
# ours would be written. A Decimal goes through "%.16g" like the same int or float, and a
# plain date (not a date-time) gets openpyxl's own number format yyyy-mm-dd, DATE_FORMAT.
AS_IS = frozenset({int, float, Decimal, bool, date, type(None)})


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text taken from users."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def render_xlsx(sheets: list[SheetSpec]) -> bytes:
    """Write-only workbook: a title row, a bold frozen header, widths for Chinese text."""
    buffer = BytesIO()
    write_xlsx(sheets, buffer)
    return buffer.getvalue()


def write_xlsx(sheets: list[SheetSpec], out: str | IO[bytes]) -> None:
    """``render_xlsx`` into a file (a path or a binary file object), streaming the rows."""
    workbook = Workbook(write_only=True)
    # The rows are produced as they are written: a big export reads chunks of results and
    # makes a million short-lived values and cells, all freed by refcounting, which would
    # otherwise set the cyclic collector walking every live object over and over.
    with gc_paused():
        for spec in sheets:
            _write_sheet(workbook, spec)
        workbook.save(out)


def _display_width(value: Any) -> int:
    text = value.isoformat() if isinstance(value, date) else str(value)
    # CJK glyphs take two columns in Excel's default font.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _write_sheet(workbook: Workbook, spec: SheetSpec) -> None:
    sheet = workbook.create_sheet(spec.name)
    rows = iter(spec.rows)
    # Widths come from the first rows only, so big sheets stream without being held in memory.
    head = [list(row) for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = [_display_width(header) for header in spec.headers]
    for row in head:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], _display_width(value))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 6), 60)
    if spec.title:
        sheet.freeze_panes = "A3"
        title = WriteOnlyCell(sheet, value=spec.title)
        title.font = TITLE_FONT
        sheet.append([title])
    else:
        sheet.freeze_panes = "A2"
    header_cells = []
    for header in spec.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    formatted = {
        index: spec.number_formats[header]
        for index, header in enumerate(spec.headers)
        if header in spec.number_formats
    }
    styled: dict[int, dict] = {index: {} for index in formatted}  # per column: format → cell
    for row in itertools.chain(head, rows):
        # Most values go to openpyxl as they are; only text, other types and the formatted
        # columns take a call each (a big report has well over a million cells).
        line = [value if value.__class__ in AS_IS else _cell(sheet, value, None) for value in row]
        for index, number_format in formatted.items():
            line[index] = _cell(sheet, row[index], number_format, styled[index])
        sheet.append(line)


def _cell(sheet, value: Any, number_format: str | None, styled: dict | None = None):
    """What to append for ``value``: the plain value when it needs no style, else a cell
    with its number format. With ``styled`` (the column's own cells by format) one cell is
    reused row after row: a write-only sheet writes each appended row before the next."""
    if number_format is None and value is not None and not isinstance(value, date):
        return safe_cell(value)  # unstyled: openpyxl writes the plain value the same way
    fmt = DATE_FORMAT if isinstance(value, date) else number_format
    if styled is not None and fmt in styled:
        cell = styled[fmt]
        cell.value = safe_cell(value)
        return cell
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if fmt:
        cell.number_format = fmt
    if styled is not None:
        styled[fmt] = cell
    return cell


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_file_response(write: Callable[[IO[bytes]], None], filename: str):
    """The workbook ``write`` writes, as a download. It is written into a temporary file
    and sent from there: a city's period report (1.6 million cells) is never held in
    memory whole."""
    from django.http import FileResponse

    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it when sent
    try:
        write(out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def xlsx_response(data: bytes, filename: str):
    """A workbook as a download."""
    from django.http import FileResponse

    return FileResponse(
        BytesIO(data), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )


def upload_too_large(size: int) -> bool:
    return size > settings.UPLOAD_MAX_BYTES
