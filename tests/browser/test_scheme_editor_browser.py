"""HR builds and changes evaluation schemes in a real browser: the weekly stars scheme from
scratch, a new version of the monthly deduction scheme after a preview, and the pages pass
axe-core."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from evaluations.ledger import RecordDraft, record_create
from evaluations.scheme_schema import normalise, parse_yaml
from scoring.engine.periods import period_for_date
from scoring.services import period_close
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, PositionFactory, StaffFactory, UnitFactory, hr_user
from tests.schemes import import_template, template_text

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def field(page, name: str):
    return page.locator(f'[name="{name}"]')


def add_row(page, list_path: str) -> str:
    """Click the list's add button; the new row's path once the server has drawn it."""
    rows = page.locator(f'[data-rows="{list_path}"] > [data-rows-body] > [data-row]')
    before = rows.count()
    page.locator(f'[data-add-row="{list_path}"]').click()
    rows.nth(before).wait_for()
    return f"{list_path}[{rows.nth(before).get_attribute('data-row')}]"


def fill_row(page, row: str, **values: str) -> None:
    for key, value in values.items():
        field(page, f"{row}.{key}").fill(value)


STARS = yaml.safe_load(template_text("property-weekly-stars"))


def test_hr_builds_the_weekly_stars_scheme_from_scratch(
    live_server, transactional_db, page_at, screenshots
):
    hr_user("hr")
    page = page_at(1280, 800)
    log_in(page, live_server.url, "hr")
    page.get_by_role("link", name="评选方案").first.click()
    page.get_by_role("link", name="新建方案").click()
    page.get_by_label("考评方法").select_option("stars")
    page.get_by_role("button", name="开始").click()

    field(page, "code").fill("property-weekly-stars")
    field(page, "name").fill(STARS["name"])
    assert field(page, "period").input_value() == "weekly"

    # A first try without positions: the message sits under the field, typed values stay.
    page.get_by_role("button", name="创建方案").click()
    error = page.locator('[id="f-applies_to.positions-error"]')
    assert "至少" in error.inner_text() or "必填" in error.inner_text()
    assert field(page, "code").input_value() == "property-weekly-stars"
    field(page, "applies_to.positions").fill("客服员")

    for component in STARS["components"]:
        row = add_row(page, "components")
        fill_row(page, row, code=component["code"], name=component["name"])
        field(page, f"{row}.type").select_option(component["type"])
        if component.get("bonus"):
            field(page, f"{row}.bonus").check()
        if component["type"] == "ranked":
            fill_row(page, row, metric=component["metric"])
        if component["type"] == "conduct":
            fill_row(page, row, full="3", warning_loss="1, 1.5, 3")
            fill_row(page, row, **{"on_deduction.red": "0", "on_deduction.green": "1"})
            for item in component["items"]:
                item_row = add_row(page, f"{row}.items")
                fill_row(page, item_row, code=item["code"], name=item["name"])

    # A row typed by mistake: moved around, then removed; the others keep what was typed.
    extra = add_row(page, "components")
    fill_row(page, extra, code="EXTRA", name="多余的项目")
    page.locator(f'[id="f-{extra}"] [data-move="up"]').click()
    page.locator(f'[id="f-{extra}"] [data-move="up"]').click()
    label = page.locator(f'[id="f-{extra}"] > div > [data-row-label]')
    assert label.inner_text() == "评星项目 6"
    page.locator(f'[id="f-{extra}"] [data-remove-row]').click()
    assert page.locator(f'[id="f-{extra}"]').count() == 0
    patrol_items = page.locator('[data-rows="components[0].items"] [data-row]')
    patrol_items.nth(0).locator('[data-move="down"]').click()
    patrol_items.nth(1).locator('[data-move="up"]').click()

    veto = add_row(page, "veto")
    field(page, f"{veto}.__kind").select_option("complaint")
    field(page, f"{veto}.complaint").select_option("valid")

    page.get_by_label("评优", exact=True).check()
    fill_row(page, "award", title="本周服务之星", winners="1")
    field(page, "award.tie_break").select_option("fewer_green,more_red")
    page.get_by_label("晋级", exact=True).check()
    fill_row(page, "promotion", title="月度服务明星", wins="3", prize="100")
    field(page, "promotion.within").select_option("month")
    page.screenshot(path=str(screenshots / "scheme-editor-stars-1280.png"), full_page=True)

    page.get_by_label("修改原因").fill("按客服部评选办法建立")
    page.get_by_role("button", name="创建方案").click()
    page.wait_for_url(f"{live_server.url}/schemes/*/")
    assert page.get_by_text("已保存为 客服部每周服务之星 的第 1 版。").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 YAML").click()
    exported = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    assert normalise(exported) == normalise(STARS)


def record(person, day, code: str, count: int) -> None:
    draft = RecordDraft(staff_id=person.pk, date=day, kind="deduction", code=code, value=count)
    record_create(draft=draft)


def monthly_world():
    """The monthly deduction scheme, three cleaners, last month closed (丙, 甲, 乙)."""
    scheme = import_template("property-monthly-quality")
    company = UnitFactory(name="星辰物业", path="星辰物业")
    unit = UnitFactory(name="保洁班", parent=company)
    cleaner = PositionFactory(name="保洁员")
    people = {
        name: StaffFactory(employee_no=number, name=name, unit=unit, position=cleaner)
        for number, name in (("C001", "甲"), ("C002", "乙"), ("C003", "丙"))
    }
    today = timezone.localdate()
    last_month = period_for_date("monthly", today.replace(day=1) - timedelta(days=1))
    for day in (last_month.start, today):
        record(people["甲"], day, "CLEAN-01", Decimal(1))
        record(people["乙"], day, "ATT-01", Decimal(2))
    period_close(scheme=scheme, key=last_month.key)
    return scheme, last_month


def change_of(table, name: str) -> str:
    """The rank change shown for a person, as a screen reader reads it."""
    text = table.locator("tr", has_text=name).locator("[data-change]").text_content()
    return " ".join(text.split())


def test_hr_previews_and_saves_version_two_of_the_monthly_scheme(
    live_server, transactional_db, page_at, screenshots
):
    hr_user("hr")
    scheme, last_month = monthly_world()
    page = page_at(1280, 800)
    log_in(page, live_server.url, "hr")
    page.goto(f"{live_server.url}/schemes/")
    assert_accessible(page)
    page.get_by_role("link", name="物业服务质量月度评分").click()
    page.get_by_role("link", name="编辑").click()
    assert_accessible(page)

    field(page, "categories[0].items[0].deduct").fill("4")
    page.get_by_role("button", name="用实时数据预览").click()
    preview = page.locator("#preview")
    preview.wait_for()
    closed = preview.locator("table").nth(1)
    for table in (preview.locator("table").nth(0), closed):
        assert change_of(table, "乙") == "↑1 名上升"
        assert change_of(table, "甲") == "↓1 名下降"
        assert change_of(table, "丙") == "—"
    assert preview.get_by_text(f"最近已结算周期 {last_month.key}").is_visible()
    assert field(page, "categories[0].items[0].deduct").input_value() == "4"
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "scheme-preview-1280.png"), full_page=False)

    page.get_by_label("修改原因").fill("加重地面垃圾扣分")
    page.get_by_role("button", name="保存为新版本").click()
    page.wait_for_url(f"{live_server.url}/schemes/{scheme.pk}/")
    assert page.get_by_text("已保存为 物业服务质量月度评分 的第 2 版。").is_visible()

    page.get_by_role("link", name=last_month.key).click()
    assert page.get_by_text("按方案第 1 版计算").is_visible()
    row = page.locator("tbody tr", has_text="甲")
    assert "99.00" in row.inner_text()
    page.screenshot(path=str(screenshots / "scheme-period-1280.png"), full_page=True)

    page.goto(f"{live_server.url}/schemes/{scheme.pk}/versions/")
    assert page.get_by_text("加重地面垃圾扣分").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="查看差异").click()
    change = page.locator("tbody tr")
    assert change.count() == 1
    assert "CLEAN-01" in change.inner_text() and "4" in change.inner_text()
    assert_accessible(page)
    page.screenshot(path=str(screenshots / "scheme-diff-1280.png"), full_page=True)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (375, 812)])
def test_editor_pages_read_well_at_every_width(
    width, height, live_server, transactional_db, page_at, screenshots
):
    hr_user("hr")
    scheme = import_template("tobacco-half-year-quality")
    page = page_at(width, height)
    log_in(page, live_server.url, "hr")

    for name, path in (
        ("list", "/schemes/"),
        ("new", "/schemes/new/"),
        ("editor", f"/schemes/{scheme.pk}/edit/"),
        ("detail", f"/schemes/{scheme.pk}/"),
        ("versions", f"/schemes/{scheme.pk}/versions/"),
        ("diff", f"/schemes/{scheme.pk}/diff/"),
        ("import", "/schemes/import/"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width}px ({scroll}px)"
        page.screenshot(path=str(screenshots / f"scheme-{name}-{width}.png"), full_page=True)
    assert parse_yaml(template_text("tobacco-half-year-quality"))[1] == []
