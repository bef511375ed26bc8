"""Who may open which page: one row per URL, one expected answer per persona.

Adding a URL? Add a ``Case`` to CASES (``test_every_url_pattern_has_a_row`` fails until you
do). ``kwargs`` builds the URL's arguments from the personas' world; ``expect`` fills every
persona with a default (anonymous users are sent to the login page unless said otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import StaffFactory

PERSONAS = ("anonymous", "staff_a", "staff_b", "inspector_a", "head_b", "hr", "admin_user")

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
    return expected | overrides


EVERYONE = expect(OK)
HR_ONLY = expect(FORBIDDEN, hr=OK, admin_user=OK)
SUPERVISORS = expect(FORBIDDEN, inspector_a=OK, head_b=OK, hr=OK, admin_user=OK)


def staff_a(world):
    return {"pk": world.people["staff_a"].pk}


def staff_b(world):
    return {"pk": world.people["staff_b"].pk}


def new_person_in_unit_a(world):
    return {"pk": StaffFactory(unit=world.org.unit_a_team, position=world.org.position).pk}


CASES = [
    # accounts
    Case("home", EVERYONE),
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
]


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
