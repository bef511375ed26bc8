"""The period report workbook (FORMATS.md): exporters produce rows, the renderer formats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import IO

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from complaints.selectors import complaint_report_rows
from evaluations.ledger import TEXT_BY_KIND
from evaluations.models import Record, Scheme
from evaluations.scheme_schema import item_names
from scoring.engine.periods import parse_period_key
from scoring.models import ParticipantResult, Period, Snapshot
from scoring.services import rollup_to_json, standing_json
from staff.models import Staff
from starservice.workbooks import SheetSpec, write_xlsx, xlsx_file_response

FLAG_SEPARATOR = "；"
SCORE_FORMAT = "0.00"


@dataclass
class ReportData:
    """One period's results in their stored (JSON) form, provisional or from a snapshot."""

    scheme: Scheme
    config: dict
    period_key: str
    start: object
    end: object
    results: list[dict]
    rollup: list[dict]
    version: int | None  # snapshot version; None while provisional
    # With report_data(load_results=False): the snapshot whose results ``write_report``
    # streams from the database (``results`` is then empty), and how many there are.
    snapshot_id: int | None = None
    participants: int | None = None


def report_data(*, scheme: Scheme, key: str, load_results: bool = True) -> ReportData:
    """Raises ValueError (PeriodKeyError) for a key that is not a period of the scheme's kind."""
    key = parse_period_key(scheme.period, key).key
    period = Period.objects.filter(scheme=scheme, key=key).first()
    snapshot = (
        Snapshot.objects.filter(period=period)
        .select_related("scheme_version")
        .order_by("-version")
        .first()
        if period
        else None
    )
    if snapshot is not None and not load_results:
        return ReportData(
            scheme,
            snapshot.scheme_version.config,
            period.key,
            period.start,
            period.end,
            [],
            snapshot.unit_rollup,
            snapshot.version,
            snapshot_id=snapshot.pk,
            participants=ParticipantResult.objects.filter(snapshot=snapshot).count(),
        )
    if snapshot is not None:
        results = list(
            ParticipantResult.objects.filter(snapshot=snapshot)
            .order_by("position")
            .values_list("data", flat=True)
        )
        return ReportData(
            scheme,
            snapshot.scheme_version.config,
            period.key,
            period.start,
            period.end,
            results,
            snapshot.unit_rollup,
            snapshot.version,
        )
    bounds, outcome, rows = standing_json(scheme=scheme, key=key)
    return ReportData(
        scheme,
        scheme.current_version.config,
        bounds.key,
        bounds.start,
        bounds.end,
        rows,
        [rollup_to_json(r) for r in outcome.unit_rollup],
        None,
    )


def report_filename(data: ReportData) -> str:
    return f"{data.scheme.name}-{data.period_key}.xlsx"


def report_response(data: ReportData):
    """The workbook as a download, written a chunk of results at a time into a temporary
    file (see ``write_report``)."""
    return xlsx_file_response(partial(write_report, data), report_filename(data))


def write_report(data: ReportData, out: str | IO[bytes]) -> None:
    """The workbook into ``out``. Data from ``report_data(load_results=False)`` is streamed
    from the snapshot a chunk of results at a time, so memory does not grow with staff."""
    write_xlsx(report_sheets(data), out)


def report_sheets(data: ReportData) -> list[SheetSpec]:
    """The workbook's sheets (汇总, 明细, 投诉 and, with a unit roll-up, 部门); their rows
    are produced as the workbook is written, a chunk of results at a time."""
    staff = report_staff(data)
    sheets = [
        summary_sheet(data, staff),
        detail_sheet(data, staff),
        complaints_sheet(data, staff),
    ]
    if data.config.get("unit_rollup"):
        sheets.append(units_sheet(data, staff))
    return sheets


STREAM_CHUNK = 1000


def result_chunks(data: ReportData) -> Iterator[list[dict]]:
    """The period's results in rank order, a chunk at a time: slices of ``data.results``, or
    for ``report_data(load_results=False)`` one query per chunk on the snapshot, each stored
    result read whole and decoded by its field."""
    if data.snapshot_id is None:
        for offset in range(0, len(data.results), STREAM_CHUNK):
            yield data.results[offset : offset + STREAM_CHUNK]
        return
    after = -1
    while True:
        chunk = list(
            ParticipantResult.objects.filter(snapshot_id=data.snapshot_id, position__gt=after)
            .order_by("position")  # on the snapshot, position index
            .values_list("position", "data")[:STREAM_CHUNK]
        )
        if not chunk:
            return
        after = chunk[-1][0]
        yield [result for _position, result in chunk]


