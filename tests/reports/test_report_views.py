"""Reports from the browser: the period report downloaded at once agrees with the
leaderboard on screen; several schemes and the monthly HR bundle are built in the
background (Celery, run eagerly here) with progress, and only their owner may fetch them."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from scoring.services import period_close
from starservice.celery import app as celery_app
from tests.dashboards.conftest import QUALITY, STARS, add
from tests.factories import StaffFactory, hr_user
from tests.schemes import import_yaml, template_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(monkeypatch, settings, tmp_path):
    """Tasks run in this process (CI points the broker at Redis, with no worker here)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people(schemes, org, staff_a, staff_b):
    more = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(3)]
    add(staff_a, "warning", "PATROL-LATE", inspector_name="值班经理")
    add(more[0], "deduction", "PATROL-POST")
    add(more[1], "metric", "free_card_signups", 4)
    add(more[2], "complaint", "有责", note="态度生硬")
    add(staff_b, "deduction", "CLEAN-01", 3, day=date(2026, 11, 3))
    add(more[0], "deduction", "ATT-01", day=date(2026, 11, 4))
    return [staff_a, staff_b, *more]


def summary_rows(content: bytes) -> list[dict]:
    sheet = load_workbook(BytesIO(content), read_only=True)["汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[1]  # a title row, then the header row
    return [dict(zip(headers, row, strict=False)) for row in rows[2:]]


def page_rows(client, **params) -> list[dict]:
    board = client.get(reverse("dashboards:leaderboard"), params).context["board"]
    return [
        {
            "排名": row.rank,
            "工号": row.person.number,
            "姓名": row.person.name,
            "得分": Decimal(row.result["score"]),
            "等级": row.result.get("grade") or "",
            "当选": row.result.get("award") or "",
        }
        for row in board.rows
    ]


def workbook_rows(content: bytes) -> list[dict]:
    return [
        {
            "排名": row["排名"],
            "工号": row["工号"],
            "姓名": row["姓名"],
            "得分": Decimal(str(row["得分"])).quantize(Decimal("0.01")),
            "等级": row.get("等级") or "",
            "当选": row["当选"] or "",
        }
        for row in summary_rows(content)
    ]


@pytest.mark.parametrize(
    ("code", "period", "close"),
    [(STARS, "2026-W47", False), (QUALITY, "2026-11", False), (STARS, "2026-W46", True)],
)
def test_the_report_agrees_with_the_leaderboard(client, people, hr, schemes, code, period, close):
    if close:
        add(people[0], "warning", "PATROL-DRESS", day=date(2026, 11, 12))
        period_close(scheme=schemes[code], key=period)
    client.force_login(hr)

    on_screen = page_rows(client, scheme=code, period=period)
    response = client.get(reverse("reports:period"), {"scheme": code, "period": period})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    # Sent from the file it was written into, not from a workbook held in memory.
    assert not isinstance(response.file_to_stream, BytesIO)
    in_workbook = workbook_rows(b"".join(response.streaming_content))
    assert in_workbook == on_screen
    assert len(on_screen) == 5


def test_the_current_period_is_the_default(client, people, hr):
    client.force_login(hr)

    response = client.get(reverse("reports:period"), {"scheme": STARS})

    assert "2026-W47" in response["Content-Disposition"]


def test_bad_input_is_a_message_or_404(client, schemes, hr):
    client.force_login(hr)
    url = reverse("reports:period")

    assert client.get(url, {"scheme": "nope"}).status_code == 404
    response = client.get(url, {"scheme": STARS, "period": "2026-11"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:index")
    assert "2026-11" in response.content.decode()


def start(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export_create"), data)
    assert response.status_code == 302, response
    return response.url


def test_several_schemes_are_zipped(client, people, hr, django_capture_on_commit_callbacks):
    second = template_text(QUALITY).replace(f"code: {QUALITY}", "code: second-monthly")
    import_yaml(second.replace("name: 物业服务质量月度评分", "name: 第二个月度方案"))
    client.force_login(hr)

    status_url = start(
        client,
        django_capture_on_commit_callbacks,
        kind="periods",
        schemes=[QUALITY, "second-monthly"],
        period="2026-11",
    )

    page = client.get(status_url).content.decode()
    download = status_url + "download/"
    assert download in page
    response = client.get(download)
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "物业服务质量月度评分-2026-11.xlsx",
        "第二个月度方案-2026-11.xlsx",
    ]
    one = archive.read("物业服务质量月度评分-2026-11.xlsx")
    assert workbook_rows(one) == page_rows(client, scheme=QUALITY, period="2026-11")


def test_a_key_of_the_wrong_kind_is_refused(client, schemes, hr):
    client.force_login(hr)

    response = client.post(
        reverse("reports:export_create"),
        {"kind": "periods", "schemes": [STARS, QUALITY], "period": "2026-11"},
    )

    assert response.status_code == 400
    assert "2026-11" in response.content.decode()


def test_monthly_bundle(client, people, hr, django_capture_on_commit_callbacks):
    client.force_login(hr)

    status_url = start(client, django_capture_on_commit_callbacks, kind="bundle", month="2026-11")

    response = client.get(status_url + "download/")
    assert "2026-11" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert workbook.sheetnames == ["物业服务质量月度评分", "周服务之星", "投诉"]
    weeks = {row[1] for row in workbook["周服务之星"].iter_rows(min_row=3, values_only=True)}
    assert weeks == {"2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"}
    complaints = list(workbook["投诉"].iter_rows(min_row=3, values_only=True))
    assert [row[1] for row in complaints] == [people[4].employee_no]


def test_progress_until_done_and_only_for_the_owner(client, schemes, hr):
    client.force_login(hr)
    response = client.post(reverse("reports:export_create"), {"kind": "bundle", "month": "2026-11"})
    progress_url = response.url + "progress/"

    queued = client.get(progress_url).content.decode()  # on_commit never ran: still queued
    assert f'hx-get="{progress_url}"' in queued and 'aria-valuenow="0"' in queued

    other = hr_user("hr2")
    client.force_login(other)
    assert client.get(progress_url).status_code == 404
    assert client.get(response.url + "download/").status_code == 404


def test_the_bundle_form_rejects_a_bad_month(client, schemes, hr):
    client.force_login(hr)

    response = client.post(reverse("reports:export_create"), {"kind": "bundle", "month": "11/2026"})

    assert response.status_code == 400
