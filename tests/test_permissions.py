"""Who may open which page: one row per URL, one expected answer per persona.

Adding a URL? Add a ``Case`` to CASES (``test_every_url_pattern_has_a_row`` fails until you
do). ``kwargs`` builds the URL's arguments from the personas' world; ``expect`` fills every
persona with a default (anonymous users are sent to the login page unless said otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from complaints.services import complaint_assign, complaint_receive, rating_link_for
from tests.factories import StaffFactory

# "anonymous" has never been here; "public" is a customer who came through a QR code (no
# login, but the public pages' device cookie). Unless a row says otherwise, "public" gets
# what "anonymous" gets.
PERSONAS = (
    "anonymous",
    "public",
    "staff_a",
    "staff_b",
    "inspector_a",
    "head_b",
    "hr",
    "admin_user",
)

OK = 200
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405
LOGIN = "302 to login"
REDIRECT = "302 elsewhere"

# Django's admin checks is_staff and its own permissions; it is not part of this table.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass
class World:
    org: object
    people: dict  # persona name → User (or Staff for personas that are staff members)

    def user(self, persona: str):
        person = self.people.get(persona)
        return getattr(person, "user", person)


@dataclass(frozen=True)
class Case:
    url_name: str
    expected: dict
    kwargs: Callable[[World], dict] | None = None
    method: str = "get"
    label: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url_name}{f' ({self.label})' if self.label else ''}"


def expect(default, **overrides) -> dict:
    unknown = set(overrides) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    expected = {persona: default for persona in PERSONAS} | {"anonymous": LOGIN}
    expected |= overrides
    expected.setdefault("public", expected["anonymous"])
    if "public" not in overrides:
        expected["public"] = expected["anonymous"]
    return expected


EVERYONE = expect(OK)
HR_ONLY = expect(FORBIDDEN, hr=OK, admin_user=OK)
SUPERVISORS = expect(FORBIDDEN, inspector_a=OK, head_b=OK, hr=OK, admin_user=OK)
HEADS_AND_HR = expect(FORBIDDEN, head_b=OK, hr=OK, admin_user=OK)
# Those a published notice of the weekly stars lists (staff_a, staff_b), staff_b's unit head
# and HR.
LISTED = {"staff_a": OK, "staff_b": OK, "head_b": OK, "hr": OK, "admin_user": OK}


def staff_a(world):
    return {"pk": world.people["staff_a"].pk}


def staff_b(world):
    return {"pk": world.people["staff_b"].pk}


def new_person_in_unit_a(world):
    return {"pk": StaffFactory(unit=world.org.unit_a_team, position=world.org.position).pk}


def complaint_assigned_to_inspector_a(world):
    """A complaint about staff_a, received today and assigned to inspector_a."""
    from django.utils import timezone

    complaint = complaint_receive(
        channel="phone",
        content="态度生硬",
        received_on=timezone.localdate(),
        staff=world.people["staff_a"],
    )
    complaint_assign(complaint=complaint, assignee=world.user("inspector_a"), actor=None)
    return {"pk": complaint.pk}


def rating_token_of_staff_a(world):
    return {"token": rating_link_for(staff=world.people["staff_a"]).token}


def inspection_of_unit_a(world):
    from django.utils import timezone

    from inspections.services import inspection_start

    inspection = inspection_start(
        actor=world.user("inspector_a"),
        date=timezone.localdate(),
        unit=world.org.unit_a,
        type="daily",
    )
    return {"pk": inspection.pk}


def _finding_about_staff_a(world):
    from decimal import Decimal

    from inspections.models import Inspection
    from inspections.services import finding_record
    from tests.schemes import import_template

    import_template("property-weekly-stars")
    inspection = Inspection.objects.get(pk=inspection_of_unit_a(world)["pk"])
    return finding_record(
        inspection=inspection,
        actor=world.user("inspector_a"),
        staff=world.people["staff_a"],
        kind="warning",
        code="PATROL-LATE",
        value=Decimal(1),
    )


def finding_about_staff_a(world):
    return {"pk": _finding_about_staff_a(world).pk}


def record_of_staff_a_by_inspector_a(world):
    return {"pk": _finding_about_staff_a(world).record_id}


def weekly_stars_scheme(world):
    from tests.schemes import import_template

    return {"code": import_template("property-weekly-stars").code}


def scheme_pk(world):
    from tests.schemes import import_template

    return {"pk": import_template("property-weekly-stars").pk}


def closed_week(world):
    from scoring.services import period_close
    from tests.schemes import import_template

    scheme = import_template("property-weekly-stars")
    period_close(scheme=scheme, key="2026-W01")
    return {"pk": scheme.pk, "key": "2026-W01"}


def no_job(world):
    return {"job_id": "00000000-0000-4000-8000-000000000000"}


def _finding_with_photo_about_staff_a(world):
    from decimal import Decimal
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from inspections.models import Inspection
    from inspections.photos import photo_prepare
    from inspections.services import finding_record
    from tests.schemes import import_template

    import_template("property-weekly-stars")
    image = BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(image, format="PNG")
    photo = photo_prepare(SimpleUploadedFile("floor.png", image.getvalue()))
    inspection = Inspection.objects.get(pk=inspection_of_unit_a(world)["pk"])
    return finding_record(
        inspection=inspection,
        actor=world.user("inspector_a"),
        staff=world.people["staff_a"],
        kind="warning",
        code="PATROL-DRESS",
        value=Decimal(1),
        photo=photo,
    )


def photo_finding_about_staff_a(world):
    return {"pk": _finding_with_photo_about_staff_a(world).pk}


def photo_record_of_staff_a(world):
    return {"pk": _finding_with_photo_about_staff_a(world).record_id}


def history_of_staff_a(world):
    return {"label": "staff.staff", "pk": world.people["staff_a"].pk}


def _published_notice(world):
    """Last week of the weekly stars closed and published today: staff_a and staff_b are
    listed (head_b heads staff_b's unit), the objection window is open."""
    from datetime import timedelta

    from django.utils import timezone

    from notices.models import Notice
    from notices.services import notice_publish
    from scoring.engine.periods import period_for_date
    from scoring.services import period_close
    from tests.schemes import import_template

    scheme = import_template("property-weekly-stars")
    key = period_for_date(scheme.period, timezone.localdate() - timedelta(days=7)).key
    snapshot = period_close(scheme=scheme, key=key).snapshot
    notice = Notice.objects.get(period=snapshot.period)
    return notice_publish(notice=notice, actor=world.user("hr"))


def published_notice(world):
    return {"pk": _published_notice(world).pk}


def objection_of_staff_b(world):
    from notices.services import objection_create

    notice = _published_notice(world)
    result = notice.snapshot.results.get(staff=world.people["staff_b"])
    objection = objection_create(
        notice=notice, actor=world.user("staff_b"), text="排名有误", result=result
    )
    return {"pk": objection.pk}


def notification_of_staff_a(world):
    from notifications.models import Notification
    from notifications.services import notify

    (notification,) = notify(
        users=[world.user("staff_a")], kind=Notification.Kind.NOTICE_PUBLISHED, title="公示"
    )
    return {"pk": notification.pk}


CASES = [
    # audit (HR's log and object histories; everyone's own record history)
    Case("audit:list", HR_ONLY),
    Case("audit:object_history", HR_ONLY, kwargs=history_of_staff_a),
    Case("audit:mine", EVERYONE),
    # object level: a photo is served only to those who may see its finding, whatever id is
    # asked for (staff_b, head_b of another unit: 404, as for an id that does not exist)
    Case(
        "inspections:finding_photo",
        expect(NOT_FOUND, staff_a=OK, inspector_a=OK, hr=OK, admin_user=OK),
        kwargs=photo_finding_about_staff_a,
        label="staff_a's photo",
    ),
    Case(
        "dashboards:me_record_photo",
        expect(NOT_FOUND, staff_a=OK),
        kwargs=photo_record_of_staff_a,
        label="staff_a's photo",
    ),
    # accounts
    Case("home", expect(OK, staff_a=REDIRECT, staff_b=REDIRECT), label="staff go to My standing"),
    Case("login", expect(REDIRECT, anonymous=OK)),
    Case("logout", expect(LOGIN), method="post"),
    Case("password_change", EVERYONE),
    Case("password_change_done", EVERYONE),
    Case("set_language", expect(REDIRECT, anonymous=REDIRECT), method="post"),
    # staff
    Case("staff:list", SUPERVISORS),
    Case(
        "staff:detail",
        expect(NOT_FOUND, staff_a=OK, inspector_a=OK, hr=OK, admin_user=OK),
        kwargs=staff_a,
        label="staff_a in unit A's team",
    ),
    Case(
        "staff:detail",
        expect(NOT_FOUND, staff_b=OK, head_b=OK, hr=OK, admin_user=OK),
        kwargs=staff_b,
        label="staff_b in unit B",
    ),
    Case("staff:create", HR_ONLY),
    Case("staff:edit", HR_ONLY, kwargs=staff_a),
    Case("staff:leave", HR_ONLY, kwargs=staff_a),
    Case("staff:create_login", HR_ONLY, kwargs=new_person_in_unit_a),
    Case("staff:units", HR_ONLY),
    Case("staff:import", HR_ONLY),
    Case("staff:import_confirm", expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED)),
    Case(
        "staff:import_confirm",
        expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        method="post",
        label="nothing uploaded",
    ),
    Case("staff:import_template", HR_ONLY),
    Case("staff:export", HR_ONLY),
    # complaints (the complaint is assigned to inspector_a; other non-HR users cannot see it)
    Case("complaints:list", EVERYONE),
    Case("complaints:create", HR_ONLY),
    Case(
        "complaints:detail",
        expect(NOT_FOUND, inspector_a=OK, hr=OK, admin_user=OK),
        kwargs=complaint_assigned_to_inspector_a,
    ),
    Case(
        "complaints:assign",
        expect(NOT_FOUND, inspector_a=FORBIDDEN, hr=OK, admin_user=OK),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="empty form: errors shown",
    ),
    Case(
        "complaints:investigate",
        expect(NOT_ALLOWED, anonymous=LOGIN),
        kwargs=complaint_assigned_to_inspector_a,
    ),
    Case(
        "complaints:investigate",
        expect(NOT_FOUND, inspector_a=REDIRECT, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
    ),
    Case(
        "complaints:decide",
        expect(NOT_FOUND, inspector_a=FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="not at this step: message",
    ),
    Case(
        "complaints:reverse",
        expect(NOT_FOUND, inspector_a=FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="not at this step: message",
    ),
    Case(
        "complaints:resolve",
        expect(NOT_FOUND, inspector_a=REDIRECT, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="not at this step: message",
    ),
    Case(
        "complaints:follow_up",
        expect(NOT_FOUND, inspector_a=FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="not at this step: message",
    ),
    Case(
        "complaints:close",
        expect(NOT_FOUND, inspector_a=FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=complaint_assigned_to_inspector_a,
        method="post",
        label="not yet followed up: message",
    ),
    Case("complaints:badges", HR_ONLY),
    Case("complaints:badge", HR_ONLY, kwargs=staff_a),
    Case("complaints:badge_png", HR_ONLY, kwargs=staff_a),
    Case("complaints:badge_svg", HR_ONLY, kwargs=staff_a),
    Case(
        "complaints:badge_rotate",
        expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=staff_a,
        method="post",
    ),
    Case("complaints:throttle_log", HR_ONLY),
    # complaints: public pages (no login)
    Case("complaints:rate", expect(OK, anonymous=OK), kwargs=rating_token_of_staff_a),
    Case("complaints:rate_thanks", expect(OK, anonymous=OK), kwargs=rating_token_of_staff_a),
    Case("complaints:public_new", expect(OK, anonymous=OK)),
    Case("complaints:public_thanks", expect(OK, anonymous=OK)),
    # inspections (inspection entry, records, grid, records import)
    Case("inspections:list", SUPERVISORS),
    Case("inspections:start", SUPERVISORS),
    Case(
        "inspections:detail",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=inspection_of_unit_a,
    ),
    Case(
        "inspections:finding_add",
        expect(
            FORBIDDEN,
            inspector_a=NOT_ALLOWED,
            head_b=NOT_ALLOWED,
            hr=NOT_ALLOWED,
            admin_user=NOT_ALLOWED,
        ),
        kwargs=inspection_of_unit_a,
    ),
    Case(
        "inspections:finding_add",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=inspection_of_unit_a,
        method="post",
        label="empty form",
    ),
    Case(
        "inspections:people",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=inspection_of_unit_a,
    ),
    Case(
        "inspections:finding_fields",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=inspection_of_unit_a,
    ),
    Case(
        "inspections:cosign",
        expect(FORBIDDEN, head_b=NOT_FOUND, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=inspection_of_unit_a,
        method="post",
        label="nobody here heads unit A",
    ),
    Case(
        "inspections:finding_dispute",
        expect(FORBIDDEN, head_b=NOT_FOUND),
        kwargs=finding_about_staff_a,
        label="nobody here heads unit A",
    ),
    Case(
        "inspections:finding_photo",
        expect(NOT_FOUND),
        kwargs=finding_about_staff_a,
        label="finding without a photo",
    ),
    Case("inspections:records", SUPERVISORS),
    Case(
        "inspections:record_detail",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=record_of_staff_a_by_inspector_a,
    ),
    Case(
        "inspections:record_correct",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=record_of_staff_a_by_inspector_a,
    ),
    Case(
        "inspections:record_void",
        expect(FORBIDDEN, inspector_a=OK, head_b=NOT_FOUND, hr=OK, admin_user=OK),
        kwargs=record_of_staff_a_by_inspector_a,
    ),
    Case("inspections:grid", SUPERVISORS),
    Case("inspections:records_import", HR_ONLY),
    Case(
        "inspections:records_import_confirm",
        expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED),
    ),
    Case(
        "inspections:records_import_confirm",
        expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        method="post",
        label="nothing uploaded",
    ),
    Case("inspections:records_import_template", HR_ONLY),
    # dashboards (results: staff their own, unit heads their units, HR everyone)
    Case("dashboards:me", EVERYONE),
    Case(
        "dashboards:me_scheme",
        expect(NOT_FOUND, staff_a=OK, staff_b=OK),
        kwargs=weekly_stars_scheme,
    ),
    Case(
        "dashboards:me_record",
        expect(NOT_FOUND, staff_a=OK),
        kwargs=record_of_staff_a_by_inspector_a,
    ),
    Case(
        "dashboards:me_record_photo",
        expect(NOT_FOUND),
        kwargs=record_of_staff_a_by_inspector_a,
        label="no photo",
    ),
    Case("dashboards:leaderboard", HEADS_AND_HR),
    Case("dashboards:dashboard", HEADS_AND_HR),
    Case("dashboards:inspectors", HEADS_AND_HR),
    # reports (HR only)
    Case("reports:index", HR_ONLY),
    Case(
        "reports:period", expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND), label="no scheme"
    ),
    Case("reports:export_create", expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED)),
    Case(
        "reports:export_create",
        expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND),
        method="post",
        label="no kind",
    ),
    Case("reports:export", expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND), kwargs=no_job),
    Case(
        "reports:export_progress",
        expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND),
        kwargs=no_job,
    ),
    Case(
        "reports:export_download",
        expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND),
        kwargs=no_job,
    ),
    # schemes (the scheme editor: HR only)
    Case("schemes:list", HR_ONLY),
    Case("schemes:new", HR_ONLY),
    Case(
        "schemes:create",
        expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        label="no starting point",
    ),
    Case("schemes:create", HR_ONLY, method="post", label="empty form"),
    Case("schemes:import", HR_ONLY),
    Case(
        "schemes:row", expect(FORBIDDEN, hr=NOT_FOUND, admin_user=NOT_FOUND), label="no list path"
    ),
    Case("schemes:detail", HR_ONLY, kwargs=scheme_pk),
    Case("schemes:edit", HR_ONLY, kwargs=scheme_pk),
    Case("schemes:versions", HR_ONLY, kwargs=scheme_pk),
    Case("schemes:diff", HR_ONLY, kwargs=scheme_pk),
    Case("schemes:export", HR_ONLY, kwargs=scheme_pk),
    Case("schemes:period", HR_ONLY, kwargs=closed_week),
    *[
        case
        for name in ("schemes:archive", "schemes:unarchive", "schemes:delete")
        for case in (
            Case(name, expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED), kwargs=scheme_pk),
            Case(
                name,
                expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
                kwargs=scheme_pk,
                method="post",
            ),
        )
    ],
    # notices (the board; a notice for those it lists, their unit heads and HR; objections)
    Case("notices:board", EVERYONE),
    *[
        Case(name, expect(NOT_FOUND, **LISTED), kwargs=published_notice)
        for name in ("notices:detail", "notices:print")
    ],
    Case("notices:workbook", HR_ONLY, kwargs=published_notice, label="holds every record"),
    Case(
        "notices:publish",
        expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED),
        kwargs=published_notice,
    ),
    Case(
        "notices:publish",
        expect(FORBIDDEN, hr=REDIRECT, admin_user=REDIRECT),
        kwargs=published_notice,
        method="post",
        label="already published: message",
    ),
    Case(
        "notices:object",
        expect(NOT_FOUND, staff_a=OK, staff_b=OK, head_b=OK, hr=FORBIDDEN, admin_user=FORBIDDEN),
        kwargs=published_notice,
        label="window open; head_b has nothing to object to",
    ),
    Case("notices:drafts", HR_ONLY),
    Case("notices:settings", HR_ONLY),
    Case("notices:settings_edit", HR_ONLY, kwargs=weekly_stars_scheme),
    Case("notices:objections", HR_ONLY),
    Case("notices:mine", EVERYONE),
    Case("notices:objection", HR_ONLY, kwargs=objection_of_staff_b),
    *[
        case
        for name in ("notices:uphold", "notices:reject")
        for case in (
            Case(
                name,
                expect(FORBIDDEN, hr=NOT_ALLOWED, admin_user=NOT_ALLOWED),
                kwargs=objection_of_staff_b,
            ),
            Case(name, HR_ONLY, kwargs=objection_of_staff_b, method="post", label="empty form"),
        )
    ],
    Case(
        "notices:objection_attachment",
        expect(NOT_FOUND),
        kwargs=objection_of_staff_b,
        label="no attachment",
    ),
    # notifications (everyone's own centre)
    Case("notifications:list", EVERYONE),
    Case("notifications:read", expect(NOT_ALLOWED), kwargs=notification_of_staff_a),
    Case(
        "notifications:read",
        expect(NOT_FOUND, staff_a=REDIRECT),
        kwargs=notification_of_staff_a,
        method="post",
    ),
    Case("notifications:read_all", expect(REDIRECT), method="post"),
    Case("notifications:preferences", EVERYONE),
]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(org, staff_a, staff_b, inspector_a, head_b, hr, admin_user):
    people = {
        "staff_a": staff_a,
        "staff_b": staff_b,
        "inspector_a": inspector_a,
        "head_b": head_b,
        "hr": hr,
        "admin_user": admin_user,
    }
    return World(org=org, people=people)