def _title(data: ReportData, what: str) -> str:
    state = _("provisional") if data.version is None else _("version %(v)s") % {"v": data.version}
    return f"{data.scheme.name} {data.period_key} {what}（{state}）"


def report_staff(data: ReportData) -> dict[int, tuple]:
    """(工号, 姓名, 部门, 岗位) of the results' staff and of the roll-up's unit heads, by id."""
    heads = {row["head_staff_id"] for row in data.rollup if row.get("head_staff_id")}
    if data.snapshot_id is None:
        people = Q(pk__in={row["staff_id"] for row in data.results} | heads)
    else:
        participants = ParticipantResult.objects.filter(snapshot_id=data.snapshot_id)
        people = Q(pk__in=participants.values("staff_id")) | Q(pk__in=heads)
    return {
        pk: (number, name, path, position)
        for pk, number, name, path, position in Staff.objects.filter(people).values_list(
            "pk", "employee_no", "name", "unit__path", "position__name"
        )
    }


RECORD_BATCH = 2000  # ids per query where each id is a parameter of its own
RECORD_FIELDS = ("pk", "date", "kind", "code", "value", "inspector_name", "note")


def _records_of(ids) -> dict[int, tuple]:
    """(date, kind, code, value, inspector, note) of the records, by id."""
    if not ids:
        return {}
    records = Record.objects.order_by()  # the default order would sort each batch for nothing
    id_list = sorted(ids)
    if connection.vendor == "postgresql":
        # One array parameter: thousands of parameters take longer to bind, send and parse
        # than the records take to read (the detail looks up about six per participant).
        batches = [records.filter(pk__in=RawSQL("SELECT unnest(%s)", [id_list]))]
    else:
        batches = [
            records.filter(pk__in=id_list[offset : offset + RECORD_BATCH])
            for offset in range(0, len(id_list), RECORD_BATCH)
        ]
    return {row[0]: row[1:] for batch in batches for row in batch.values_list(*RECORD_FIELDS)}


# ---------------------------------------------------------------- 汇总


def _method_columns(config: dict) -> list[tuple[str, callable]]:
    method = config["method"]
    if method == "stars":
        columns = [("红星", lambda p: _num(p.get("red"))), ("绿星", lambda p: _num(p.get("green")))]
        for component in config.get("components", []):
            code = component["code"]
            columns.append(
                (component["name"], lambda p, c=code: _num(p.get("components", {}).get(c)))
            )
        return columns
    if method == "deduction":
        return [
            (category["name"], lambda p, c=category["code"]: _num(p.get("categories", {}).get(c)))
            for category in config.get("categories", [])
        ]
    if method == "weighted":
        return [
            (source["name"], lambda p, c=source["code"]: _num(p.get("sources", {}).get(c)))
            for source in config.get("sources", [])
        ]
    return [
        ("罚款", lambda p: _num(p.get("fines"))),
        ("奖励", lambda p: _num(p.get("rewards"))),
        ("最高等级", lambda p: p.get("grade_cap") or ""),
        ("培训", lambda p: _date(p.get("retraining_date"))),
    ]


