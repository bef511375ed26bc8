"""axe-core on the inspection and record pages the three-findings walk does not visit:
inspection list, records import, finding dispute, record correct and record void."""

import pytest
from django.urls import reverse
from django.utils import timezone

from inspections.services import finding_record, inspection_start
from tests.browser.axe import assert_accessible
from tests.browser.test_staff_import_browser import log_in
from tests.factories import PositionFactory, StaffFactory, UserFactory, hr_user
from tests.schemes import import_template

VIEWPORTS = [(375, 812), (1280, 800)]


@pytest.fixture
def finding(transactional_db, org, inspector_a):
    import_template("property-weekly-stars")
    head = StaffFactory(name="赵主管", unit=org.unit_a, position=PositionFactory(name="项目经理"))
    head.user = UserFactory(username="head_a")
    head.save()
    org.unit_a.head = head
    org.unit_a.save()
    clerk = StaffFactory(name="张小明", unit=org.unit_a_team, position=org.position)
    inspection = inspection_start(
        actor=inspector_a, date=timezone.localdate(), unit=org.unit_a, type="daily"
    )
    return finding_record(
        inspection=inspection,
        actor=inspector_a,
        staff=clerk,
        kind="warning",
        code="PATROL-LATE",
        value=None,
    )


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["phone", "desktop"])
def test_inspection_and_record_pages_have_no_serious_axe_violations(
    live_server, finding, page_at, width, height
):
    hr_user("hr")
    record = finding.record
    pages = {
        "inspector_a": [
            reverse("inspections:list"),
            reverse("inspections:record_correct", args=[record.pk]),
            reverse("inspections:record_void", args=[record.pk]),
        ],
        "head_a": [reverse("inspections:finding_dispute", args=[finding.pk])],
        "hr": [reverse("inspections:records_import")],
    }
    for username, paths in pages.items():
        page = page_at(width, height)
        log_in(page, live_server.url, username)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            assert_accessible(page)
