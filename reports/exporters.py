"""The period report workbook (FORMATS.md): exporters produce rows, the renderer formats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db.models import Q
from django.utils.translation import gettext as _

from complaints.selectors import complaint_report_rows
from evaluations.ledger import TEXT_BY_KIND
from evaluations.models import Record, Scheme
from evaluations.scheme_schema import item_names
from scoring.engine.periods import parse_period_key
from scoring.models import ParticipantResult, Period, Snapshot
from scoring.services import rollup_to_json, standing_json
from staff.models import Staff
from starservice.workbooks import SheetSpec, render_xlsx, write_xlsx

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


def render_report(data: ReportData) -> bytes:
    return render_xlsx(report_sheets(data))


def write_report(data: ReportData, out: str | IO[bytes]) -> None:
    """The workbook into ``out``. Data from ``report_data(load_results=False)`` is streamed
    from the snapshot a chunk of results at a time, so memory does not grow with staff."""
    if data.snapshot_id is None:
        write_xlsx(report_sheets(data), out)
        return
    write_xlsx(_streamed_sheets(data), out)


def report_sheets(data: ReportData) -> list[SheetSpec]:
    """The workbook's sheets (汇总, 明细, 投诉 and, with a unit roll-up, 部门)."""
    staff = _staff_by_id(data)
    records = _records_by_id(data)
    sheets = [
        summary_sheet(data, staff, records),
        detail_sheet(data, staff, records),
        complaints_sheet(data, staff),
    ]
    if data.config.get("unit_rollup"):
        sheets.append(units_sheet(data, staff))
    return sheets


def _title(data: ReportData, what: str) -> str:
    state = _("provisional") if data.version is None else _("version %(v)s") % {"v": data.version}
    return f"{data.scheme.name} {data.period_key} {what}（{state}）"


def _staff_by_id(data: ReportData) -> dict[int, tuple]:
    ids = {row["staff_id"] for row in data.results} | {
        row["head_staff_id"] for row in data.rollup if row.get("head_staff_id")
    }
    return {
        pk: (number, name, path, position)
        for pk, number, name, path, position in Staff.objects.filter(pk__in=ids).values_list(
            "pk", "employee_no", "name", "unit__path", "position__name"
        )
    }


def _records_by_id(data: ReportData) -> dict[int, tuple]:
    ids = {e["record_id"] for row in data.results for e in row["effects"] if e["record_id"]}
    ids |= {
        e["derived_from"] for row in data.results for e in row["effects"] if e.get("derived_from")
    }
    ids |= {i for row in data.results for hit in row["veto"] for i in hit["record_ids"]}
    return _records_of(ids)


def _records_of(ids) -> dict[int, tuple]:
    found = {}
    id_list = sorted(ids)
    for offset in range(0, len(id_list), 2000):
        for row in Record.objects.filter(pk__in=id_list[offset : offset + 2000]).values_list(
            "pk", "date", "kind", "code", "value", "inspector_name", "note"
        ):
            found[row[0]] = row[1:]
    return found


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


def summary_sheet(data: ReportData, staff: dict, records: dict) -> SheetSpec:
    promotes = any(row.get("promotion") for row in data.results)
    layout = _SummaryLayout.of(data, promotes)

    def rows() -> Iterator[list]:
        for row in data.results:
            yield layout.line(row, staff, records)

    return layout.sheet(data, rows())


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


def detail_sheet(data: ReportData, staff: dict, records: dict) -> SheetSpec:
    names = item_names(data.config)

    def rows() -> Iterator[list]:
        for row in data.results:
            number, name, _path, _position = staff[row["staff_id"]]
            for effect in row["effects"]:
                yield _detail_row(effect, number, name, records, names)

    return _detail_spec(data, rows())


def _detail_spec(data: ReportData, rows) -> SheetSpec:
    return SheetSpec(
        "明细", DETAIL_HEADERS, rows, title=_title(data, "明细"), number_formats={"分值": "0.00"}
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


# ---------------------------------------------------------------- streamed from a snapshot

STREAM_CHUNK = 1000
SUMMARY_KEYS = ("rank", "score", "grade", "parts", "veto", "ineligible", "award", "flags")


def _streamed_sheets(data: ReportData) -> list[SheetSpec]:
    """``report_sheets`` for a snapshot's results read a chunk at a time: the summary reads
    only the small keys of each stored result, the detail only its effects."""
    staff = _snapshot_staff(data)
    promotions = ParticipantResult.objects.filter(snapshot_id=data.snapshot_id).values_list(
        "data__promotion", flat=True
    )
    layout = _SummaryLayout.of(data, any(p for p in promotions.iterator(chunk_size=5000)))
    names = item_names(data.config)
    keys = ("staff_id", *SUMMARY_KEYS, "promotion")

    def summary_rows() -> Iterator[list]:
        fields = [f"data__{key}" for key in (*SUMMARY_KEYS, "promotion")]
        for chunk in _result_chunks(data.snapshot_id, fields):
            rows = [dict(zip(keys, row, strict=True)) for row in chunk]
            records = _records_of(
                {i for row in rows for hit in row["veto"] for i in hit["record_ids"]}
            )
            for row in rows:
                yield layout.line(row, staff, records)

    def detail_rows() -> Iterator[list]:
        for chunk in _result_chunks(data.snapshot_id, ["data__effects"]):
            effects = [e for _staff_id, found in chunk for e in found]
            ids = {e["record_id"] for e in effects if e["record_id"]}
            ids |= {e["derived_from"] for e in effects if e.get("derived_from")}
            records = _records_of(ids)
            for staff_id, found in chunk:
                number, name, _path, _position = staff[staff_id]
                for effect in found:
                    yield _detail_row(effect, number, name, records, names)

    sheets = [
        layout.sheet(data, summary_rows()),
        _detail_spec(data, detail_rows()),
        complaints_sheet(data, staff),
    ]
    if data.config.get("unit_rollup"):
        sheets.append(units_sheet(data, staff))
    return sheets


def _result_chunks(snapshot_id: int, fields: list[str]) -> Iterator[list[tuple]]:
    """(staff_id, *fields) of the snapshot's results in position order, a chunk per query
    (on the snapshot, position index)."""
    after = -1
    while True:
        chunk = list(
            ParticipantResult.objects.filter(snapshot_id=snapshot_id, position__gt=after)
            .order_by("position")
            .values_list("position", "staff_id", *fields)[:STREAM_CHUNK]
        )
        if not chunk:
            return
        after = chunk[-1][0]
        yield [row[1:] for row in chunk]


def _snapshot_staff(data: ReportData) -> dict[int, tuple]:
    heads = {row["head_staff_id"] for row in data.rollup if row.get("head_staff_id")}
    participants = ParticipantResult.objects.filter(snapshot_id=data.snapshot_id)
    query = Q(pk__in=participants.values("staff_id")) | Q(pk__in=heads)
    return {
        pk: (number, name, path, position)
        for pk, number, name, path, position in Staff.objects.filter(query).values_list(
            "pk", "employee_no", "name", "unit__path", "position__name"
        )
    }
