"""HR takes a complaint through every step in a real browser, on a phone and on a desktop:
intake (a bad field first), assignment, investigation, 认定 有责 (the score drops), handling,
follow-up, closing, then reversal (the score comes back). The pages pass axe."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint
from tests.browser.axe import assert_accessible
from tests.browser.test_staff_import_browser import log_in
from tests.complaints.helpers import FULL_SCORE, desk_scheme_import, receive, score_of
from tests.factories import PositionFactory, StaffFactory, UnitFactory, UserFactory, hr_user

pytestmark = pytest.mark.browser

VIEWPORTS = [(375, 812), (1280, 800)]


def assert_fits(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page scrolls sideways ({scroll}px > {width}px)"


def shoot(page, screenshots, name: str, width: int) -> None:
    assert_fits(page, width)
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)


def take_step(page, step: str, button: str) -> None:
    card = page.locator(f"#step-{step}")
    card.get_by_role("button", name=button).click()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_hr_takes_a_complaint_through_every_step(
    live_server, transactional_db, page_at, screenshots, width, height
):
    hr = hr_user("hr")
    UserFactory(username="zhao")  # a login that may not be assigned: not in the list
    unit = UnitFactory(name="营业室", parent=UnitFactory(name="一支行"))
    person = StaffFactory(name="欧阳晓燕", unit=unit, position=PositionFactory(name="客服员"))
    investigator = StaffFactory(name="钱主任", unit=unit, position=PositionFactory(name="主任"))
    investigator.user = UserFactory(username="qian")
    investigator.save()
    unit.head = investigator
    unit.save()
    scheme = desk_scheme_import()
    receive(person, actor=hr, day=timezone.localdate() - timedelta(days=3), content="上周投诉")
    page = page_at(width, height)
    log_in(page, live_server.url, "hr")

    if width >= 768:
        page.get_by_role("link", name="投诉", exact=True).click()
    else:
        page.get_by_role("button", name="展开导航").click()
        page.get_by_role("link", name="投诉", exact=True).click()
    expect(page.get_by_role("heading", name="投诉")).to_be_visible()
    expect(page.locator("tr.table-danger")).to_have_count(1)  # last week's, overdue
    shoot(page, screenshots, "complaints-list", width)

    page.get_by_role("link", name="登记投诉").click()
    page.get_by_label("渠道").select_option(label="电话")
    page.get_by_label("被投诉员工").fill(person.employee_no)
    page.get_by_label("级别").fill("分行")
    page.get_by_label("内容").fill("柜台办理业务时态度生硬，让客户等了四十分钟")
    page.get_by_label("投诉人", exact=True).fill("赵女士")
    page.get_by_label("投诉人联系方式").fill("call me")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#error_1_id_complainant_contact")).to_have_text(
        "请填写电话号码或电子邮箱。"
    )
    shoot(page, screenshots, "complaint-intake-error", width)
    page.get_by_label("投诉人联系方式").fill("13800138000")
    page.get_by_role("button", name="保存").click()

    complaint = Complaint.objects.latest("pk")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 已受理。")).to_be_visible()
    expect(page.get_by_text("13800138000")).to_be_visible()
    shoot(page, screenshots, "complaint-received", width)

    page.locator("#step-assign summary").click()
    page.locator("#step-assign").get_by_label("承办人").select_option(label="qian · 钱主任")
    take_step(page, "assign", "指派")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 已指派。")).to_be_visible()
    take_step(page, "investigate", "开始调查")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 已开始调查。")).to_be_visible()

    decide = page.locator("#step-decide")
    decide.get_by_label("有责").check()
    take_step(page, "decide", "认定")
    expect(decide.locator("#error_1_id_decide-reason")).to_have_text("这个字段是必填项。")
    shoot(page, screenshots, "complaint-decide-error", width)
    assert score_of(scheme, person) == FULL_SCORE
    decide.get_by_label("认定理由").fill("调取监控，情况属实")
    take_step(page, "decide", "认定")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 已认定。")).to_be_visible()
    assert score_of(scheme, person) == FULL_SCORE - 5  # 分行 level weighs 5
    shoot(page, screenshots, "complaint-decided", width)

    page.locator("#step-resolve").get_by_label("处理情况").fill("当面致歉，批评教育")
    take_step(page, "resolve", "登记处理")
    page.locator("#step-follow_up").get_by_label("满意", exact=True).check()
    take_step(page, "follow_up", "登记回访")
    take_step(page, "close", "关闭")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 已关闭。")).to_be_visible()
    shoot(page, screenshots, "complaint-closed", width)

    page.locator("#step-reverse summary").click()
    page.locator("#step-reverse").get_by_label("原因").fill("复核监控，系他人所为")
    take_step(page, "reverse", "改判")
    expect(page.get_by_text(f"投诉 #{complaint.pk} 的认定已改判。")).to_be_visible()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.decision, complaint.record) == ("closed", "invalid", None)
    assert score_of(scheme, person) == FULL_SCORE
    history = page.get_by_role("list", name="处理记录").get_by_role("listitem")
    expect(history).to_have_count(8)
    expect(history.last).to_contain_text("认定已改判")
    shoot(page, screenshots, "complaint-reversed", width)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_hr_prints_a_badge(live_server, transactional_db, page_at, screenshots, width, height):
    hr_user("hr")
    unit = UnitFactory(name="营业室", parent=UnitFactory(name="一支行"))
    StaffFactory(name="欧阳晓燕", unit=unit, position=PositionFactory(name="客服员"))
    page = page_at(width, height)
    log_in(page, live_server.url, "hr")

    page.goto(f"{live_server.url}/complaints/")
    page.get_by_role("link", name="二维码胸牌").click()
    shoot(page, screenshots, "badges", width)
    page.get_by_role("link", name="欧阳晓燕").click()

    expect(page.get_by_role("img", name="评价 欧阳晓燕 的二维码")).to_be_visible()
    rating_url = page.get_by_role("link", name="/complaints/rate/").inner_text()
    shoot(page, screenshots, "badge", width)

    page.get_by_role("button", name="换发新二维码").click()
    expect(page.get_by_text("欧阳晓燕 已换发新二维码")).to_be_visible()
    assert page.get_by_role("link", name="/complaints/rate/").inner_text() != rating_url
    customer = Client()
    rating_page = page.get_by_role("link", name="/complaints/rate/").inner_text()
    customer.get(rating_page)
    for _tap in range(2):
        customer.post(rating_page, {"rating": "satisfied"})
    page.goto(f"{live_server.url}/complaints/throttle/")
    expect(page.locator("tbody").get_by_text("已接受")).to_be_visible()
    expect(page.locator("tbody").get_by_text("已限流")).to_be_visible()
    shoot(page, screenshots, "throttle-log", width)
