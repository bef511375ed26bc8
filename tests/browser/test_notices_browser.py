"""A staff member on a phone opens the notice board, the notice and objects to a deduction;
HR on a desktop upholds it and the notice shows version 2 with what changed. Every page
passes axe and is photographed at 375×812 and 1280×800 into /tmp/screens/notices-*.png."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from notices.models import Notice, Objection
from notices.services import notice_publish
from scoring.services import period_close
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD
from tests.frozen import clock
from tests.notices.conftest import add
from tests.schemes import import_template

__all__ = ["clock"]

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (375, 812), (1280, 800)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def shoot(page, screenshots, name: str) -> None:
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px)"
    assert_accessible(page)
    page.screenshot(path=str(screenshots / f"notices-{name}-{width}.png"), full_page=True)


@pytest.fixture
def notice(transactional_db, clock, org, staff_a, staff_b, inspector_a, hr):
    """W11 of the weekly stars, published on Monday 16 March 2026: staff_b has a deduction."""
    stars = import_template("property-weekly-stars")
    clock.move_to(date(2026, 3, 10))
    add(staff_b, date(2026, 3, 10), "deduction", "PATROL-LATE", actor=inspector_a)
    clock.move_to(date(2026, 3, 15), 23, 30)
    snapshot = period_close(scheme=stars, key="2026-W11").snapshot
    clock.move_to(date(2026, 3, 16), 9)
    return notice_publish(notice=Notice.objects.get(period=snapshot.period), actor=hr)


def test_staff_object_on_a_phone_and_hr_upholds_on_a_desktop(
    live_server, notice, page_at, screenshots, staff_b
):
    base = live_server.url
    phone = page_at(*PHONE)
    log_in(phone, base, "staff_b")
    phone.goto(f"{base}{reverse('notices:board')}")
    shoot(phone, screenshots, "board")
    phone.get_by_role("link", name=notice.title).click()
    phone.wait_for_url(f"**/notices/{notice.pk}/")
    assert phone.get_by_test_id("verification").inner_text().strip().startswith("校验通过")
    assert "还剩 6 个工作日" in phone.get_by_test_id("window").inner_text()
    shoot(phone, screenshots, "notice")

    phone.get_by_role("link", name="提出申诉").click()
    phone.wait_for_url(f"**/notices/{notice.pk}/object/")
    shoot(phone, screenshots, "object")
    phone.get_by_role("button", name="提交申诉").click()  # nothing chosen: errors on fields
    assert phone.locator(".invalid-feedback").count() == 2
    shoot(phone, screenshots, "object-errors")
    phone.get_by_label("迟到早退").check()
    phone.get_by_label("申诉内容及理由").fill("当天请假，有请假条")
    phone.get_by_role("button", name="提交申诉").click()
    phone.wait_for_url("**/notices/objections/mine/")
    assert "等待人力资源部答复" in phone.get_by_test_id("my-objections").inner_text()
    shoot(phone, screenshots, "mine")

    desktop = page_at(*DESKTOP)
    log_in(desktop, base, "hr")
    desktop.goto(f"{base}{reverse('notices:objections')}")
    shoot(desktop, screenshots, "queue")
    desktop.get_by_role("link", name="当天请假，有请假条").click()
    desktop.wait_for_url("**/notices/objections/*/")
    shoot(desktop, screenshots, "review")
    desktop.get_by_label("作废该记录").check()
    desktop.locator("#id_reply").first.fill("核实属实，撤销扣分")
    desktop.get_by_role("button", name="申诉成立").click()
    desktop.wait_for_url(f"**/notices/{notice.pk}/")
    changes = desktop.get_by_test_id("changes").inner_text()
    assert staff_b.name in changes and "第 2 版" in changes
    assert Objection.objects.get().status == Objection.Status.UPHELD
    shoot(desktop, screenshots, "notice-v2")
    desktop.emulate_media(media="print")
    desktop.goto(f"{base}{reverse('notices:print', args=[notice.pk])}")
    assert not desktop.get_by_role("button", name="打印").is_visible()
    desktop.screenshot(path=str(screenshots / "notices-print-1280.png"), full_page=True)

    phone.goto(f"{base}{reverse('notifications:list')}")
    assert phone.get_by_test_id("unread-badge").is_visible()  # the bell, outside the menu
    assert "申诉成立" in phone.get_by_test_id("notifications").inner_text()
    shoot(phone, screenshots, "notifications")
    phone.goto(f"{base}{reverse('notices:mine')}")
    assert "核实属实，撤销扣分" in phone.get_by_test_id("reply").inner_text()
    shoot(phone, screenshots, "mine-answered")


def test_every_page_at_the_other_width(live_server, notice, page_at, screenshots, staff_b):
    """The staff pages at desktop width, HR's at phone width."""
    base = live_server.url
    desktop = page_at(*DESKTOP)
    log_in(desktop, base, "staff_b")
    for name, url in (
        ("board", reverse("notices:board")),
        ("notice", reverse("notices:detail", args=[notice.pk])),
        ("object", reverse("notices:object", args=[notice.pk])),
        ("notifications", reverse("notifications:list")),
    ):
        desktop.goto(f"{base}{url}")
        shoot(desktop, screenshots, name)

    phone = page_at(*PHONE)
    log_in(phone, base, "hr")
    desktop_objection = desktop.goto(f"{base}{reverse('notices:object', args=[notice.pk])}")
    assert desktop_objection.ok
    desktop.get_by_label("迟到早退").check()
    desktop.get_by_label("申诉内容及理由").fill("不应扣分")
    desktop.get_by_role("button", name="提交申诉").click()
    desktop.wait_for_url("**/notices/objections/mine/")
    objection = Objection.objects.get()
    for name, url in (
        ("queue", reverse("notices:objections")),
        ("review", reverse("notices:objection", args=[objection.pk])),
        ("drafts", reverse("notices:drafts")),
        ("settings", reverse("notices:settings")),
        ("notice-hr", reverse("notices:detail", args=[notice.pk])),
    ):
        phone.goto(f"{base}{url}")
        shoot(phone, screenshots, name)
