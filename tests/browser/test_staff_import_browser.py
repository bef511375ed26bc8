"""HR imports a staff workbook in a real browser and finds the person in the staff list."""

import pytest

from tests.factories import PASSWORD, hr_user
from tests.staff.workbooks import save_staff_workbook, staff_row

pytestmark = pytest.mark.browser


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}/")


def test_hr_imports_staff_and_sees_them_listed(
    live_server, transactional_db, page_at, screenshots, tmp_path
):
    hr_user("hr")
    workbook = save_staff_workbook(
        tmp_path / "员工.xlsx",
        [
            staff_row(工号="A0001", 姓名="钱多多", 部门="星辰物业/客服部/前台班", 负责人="是"),
            staff_row(
                工号="A0002", 姓名="欧阳晓燕", 部门="星辰物业/新区管理部/保洁班", 岗位="保洁员"
            ),
            staff_row(工号="A0003", 姓名="孙悦", 部门="星辰物业/工程部", 岗位="水电工"),
        ],
        title="2026年员工名单",
    )
    page = page_at(1280, 800)
    log_in(page, live_server.url, "hr")

    page.get_by_role("link", name="导入", exact=True).first.click()
    page.get_by_label("员工表（.xlsx）").set_input_files(str(workbook))
    page.get_by_role("button", name="预览").click()
    assert page.get_by_text("检查通过：将新增 3 人，更新 0 人。").is_visible()
    page.get_by_role("button", name="确认导入").click()

    page.wait_for_url(f"{live_server.url}/staff/")
    assert page.get_by_text("已导入 员工.xlsx：新增 3 人，更新 0 人。").is_visible()
    assert page.get_by_role("link", name="欧阳晓燕").is_visible()
    page.screenshot(path=str(screenshots / "staff-list-1280.png"), full_page=True)

    phone = page_at(375, 812)
    log_in(phone, live_server.url, "hr")
    phone.goto(f"{live_server.url}/staff/")
    assert phone.get_by_role("link", name="欧阳晓燕").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the staff list scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=str(screenshots / "staff-list-375.png"), full_page=True)
