"""The import page (upload → preview → confirm), the template download and the export."""

from datetime import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from staff.models import Staff, Unit
from staff.services import StaffImportResult, staff_import
from staff.views import IMPORT_SESSION_KEY
from tests.factories import StaffFactory
from tests.staff.workbooks import HEADERS, read_rows, staff_row, staff_workbook

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, data: bytes, name: str = "员工.xlsx"):
    return client.post(reverse("staff:import"), {"file": SimpleUploadedFile(name, data)})


def test_preview_then_confirm_imports(client, hr, org):
    client.force_login(hr)
    rows = [staff_row(工号="A0001", 姓名="钱多多"), staff_row(工号="A0002", 姓名="孙悦")]

    preview = upload(client, staff_workbook(rows))

    assert preview.status_code == 200
    content = preview.content.decode()
    assert "检查通过：将新增 2 人，更新 0 人。" in content
    assert "钱多多" in content and "2021-05-01" in content
    assert Staff.objects.count() == 0
    token = preview.context["token"]
    assert client.session[IMPORT_SESSION_KEY]["token"] == token

    confirmed = client.post(reverse("staff:import_confirm"), {"token": token}, follow=True)

    assert confirmed.redirect_chain[-1][0] == reverse("staff:list")
    assert "已导入 员工.xlsx：新增 2 人，更新 0 人。" in confirmed.content.decode()
    assert sorted(Staff.objects.values_list("name", flat=True)) == ["孙悦", "钱多多"]
    assert IMPORT_SESSION_KEY not in client.session


def test_preview_lists_every_problem_and_offers_no_confirm(client, hr, org):
    client.force_login(hr)
    rows = [staff_row(工号="A0001", 姓名=None), staff_row(工号="A0001", 状态="退休")]

    response = upload(client, staff_workbook(rows))

    content = response.content.decode()
    assert response.context["result"].problems == [
        "row 2, column 姓名: 必填",
        "row 3, column 状态: 须为 在职 或 离职，而不是 退休",
        "row 3, column 工号: A0001 已出现在第 2 行",
    ]
    assert "row 3, column 状态: 须为 在职 或 离职，而不是 退休" in content
    assert reverse("staff:import_confirm") not in content
    assert IMPORT_SESSION_KEY not in client.session


def test_stale_token_imports_nothing(client, hr, org):
    client.force_login(hr)
    first = upload(client, staff_workbook([staff_row(工号="A0001")])).context["token"]
    upload(client, staff_workbook([staff_row(工号="B0001")]))

    response = client.post(reverse("staff:import_confirm"), {"token": first}, follow=True)

    assert "此预览已失效，请重新上传文件。" in response.content.decode()
    assert Staff.objects.count() == 0


def test_confirm_validates_again_and_shows_new_problems(client, hr, org, monkeypatch):
    client.force_login(hr)
    token = upload(client, staff_workbook([staff_row(工号="A0001")])).context["token"]

    def refuse(*, source, actor=None, dry_run=False):
        return StaffImportResult(problems=["row 2, column 工号: 已被占用"])

    monkeypatch.setattr("staff.views.staff_import", refuse)
    response = client.post(reverse("staff:import_confirm"), {"token": token})

    assert response.status_code == 200
    assert "row 2, column 工号: 已被占用" in response.content.decode()
    assert Staff.objects.count() == 0


def test_not_an_xlsx_is_refused_with_a_message(client, hr, org):
    client.force_login(hr)
    response = upload(client, b"a,b\n1,2\n", name="staff.csv")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["只能导入 .xlsx 格式的工作簿。"]


def test_a_renamed_file_that_is_not_a_workbook_is_a_problem_not_a_crash(client, hr, org):
    client.force_login(hr)
    response = upload(client, b"not a zip file", name="staff.xlsx")
    assert response.status_code == 200
    assert response.context["result"].problems == ["文件不是可读取的 .xlsx 工作簿（BadZipFile）"]


def test_too_large_upload_is_refused_with_a_message(client, hr, org, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    client.force_login(hr)
    data = staff_workbook([staff_row(工号=f"A{n:04d}") for n in range(200)])
    assert len(data) > 2000
    response = upload(client, data)
    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert error.startswith("文件大小为 ") and error.endswith("最大只能 2.0\xa0KB。")
    assert Staff.objects.count() == 0


def test_template_has_the_formats_headers_and_one_example_that_imports(client, hr, org):
    client.force_login(hr)
    response = client.get(reverse("staff:import_template"))
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)

    rows = read_rows(data)

    assert rows[0] == HEADERS
    assert len(rows) == 2
    assert rows[1][:4] == ["A0001", "张小明", "新区管理部/保洁班", "保洁员"]
    assert isinstance(rows[1][4], datetime)
    result = staff_import(source=BytesIO(data))
    assert (result.ok, result.created) == (True, 1)


def test_export_then_import_round_trips(client, hr, org, staff_a, staff_b, head_b):
    client.force_login(hr)
    staff_a.certificates.create(name="急救证")
    staff_a.certificates.create(name="消防证")
    StaffFactory(
        employee_no="00123",
        name="=HYPERLINK()",
        unit=org.unit_b,
        position=org.position,
        status=Staff.Status.LEFT,
        left_date=datetime(2025, 6, 30).date(),
    )
    response = client.get(reverse("staff:export"))
    assert response["Content-Type"] == XLSX
    data = b"".join(response.streaming_content)

    rows = read_rows(data)
    assert rows[0] == HEADERS
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[staff_a.employee_no][5] == "急救证;消防证"
    assert by_number[head_b.employee_no][6] == "是"
    assert by_number["00123"][7:] == ["离职", datetime(2025, 6, 30)]

    def state():
        return sorted(
            (
                p.employee_no,
                p.name,
                p.unit.path,
                p.position.name,
                p.hire_date,
                p.status,
                p.left_date,
                tuple(c.name for c in p.certificates.all()),
            )
            for p in Staff.objects.select_related("unit", "position")
        ), sorted(Unit.objects.values_list("path", "head_id"))

    before = state()
    result = staff_import(source=BytesIO(data))
    assert (result.problems, result.created, result.updated) == ([], 0, 4)
    assert state() != before  # the formula-like name was neutralised on export …
    assert Staff.objects.get(employee_no="00123").name == "'=HYPERLINK()"
    Staff.objects.filter(employee_no="00123").update(name="=HYPERLINK()")
    assert state() == before  # … and everything else came back unchanged


def test_export_follows_the_list_filters(client, hr, org, staff_a, staff_b):
    client.force_login(hr)
    response = client.get(reverse("staff:export"), {"unit": org.unit_a.pk})
    numbers = [row[0] for row in read_rows(b"".join(response.streaming_content))[1:]]
    assert numbers == [staff_a.employee_no]
