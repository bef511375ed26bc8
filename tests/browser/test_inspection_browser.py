"""An inspector records three findings for two people on a phone and on a desktop; the
unit head co-signs; the staff member's provisional results move. Every page passes axe."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Record
from inspections.models import Inspection
from scoring.engine.periods import period_for_date
from scoring.services import standing_compute
from tests.browser.axe import assert_accessible
from tests.browser.test_staff_import_browser import log_in
from tests.factories import PositionFactory, StaffFactory, UserFactory
from tests.schemes import import_template

pytestmark = pytest.mark.browser

VIEWPORTS = [(375, 812), (1280, 800)]


class Taps:
    """Counts what the user taps or picks; typing is not a click."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        locator.click()
        self.settled()

    def pick(self, locator, value: str):
        self.count += 1
        locator.select_option(value)
        self.settled()

    def settled(self):
        """Wait until htmx has finished swapping (a person is quicker than a script)."""
        expect(self.page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


def open_menu(page, taps: Taps, width: int) -> None:
    if width < 768:
        taps(page.get_by_role("button", name="展开导航"))


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways ({scroll}px at {width}px)"


def period_key() -> str:
    return period_for_date("weekly", timezone.localdate()).key


def scores(schemes, person) -> tuple:
    day = timezone.localdate()
    results = []
    for code in ("property-weekly-stars", "property-monthly-quality"):
        _bounds, outcome = standing_compute(scheme=schemes[code], day=day)
        results.append(next(r.score for r in outcome.results if r.staff_id == person.pk))
    return tuple(results)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["phone", "desktop"])
def test_inspector_records_three_findings_and_the_head_cosigns(
    live_server,
    transactional_db,
    page_at,
    screenshots,
    org,
    inspector_a,
    staff_a,
    staff_b,
    width,
    height,
):
    schemes = {
        code: import_template(code)
        for code in ("property-weekly-stars", "property-monthly-quality")
    }
    StaffFactory(name="欧阳晓燕", unit=org.unit_a_team, position=org.position)
    head = StaffFactory(name="赵主管", unit=org.unit_a, position=PositionFactory(name="项目经理"))
    head.user = UserFactory(username="head_a")
    head.save()
    org.unit_a.head = head
    org.unit_a.save()
    assert scores(schemes, staff_a) == (3, 100)

    page = page_at(width, height)
    log_in(page, live_server.url, "inspector_a")
    taps = Taps(page)
    open_menu(page, taps, width)
    taps(page.get_by_role("link", name="巡查", exact=True))
    taps(page.get_by_role("link", name="开始巡查"))
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"inspection-start-{width}.png"), full_page=True)
    taps(page.get_by_role("button", name="开始", exact=True))
    page.wait_for_url("**/inspections/*/")

    search = page.get_by_label("人员")
    search.fill(staff_b.name)  # outside the inspector's units: nobody found
    page.get_by_text("您负责的人员中没有匹配的。").wait_for()

    # 1: 张小明 found by pinyin initials, late (a warning by default for a stars conduct item)
    search.fill("zxm")
    taps(page.get_by_role("button", name="张小明"))
    taps.pick(page.get_by_label("项目", exact=True), "PATROL-LATE")
    page.get_by_label("口头警告").wait_for()
    assert page.get_by_label("口头警告").is_checked()
    page.get_by_label("备注").fill("8:40 到岗")
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"inspection-finding-{width}.png"), full_page=True)
    taps(page.get_by_role("button", name="保存并继续"))
    page.get_by_text("已保存：张小明 · 迟到早退 · 口头警告。本次巡查已有 1 条检查发现。").wait_for()

    # 2: 欧阳晓燕 found by name, litter on the floor (a deduction item: deduction only)
    page.get_by_label("人员").fill("欧阳")
    taps(page.get_by_role("button", name="欧阳晓燕"))
    taps.pick(page.get_by_label("项目", exact=True), "CLEAN-01")
    expect(page.get_by_label("口头警告")).to_have_count(0)
    assert page.get_by_label("扣分").is_checked()
    taps(page.get_by_role("button", name="保存并继续"))
    page.get_by_text("本次巡查已有 2 条检查发现。").wait_for()

    # 3: 张小明 again from the people already in this inspection: a range item needs points
    taps(page.get_by_role("button", name="张小明"))
    taps.pick(page.get_by_label("项目", exact=True), "ATT-02")
    points = page.get_by_label("分值（2–5）")
    points.fill("3")
    taps(page.get_by_role("button", name="保存并继续"))
    page.get_by_text("本次巡查已有 3 条检查发现。").wait_for()
    no_sideways_scroll(page, width)
    page.screenshot(path=str(screenshots / f"inspection-saved-{width}.png"), full_page=True)

    assert taps.count < 30, taps.count
    print(f"\n{width}px: three findings in {taps.count} clicks")
    inspection = Inspection.objects.get()
    assert Record.objects.filter(batch=inspection.batch_key).count() == 3
    assert scores(schemes, staff_a) == (2, 97)

    head_page = page_at(width, height)
    log_in(head_page, live_server.url, "head_a")
    head_page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    assert_accessible(head_page)
    head_page.get_by_role("button", name="迎检确认").click()
    head_page.get_by_text("您已完成迎检确认。").wait_for()
    head_page.screenshot(path=str(screenshots / f"inspection-cosigned-{width}.png"), full_page=True)
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.COSIGNED
    assert scores(schemes, staff_a) == (2, 97)

    week = schemes["property-weekly-stars"]
    grid = (
        f"records/grid/?unit={org.unit_a_team.pk}&scheme={week.pk}&period={period_key()}"
        "&code=metric:exam_score"
    )
    pages = {
        "records": "records/",
        "record": f"records/{Record.objects.first().pk}/",
        "grid": grid,
    }
    for name, path in pages.items():
        page.goto(f"{live_server.url}/inspections/{path}")
        assert_accessible(page)
        no_sideways_scroll(page, width)
        page.screenshot(path=str(screenshots / f"inspection-{name}-{width}.png"), full_page=True)