def _num(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _date(value):
    from datetime import date

    return date.fromisoformat(value) if value else None


def summary_sheet(data: ReportData, staff: dict) -> SheetSpec:
    layout = _SummaryLayout.of(data, _promotes(data))

    def rows() -> Iterator[list]:
        for chunk in result_chunks(data):
            vetoes = {i for row in chunk for hit in row["veto"] for i in hit["record_ids"]}
            records = _records_of(vetoes)
            for row in chunk:
                yield layout.line(row, staff, records)

    return layout.sheet(data, rows())


def _promotes(data: ReportData) -> bool:
    """Whether the 晋级/奖金 columns are shown: some result has a promotion. Only a stars
    scheme with a promotion rule promotes, so the others need not read their results."""
    if not data.config.get("promotion"):
        return False
    return any(row.get("promotion") for chunk in result_chunks(data) for row in chunk)


@dataclass(frozen=True)
class _SummaryLayout:
    headers: list[str]
    columns: list[tuple[str, callable]]
    has_grades: bool
    promotes: bool

    @classmethod
    def of(cls, data: ReportData, promotes: bool) -> _SummaryLayout:
        columns = _method_columns(data.config)
        has_grades = bool(data.config.get("grades"))
        headers = ["排名", "工号", "姓名", "部门", "岗位", "得分"]
        headers += ["等级"] if has_grades else []
        headers += [name for name, _getter in columns]
        # 晋级/奖金 belong to the stars method's columns, before the common ones (FORMATS.md).
        headers += ["晋级", "奖金"] if promotes else []
        headers += ["一票否决", "资格", "当选", "标记"]
        return cls(headers, columns, has_grades, promotes)

    def line(self, row: dict, staff: dict, records: dict) -> list:
        number, name, path, position = staff[row["staff_id"]]
        line = [row["rank"], number, name, path, position, Decimal(row["score"])]
        line += [row.get("grade") or ""] if self.has_grades else []
        line += [getter(row["parts"]) for _name, getter in self.columns]
        if self.promotes:
            promotion = row.get("promotion") or {}
            line += [promotion.get("title", ""), _num(promotion.get("prize"))]
        line += [
            veto_text(row["veto"], records),
            FLAG_SEPARATOR.join(row["ineligible"]),
            row.get("award") or "",
            FLAG_SEPARATOR.join(row["flags"]),
        ]
        return line

    def sheet(self, data: ReportData, rows) -> SheetSpec:
        formats = {"得分": SCORE_FORMAT}
        return SheetSpec(
            "汇总", self.headers, rows, title=_title(data, "汇总"), number_formats=formats
        )


def veto_text(hits: list[dict], records: dict) -> str:
    parts = []
    for hit in hits:
        described = [_record_text(records.get(i)) for i in hit["record_ids"]]
        described = [text for text in described if text]
        parts.append(f"{hit['rule']}：{'，'.join(described)}" if described else hit["rule"])
    return FLAG_SEPARATOR.join(parts)


def _record_text(record) -> str:
    if record is None:
        return ""
    day, kind, code, value, _inspector, _note = record
    return f"{day.isoformat()} {TEXT_BY_KIND.get(kind, kind)} {code}"


# ---------------------------------------------------------------- 明细


DETAIL_HEADERS = ["日期", "工号", "姓名", "类型", "编码", "项目", "数值", "分值", "检查人", "备注"]


def detail_sheet(data: ReportData, staff: dict) -> SheetSpec:
    names = item_names(data.config)

    def rows() -> Iterator[list]:
        for chunk in result_chunks(data):
            effects = [effect for row in chunk for effect in row["effects"]]
            ids = {e["record_id"] for e in effects if e["record_id"]}
            ids |= {e["derived_from"] for e in effects if e.get("derived_from")}
            records = _records_of(ids)
            for row in chunk:
                number, name, _path, _position = staff[row["staff_id"]]
                for effect in row["effects"]:
                    yield _detail_row(effect, number, name, records, names)

    return SheetSpec(
        "明细", DETAIL_HEADERS, rows(), title=_title(data, "明细"), number_formats={"分值": "0.00"}
    )


def _detail_row(effect: dict, number: str, name: str, records: dict, names: dict) -> list:
    source_id = effect["record_id"] or effect.get("derived_from")
    record = records.get(source_id) if source_id else None
    value = _num(effect.get("value"))
    note = effect.get("note") or ""
    if record:
        day, kind, code, stored_value, inspector, record_note = record
        note = "；".join(text for text in (note, record_note) if text)
        return [
            day,
            number,
            name,
            TEXT_BY_KIND.get(kind, kind),
            code,
            effect.get("label") or names.get(code, code),
            value if value is not None else stored_value,
            _num(effect["points"]),
            inspector,
            note,
        ]
    return [
        None,
        number,
        name,
        TEXT_BY_KIND.get(effect["kind"], effect["kind"]),
        effect["code"],
        effect.get("label") or names.get(effect["code"], effect["code"]),
        value,
        _num(effect["points"]),
        "",
        note,
    ]


# ---------------------------------------------------------------- 投诉


COMPLAINT_HEADERS = [
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


def complaints_sheet(data: ReportData, staff: dict) -> SheetSpec:
    rows = complaint_report_rows(staff=staff, start=data.start, end=data.end)
    return SheetSpec("投诉", COMPLAINT_HEADERS, rows, title=_title(data, "投诉"))


# ---------------------------------------------------------------- 部门


def units_sheet(data: ReportData, staff: dict) -> SheetSpec:
    def rows() -> Iterator[list]:
        for row in data.rollup:
            yield [
                row["unit_path"],
                row["participants"],
                _num(row["average"]),
                _num(row["head_deduction"]),
            ]

    return SheetSpec(
        "部门",
        ["部门", "人数", "平均分", "负责人扣分"],
        rows(),
        title=_title(data, "部门"),
        number_formats={"平均分": "0.00", "负责人扣分": "0.00"},
    )
