"""A customer scans a staff member's QR code on a cheap phone (and on a desktop), rates the
service and the rating counts; a second tap is throttled; a complaint goes in from the same
page. The public pages show nothing personal and pass axe."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, ThrottleDecision
from complaints.services import rating_link_for
from evaluations.models import Record
from tests.browser.axe import assert_accessible
from tests.complaints.helpers import FULL_SCORE, desk_scheme_import, result_of
from tests.factories import PositionFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.browser

VIEWPORTS = [(375, 812), (1280, 800)]


def assert_fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways ({scroll}px > {width}px)"


def assert_nothing_personal(page, person) -> None:
    text = page.locator("body").inner_text()
    html = page.content()
    for secret in (person.employee_no, person.unit.name, person.hire_date.isoformat()):
        assert secret not in text and secret not in html, secret


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_a_customer_rates_through_the_qr_link(
    live_server, transactional_db, page_at, screenshots, width, height
):
    unit = UnitFactory(name="营业室", parent=UnitFactory(name="一支行"))
    person = StaffFactory(name="欧阳晓燕", unit=unit, position=PositionFactory(name="客服员"))
    scheme = desk_scheme_import()
    link = rating_link_for(staff=person)
    assert result_of(scheme, person).score == FULL_SCORE
    page = page_at(width, height)

    page.goto(f"{live_server.url}/complaints/rate/{link.token}/")
    expect(page.get_by_role("heading", name="服务评价")).to_be_visible()
    expect(page.get_by_text("为您服务的是 欧阳晓燕（客服员）。")).to_be_visible()
    assert_nothing_personal(page, person)
    for label in ("满意", "基本满意", "不满意"):
        box = page.get_by_role("button", name=label, exact=True).bounding_box()
        assert box["height"] >= 64 and box["width"] >= min(300, width - 40), (label, box)
    assert_fits(page, width)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"rate-{width}.png"), full_page=True)

    page.get_by_label("留言（选填）").fill("排队太久，窗口只开了一个")
    page.get_by_role("button", name="不满意", exact=True).click()

    expect(page.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    assert_nothing_personal(page, person)
    assert "欧阳晓燕" not in page.locator("body").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"rate-thanks-{width}.png"), full_page=True)
    record = Record.objects.get(staff=person)
    assert (record.kind, record.code, record.note) == (
        "rating",
        "不满意",
        "排队太久，窗口只开了一个",
    )
    # 0 % satisfied: 满意度 30 − (90 − 0) × 2, floored at 0.
    assert result_of(scheme, person).score == FULL_SCORE - 30

    page.go_back()
    page.get_by_role("button", name="满意", exact=True).click()

    expect(page.get_by_role("heading", name="您已评价过")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"rate-throttled-{width}.png"), full_page=True)
    assert Record.objects.filter(staff=person).count() == 1
    assert list(ThrottleDecision.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "accepted",
        "throttled",
    ]

    page.get_by_role("link", name="服务有问题？我要投诉").click()
    expect(page.get_by_text("投诉对象：欧阳晓燕（客服员）。")).to_be_visible()
    page.get_by_label("发生了什么？").fill("办理业务时不耐烦，还让我去别的窗口")
    page.get_by_label("电话或邮箱（选填）").fill("打给我")
    page.get_by_role("button", name="提交").click()

    field = page.get_by_label("电话或邮箱（选填）")
    expect(field).to_have_class("textinput form-control is-invalid")
    expect(page.locator("#error_1_id_complainant_contact")).to_have_text(
        "请填写电话号码或电子邮箱。"
    )
    assert_nothing_personal(page, person)
    assert_fits(page, width)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"public-complaint-error-{width}.png"), full_page=True)

    field.fill("13900139000")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("heading", name="您的投诉已收到")).to_be_visible()
    assert "13900139000" not in page.content()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"public-complaint-thanks-{width}.png"), full_page=True)
    complaint = Complaint.objects.get()
    assert (complaint.staff, complaint.channel, complaint.complainant_contact) == (
        person,
        "online",
        "13900139000",
    )


def test_an_old_qr_code_says_so(live_server, transactional_db, page_at, screenshots):
    page = page_at(375, 812)

    response = page.goto(f"{live_server.url}/complaints/rate/no-such-token/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="此二维码已停用")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "rate-invalid-375.png"), full_page=True)
