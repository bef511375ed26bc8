"""HR filters the leaderboard and downloads the period report, which says what the page says;
the dashboards and reports pages; a unit head sees only their unit."""

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from starservice.celery import app as celery_app
from tests.browser.axe import assert_accessible
from tests.browser.test_standing_browser import log_in, no_sideways_scroll
from tests.dashboards.conftest import QUALITY, STARS, add, frozen, schemes
from tests.factories import PositionFactory, StaffFactory

__all__ = ["frozen", "schemes"]

pytestmark = pytest.mark.browser


@pytest.fixture
def world(
    transactional_db, schemes, org, staff_a, staff_b, head_b, hr, monkeypatch, settings, tmp_path
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.MEDIA_ROOT = tmp_path
    cleaners = [
        StaffFactory(unit=org.unit_a, position=PositionFactory(name="保洁员")) for _ in range(2)
    ]
    clerks = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(3)]
    add(staff_a, "deduction", "CLEAN-01", 2, day=date(2026, 11, 3), inspector_name="周检查")
    add(staff_b, "deduction", "ATT-01", day=date(2026, 11, 4), inspector_name="周检查", batch="B1")
    add(cleaners[0], "deduction", "CLEAN-02", 3, day=date(2026, 11, 5), inspector_name="严检查")
    add(cleaners[1], "complaint", "有责", note="地面湿滑未提示")
    add(clerks[0], "metric", "attendance_rate", 96, day=date(2026, 11, 6))
    add(clerks[1], "warning", "PATROL-LATE", inspector_name="值班经理")
    add(clerks[2], "deduction", "CLEAN-01", day=date(2026, 11, 2), inspector_name="周检查")
    return org


def table_rows(page) -> list[dict]:
    rows = page.locator("table[data-testid=leaderboard] tbody tr")
    return [
        {
            "排名": int(row.get_attribute("data-rank")),
            "工号": row.get_attribute("data-employee"),
            "得分": Decimal(row.get_attribute("data-score")),
            "等级": row.get_attribute("data-grade"),
            "当选": row.get_attribute("data-award"),
        }
        for row in rows.all()
    ]


def test_hr_filters_the_leaderboard_and_downloads_the_report(
    live_server, world, page_at, screenshots, tmp_path
):
    page = page_at(1280, 800)
    log_in(page, live_server.url, "hr")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="排行榜").first.click()
    page.wait_for_url("**/leaderboard/")
    shown_scheme = page.get_by_label("评选方案").input_value()
    other = STARS if shown_scheme == QUALITY else QUALITY
    page.get_by_label("评选方案").select_option(other)  # the period resets with the scheme
    page.wait_for_url(f"**/leaderboard/?scheme={other}*")
    page.get_by_label("评选方案").select_option(QUALITY)  # the period resets with the scheme
    page.wait_for_url(f"**/leaderboard/?scheme={QUALITY}*")
    assert len(table_rows(page)) == 7
    page.get_by_label("单位", exact=True).select_option(label="星辰物业/客服部")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**unit=*")
    shown = table_rows(page)
    assert len(shown) == 6  # unit A's subtree: staff_a, two cleaners, three clerks
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "leaderboard-1280.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("download-report").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "物业服务质量月度评分-2026-11.xlsx"
    sheet = load_workbook(path, read_only=True)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    by_number = {
        row[rows[1].index("工号")]: dict(zip(rows[1], row, strict=False)) for row in rows[2:]
    }
    assert len(by_number) == 7
    for row in shown:
        line = by_number[row["工号"]]
        assert line["排名"] == row["排名"]
        assert Decimal(str(line["得分"])).quantize(Decimal("0.01")) == row["得分"]
        assert (line["等级"] or "") == row["等级"]
        assert (line["当选"] or "") == row["当选"]

    page.get_by_role("link", name="看板", exact=True).first.click()
    page.locator("#chart-pareto svg").wait_for()
    assert page.get_by_test_id("participants").inner_text() == "7"
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "dashboard-1280.png"), full_page=True)
    page.get_by_role("link", name="检查员").click()
    page.locator("#chart-inspectors svg").wait_for()
    assert page.locator("table[data-testid=inspectors]").get_by_text("严检查").is_visible()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "inspectors-1280.png"), full_page=True)

    page.get_by_role("link", name="报表").first.click()
    page.get_by_label("月份").fill("2026-11")
    page.get_by_role("button", name="生成").last.click()
    page.get_by_test_id("export-download").wait_for()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "export-1280.png"), full_page=True)
    with page.expect_download() as bundle:
        page.get_by_test_id("export-download").click()
    assert bundle.value.suggested_filename == "月度人事报表-2026-11.xlsx"
    page.goto(f"{live_server.url}/reports/")
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "reports-1280.png"), full_page=True)


def test_hr_pages_on_a_phone(live_server, world, page_at, screenshots):
    page = page_at(375, 812)
    log_in(page, live_server.url, "hr")
    page.wait_for_url(f"{live_server.url}/")
    for name, url in (
        ("leaderboard", f"/leaderboard/?scheme={STARS}"),
        ("dashboard", f"/dashboard/?scheme={QUALITY}"),
        ("inspectors", f"/dashboard/inspectors/?scheme={QUALITY}"),
        ("reports", "/reports/"),
    ):
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        no_sideways_scroll(page, 375)
        assert_accessible(page)
        page.screenshot(path=str(screenshots / f"{name}-375.png"), full_page=True)


def test_a_unit_head_sees_only_their_unit(
    live_server, world, page_at, screenshots, staff_a, staff_b
):
    page = page_at(375, 812)
    log_in(page, live_server.url, "head_b")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/leaderboard/?scheme={QUALITY}")
    numbers = [row["工号"] for row in table_rows(page)]
    assert numbers == [staff_b.employee_no]
    assert staff_a.name not in page.content()
    assert page.get_by_test_id("download-report").count() == 0
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "leaderboard-head-375.png"), full_page=True)
    page.goto(f"{live_server.url}/dashboard/?scheme={QUALITY}")
    assert page.get_by_test_id("participants").inner_text() == "1"
