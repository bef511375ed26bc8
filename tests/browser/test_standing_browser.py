"""A staff member on a phone: their stars, a deduction's detail and the history chart."""

from datetime import date

import pytest

from scoring.services import period_close
from tests.browser.axe import assert_accessible
from tests.dashboards.conftest import QUALITY, STARS, TODAY, add, frozen, schemes
from tests.factories import PASSWORD

__all__ = ["frozen", "schemes"]

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px)"


@pytest.fixture
def standing(transactional_db, schemes, staff_a, staff_b):
    add(staff_a, "warning", "PATROL-LATE", day=date(2026, 11, 4))
    period_close(scheme=schemes[STARS], key="2026-W45")
    add(staff_b, "warning", "PATROL-LATE", day=date(2026, 11, 11))
    period_close(scheme=schemes[STARS], key="2026-W46")
    add(staff_a, "deduction", "PATROL-POST", inspector_name="值班经理", note="离岗二十分钟")
    add(staff_a, "deduction", "CLEAN-01", inspector_name="周检查", day=date(2026, 11, 3))
    return staff_a


def test_staff_on_a_phone_sees_stars_detail_and_history(
    live_server, standing, page_at, screenshots
):
    page = page_at(375, 812)
    log_in(page, live_server.url, "staff_a")

    page.wait_for_url(f"{live_server.url}/me/")  # staff land on My standing
    stars = page.locator(f'[data-scheme="{STARS}"]')
    assert stars.get_by_test_id("red-stars").inner_text() == "0"
    assert stars.get_by_test_id("green-stars").inner_text() == "1"
    assert stars.get_by_test_id("score").inner_text() == "-1"
    assert "2 人" in stars.get_by_test_id("rank").inner_text()
    assert stars.get_by_text("成绩会怎样变化").is_visible()
    assert page.locator(f'[data-scheme="{QUALITY}"]').get_by_test_id("score").inner_text() == "99"
    no_sideways_scroll(page, 375)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "my-standing-375.png"), full_page=True)

    stars.get_by_role("link", name="明细与历史").click()
    page.wait_for_url(f"{live_server.url}/me/{STARS}/")
    chart = page.locator("#chart-history")
    chart.locator("svg").wait_for()
    assert chart.is_visible()
    history = page.locator('[data-chart-table="chart-history"]')
    assert "2026-W45" in history.inner_text() and "2026-W47" in history.inner_text()
    no_sideways_scroll(page, 375)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "my-scheme-375.png"), full_page=True)

    page.get_by_role("link", name="擅自离岗").click()
    page.wait_for_url("**/me/records/*/")
    assert page.get_by_text("离岗二十分钟").is_visible()
    assert page.get_by_text("值班经理").is_visible()
    assert page.get_by_test_id("effect").inner_text() == "−4 ★"  # 3 red lost, 1 green gained
    no_sideways_scroll(page, 375)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "my-record-375.png"), full_page=True)


def test_pages_at_desktop_width_and_without_javascript(
    live_server, standing, page_at, screenshots, browser
):
    page = page_at(1280, 800)
    log_in(page, live_server.url, "staff_a")
    page.wait_for_url(f"{live_server.url}/me/")
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "my-standing-1280.png"), full_page=True)
    page.goto(f"{live_server.url}/me/{STARS}/")
    page.locator("#chart-history svg").wait_for()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "my-scheme-1280.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(screenshots / "my-scheme-print.png"), full_page=True)
    assert not page.get_by_role("button", name="查看").is_visible()  # forms are not printed
    assert page.locator('[data-chart-table="chart-history"] table').is_visible()

    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    plain = context.new_page()
    log_in(plain, live_server.url, "staff_a")
    plain.goto(f"{live_server.url}/me/{STARS}/")
    assert not plain.locator("#chart-history").is_visible()
    table = plain.locator('[data-chart-table="chart-history"] table')
    assert table.is_visible() and "2026-W46" in table.inner_text()
    plain.screenshot(path=str(screenshots / "my-scheme-nojs-1280.png"), full_page=True)
    context.close()
    assert TODAY.isoformat() in page.content()
