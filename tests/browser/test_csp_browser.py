"""Under the Content Security Policy the pages still work in a real browser: no script,
style, font or image is refused, htmx and Bootstrap run. And HR's audit log renders."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.services import audit_log

pytestmark = pytest.mark.browser
JS_LOADED = "typeof window.bootstrap === 'object' && typeof window.htmx === 'object'"

PAGES = [
    "/",
    "/staff/",
    "/staff/units/",
    "/inspections/",
    "/inspections/records/",
    "/complaints/",
    "/leaderboard/",
    "/dashboard/",
    "/reports/",
    "/audit/",
    "/audit/?action=role",
    "/audit/mine/",
    "/login/",
]
PUBLIC_PAGES = ["/complaints/new/"]  # their own light layout


def logged_in_page(page_at, live_server, user, width=1280, height=800):
    client = Client()
    client.force_login(user)
    page = page_at(width, height)
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_pages_load_without_csp_violations(
    live_server, transactional_db, page_at, screenshots, org, hr, staff_a
):
    audit_log(
        actor=hr, action="period.closed", target=staff_a, summary="2026-W47", reason="周日结算"
    )
    page = logged_in_page(page_at, live_server, hr)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    statuses = {}
    for path in PAGES + PUBLIC_PAGES:
        response = page.goto(f"{live_server.url}{path}")
        statuses[path] = response.status
        page.wait_for_load_state("networkidle")
        if path in PAGES:  # Bootstrap and htmx loaded and ran
            assert page.evaluate(JS_LOADED), path

    assert refused == []
    assert all(status < 500 for status in statuses.values()), statuses
    page.goto(f"{live_server.url}/audit/")
    assert page.get_by_text("周日结算").is_visible()
    page.screenshot(path=str(screenshots / "audit-log-1280.png"), full_page=True)