@pytest.mark.parametrize(
    ("case", "persona"),
    [(case, persona) for case in CASES for persona in PERSONAS],
    ids=lambda value: str(value),
)
def test_permission(case, persona, world, client):
    url = reverse(case.url_name, kwargs=case.kwargs(world) if case.kwargs else None)
    user = world.user(persona)
    if user is not None:
        client.force_login(user)
    if persona == "public":
        from complaints.throttle import DEVICE_COOKIE

        client.cookies[DEVICE_COOKIE] = "qr-scanned-device-0001"

    response = getattr(client, case.method)(url)

    expected = case.expected[persona]
    login_url = reverse("login")
    if expected == LOGIN:
        assert response.status_code == 302, response
        assert response.url.split("?")[0] == login_url
    elif expected == REDIRECT:
        assert response.status_code == 302, response
        assert response.url.split("?")[0] != login_url
    else:
        assert response.status_code == expected


def _url_names(patterns, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name}" if pattern.name else f"unnamed {pattern}")
    return names


def test_every_url_pattern_has_a_row():
    covered = {case.url_name for case in CASES}
    project = _url_names(get_resolver().url_patterns)
    assert "staff:list" in project
    assert [name for name in project if name not in covered] == []


def test_every_row_names_every_persona():
    for case in CASES:
        assert set(case.expected) == set(PERSONAS), case
