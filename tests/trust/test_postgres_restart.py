"""PostgreSQL restarting while StarService serves requests: a live gunicorn worker pointed at
a private cluster keeps serving once the database is back, without being restarted, and the
writes made afterwards are kept."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.trust.conftest import ROOT, TEMPLATE_DB, app_environment, manage
from tests.trust.pgcluster import free_port

pytestmark = pytest.mark.trust

PASSWORD = "Restart-proof-2026"
SETUP = f"""
from django.contrib.auth.models import Group, User
from accounts.roles import HR_GROUP
from staff.services import unit_get_or_create_path
from staff.models import Position
user = User.objects.create_user("hr", password="{PASSWORD}")
user.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
unit_get_or_create_path(path="星辰物业/客服部")
Position.objects.get_or_create(name="客服员")
"""


class Browser:
    """A cookie-keeping HTTP client that never follows redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=20) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def csrf(self) -> str:
        return next(c.value for c in self.cookies if c.name == "csrftoken")

    def post_form(self, path: str, fields: dict) -> tuple[int, str]:
        status, page = self.request(path)
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(path, {"csrfmiddlewaretoken": token, **fields})


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer on {url}")


def _worker_pids(master: int) -> set[int]:
    result = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return {int(pid) for pid in result.stdout.split()}


@pytest.fixture
def served_app(private_cluster):
    database_url = private_cluster.create_database("restart_app", template=TEMPLATE_DB)
    manage(database_url, "shell", "-c", SETUP)
    port = free_port()
    environment = app_environment(
        database_url, redis=True, DJANGO_DEBUG="true", LOG_LEVEL="WARNING"
    )
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn")
            if (ROOT / ".venv" / "bin" / "gunicorn").exists()
            else sys.executable.replace("python", "gunicorn"),
            "starservice.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
            "--config",
            "python:starservice.gunicorn_conf",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/login/")
        yield f"http://127.0.0.1:{port}", process, database_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        private_cluster.psql("postgres", "DROP DATABASE IF EXISTS restart_app WITH (FORCE)")


def test_app_recovers_after_postgres_restarts_without_being_restarted(served_app, private_cluster):
    base, gunicorn, database_url = served_app
    browser = Browser(base)
    status, _page = browser.post_form("/login/", {"username": "hr", "password": PASSWORD})
    assert status == 302
    assert browser.request("/")[0] == 200
    assert browser.request("/staff/")[0] == 200
    workers = _worker_pids(gunicorn.pid)
    assert workers

    # A restart between two requests: the worker's kept connection is dead; the next
    # request must notice (CONN_HEALTH_CHECKS) and reconnect rather than fail.
    private_cluster.stop("fast")  # drops every connection, as a crash or upgrade would
    private_cluster.start()
    assert browser.request("/staff/")[0] == 200

    # Requests while the database is down fail at once rather than hang…
    private_cluster.stop("fast")
    try:
        assert browser.request("/staff/")[0] == 500
    finally:
        private_cluster.start()

    # The same worker answers again, reading and writing, with the same session.
    assert browser.request("/")[0] == 200
    assert browser.request("/staff/")[0] == 200
    status, _ = browser.post_form(
        "/staff/new/",
        {
            "employee_no": "R0001",
            "name": "赵重启",
            "unit": private_cluster.psql(
                "restart_app", "SELECT id FROM staff_unit WHERE path = '星辰物业/客服部'"
            ),
            "position": private_cluster.psql(
                "restart_app", "SELECT id FROM staff_position WHERE name = '客服员'"
            ),
            "hire_date": "2024-03-01",
        },
    )
    assert status == 302
    assert (
        private_cluster.psql(
            "restart_app", "SELECT count(*) FROM staff_staff WHERE employee_no = 'R0001'"
        )
        == "1"
    )
    assert (
        private_cluster.psql(
            "restart_app", "SELECT count(*) FROM audit_auditentry WHERE action = 'staff.created'"
        )
        == "1"
    )
    assert _worker_pids(gunicorn.pid) == workers
    assert gunicorn.poll() is None
