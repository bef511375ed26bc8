"""Background exports (reports.exports): a closed period's workbook is streamed from its
snapshot a chunk of results at a time, into a file, and equals the workbook built in memory;
so does the monthly bundle, which reports progress as each of its reports is written."""

from __future__ import annotations

import zipfile
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from evaluations.models import Scheme
from evaluations.selectors import active_schemes
from reports import bundle, exporters, exports
from reports.exporters import report_data, report_sheets
from reports.exports import BUNDLE, DONE, FAILED, PERIODS, export_get, export_run, export_start
from scoring.services import period_close
from starservice.workbooks import render_xlsx
from tests.dashboards.conftest import QUALITY, STARS, add
from tests.factories import StaffFactory
from tests.schemes import import_yaml, template_text

pytestmark = pytest.mark.django_db

OCTOBER_WEEKS = ["2026-W40", "2026-W41", "2026-W42", "2026-W43"]  # their Sundays in October


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def october(schemes, org, staff_a, staff_b):
    """Five people with records in October 2026, each week of it closed, and the month."""
    more = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(3)]
    for day in (date(2026, 10, 1), date(2026, 10, 8), date(2026, 10, 15), date(2026, 10, 22)):
        add(staff_a, "warning", "PATROL-LATE", day=day, inspector_name="值班经理", note="=1+1")
        add(more[0], "deduction", "PATROL-POST", day=day)
    add(staff_b, "deduction", "CLEAN-01", 3, day=date(2026, 10, 3))
    add(more[1], "metric", "free_card_signups", 4, day=date(2026, 10, 9))
    add(more[2], "complaint", "有责", note="态度生硬", day=date(2026, 10, 20))
    for key in OCTOBER_WEEKS:
        period_close(scheme=schemes[STARS], key=key)
    period_close(scheme=schemes[QUALITY], key="2026-10")
    return [staff_a, staff_b, *more]


@pytest.fixture
def small_chunks(monkeypatch):
    """Two results a chunk, so five people take three queries and every chunk boundary shows."""
    monkeypatch.setattr(exporters, "STREAM_CHUNK", 2)


def spy_report_data(monkeypatch, module) -> list:
    """The ReportData ``module`` asks for, as it got them."""
    seen = []

    def spying(**kwargs):
        seen.append(report_data(**kwargs))
        return seen[-1]

    monkeypatch.setattr(module, "report_data", spying)
    return seen


def run(hr, kind: str, key: str, schemes: tuple[Scheme, ...] = ()) -> exports.ExportJob:
    job = export_start(
        user=hr, kind=kind, key=key, scheme_ids=[s.pk for s in schemes], label="test"
    )
    export_run(job.id)
    return export_get(job.id)


def cells(content: bytes) -> dict[str, list]:
    book = load_workbook(BytesIO(content))
    return {
        name: [[(c.value, c.number_format) for c in row] for row in book[name].iter_rows()]
        for name in book.sheetnames
    }


@pytest.mark.parametrize(("code", "key"), [(QUALITY, "2026-10"), (STARS, "2026-W43")])
def test_a_closed_period_is_streamed_from_its_snapshot_and_equals_the_one_built_in_memory(
    october, hr, schemes, small_chunks, monkeypatch, code, key
):
    read = spy_report_data(monkeypatch, exports)

    job = run(hr, PERIODS, key, (schemes[code],))

    assert [(data.snapshot_id is not None, data.results) for data in read] == [(True, [])]
    assert (job.status, job.progress, job.filename) == (
        DONE,
        100,
        f"{schemes[code].name}-{key}.xlsx",
    )
    assert [path.name for path in exports.export_dir().iterdir()] == [job.file]  # no .part left
    streamed = cells(job.path.read_bytes())
    in_memory = cells(render_xlsx(report_sheets(report_data(scheme=schemes[code], key=key))))
    assert streamed == in_memory
    assert len(streamed["汇总"]) == 2 + len(october)  # title and header rows, then everyone


def test_several_closed_periods_are_zipped_each_streamed(october, hr, schemes, small_chunks):
    second = template_text(QUALITY).replace(f"code: {QUALITY}", "code: second-monthly")
    other = import_yaml(second.replace("name: 物业服务质量月度评分", "name: 第二个月度方案"))
    period_close(scheme=other, key="2026-10")

    job = run(hr, PERIODS, "2026-10", (schemes[QUALITY], other))

    assert job.filename.endswith("-2026-10.zip") and job.path.suffix == ".zip"
    archive = zipfile.ZipFile(job.path)
    for scheme in (schemes[QUALITY], other):
        member = archive.read(f"{scheme.name}-2026-10.xlsx")
        assert cells(member) == cells(
            render_xlsx(report_sheets(report_data(scheme=scheme, key="2026-10")))
        )


def test_the_bundle_streams_closed_periods_and_reports_progress_a_report_at_a_time(
    october, hr, small_chunks, monkeypatch
):
    read = spy_report_data(monkeypatch, bundle)
    saved = []
    save = exports._save
    monkeypatch.setattr(exports, "_save", lambda job: saved.append(job.progress) or save(job))

    job = run(hr, BUNDLE, "2026-10")

    assert [(data.period_key, data.results) for data in read] == [
        (key, []) for key in ["2026-10", *OCTOBER_WEEKS]
    ]
    assert all(data.snapshot_id is not None for data in read)
    # One step a report (the month, four weeks) and one for the complaints: sixths.
    assert saved == [0, 0, 16, 33, 50, 66, 83, 99, 100]
    monkeypatch.setattr(
        bundle, "report_data", lambda **kw: report_data(**kw | {"load_results": True})
    )
    in_memory = cells(render_xlsx(bundle.bundle_sheets(active_schemes(), "2026-10")))
    streamed = cells(job.path.read_bytes())
    assert streamed == in_memory
    assert len(streamed["周服务之星"]) == 2 + 4 * len(october)


def test_a_failed_export_leaves_no_file_behind(october, hr, schemes, monkeypatch):
    def failing(data, out):
        out.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_report", failing)

    job = run(hr, PERIODS, "2026-10", (schemes[QUALITY],))

    assert job.status == FAILED and "disk full" in job.error
    assert list(exports.export_dir().iterdir()) == []
