"""Random data posted to every form in the app: never a 500.

Forms are discovered, not listed: every page of the permission matrix (tests/test_permissions
CASES) is opened as a persona allowed to see it, its HTML forms are parsed (fields, select
options, file inputs), and hypothesis submits random values — valid choices, junk, long and
formula-like text, random files — to each form's action. Search forms (GET) get random query
strings. Public pages are fuzzed as an anonymous visitor."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_permissions import CASES, OK, World, world  # noqa: F401  (world is a fixture)

pytestmark = [pytest.mark.trust, pytest.mark.django_db]

EXAMPLES_PER_FORM = 15
SKIPPED_ACTIONS = ("/logout/", "/i18n/setlang/")
RUN = {"forms": 0, "requests": 0}


@dataclass
class FormSpec:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → offered values
    files: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[FormSpec] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            # htmx forms submit to hx-post / hx-get rather than action.
            if attributes.get("hx-post") or attributes.get("hx-get"):
                action = attributes.get("hx-post") or attributes.get("hx-get")
                method = "post" if attributes.get("hx-post") else "get"
            else:
                action = attributes.get("action") or self.page_url
                method = (attributes.get("method") or "get").lower()
            self.forms.append(FormSpec(action=action, method=method))
        elif form is None or not attributes.get("name"):
            return
        elif tag == "input":
            name, kind = attributes["name"], (attributes.get("type") or "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind not in ("submit", "button", "image", "reset"):
                form.fields.setdefault(name, []).append(attributes.get("value") or "")
        elif tag in ("textarea", "button"):
            form.fields.setdefault(attributes["name"], []).append(attributes.get("value", ""))
        elif tag == "select":
            self._select = attributes["name"]
            form.fields.setdefault(self._select, [])
        if tag == "option" and self._select and self.forms:
            self.forms[-1].fields[self._select].append(attributes.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


JUNK_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e999",
            "NaN",
            "9" * 40,
            "2026-02-30",
            "2026-11-16",
            "=cmd|'/C calc'!A0",
            "<script>alert(1)</script>",
            "'; DROP TABLE staff_staff; --",
            "../../etc/passwd",
            "x" * 5000,
            "客服部/前台班",
            "\u202e\u200b",
            "null",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
)
FILES = st.tuples(
    st.sampled_from(["upload.xlsx", "photo.jpg", "photo.png", "x.exe", "noext", "a.xlsx.php"]),
    st.one_of(
        st.binary(max_size=2048),
        st.sampled_from([b"PK\x03\x04" + b"\0" * 100, b"\x89PNG\r\n\x1a\n" + b"\0" * 64]),
    ),
)


def submission(form: FormSpec):
    """A strategy for one submission of ``form``: each field gets one of the values the page
    offers, junk, or is left out; each file input gets random bytes."""
    entries = {}
    for name, offered in form.fields.items():
        choices = [st.sampled_from(offered)] if offered else []
        entries[name] = st.one_of(*choices, JUNK_TEXT, st.none())
    files = {name: st.one_of(st.none(), FILES) for name in form.files}
    return st.fixed_dictionaries({**entries, **files})


def discover(client, url: str) -> list[FormSpec]:
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser(url)
    parser.feed(response.content.decode("utf-8", "replace"))
    return [form for form in parser.forms if not form.action.startswith(SKIPPED_ACTIONS)]


def persona_for(case) -> str | None:
    """The first persona allowed to open the page (HR and admin last: they see everything,
    the others exercise role-scoped querysets)."""
    for persona in ("anonymous", "staff_a", "inspector_a", "head_b", "hr", "admin_user"):
        if case.expected.get(persona) == OK:
            return persona
    return None


GET_CASES = {}
for case in CASES:
    if case.method == "get" and persona_for(case) is not None:
        GET_CASES.setdefault(str(case), case)


@pytest.mark.parametrize("case", list(GET_CASES.values()), ids=list(GET_CASES))
def test_random_submissions_to_every_form_never_fail(case, world, client):  # noqa: F811
    persona = persona_for(case)
    user = world.user(persona)
    if user is not None:
        client.force_login(user)
    url = reverse(case.url_name, kwargs=case.kwargs(world) if case.kwargs else None)
    forms = discover(client, url)
    if not forms:
        return
    RUN["forms"] += len(forms)

    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def fuzz(data):
        form = data.draw(st.sampled_from(forms))
        values = data.draw(submission(form))
        payload = {}
        for name, value in values.items():
            if value is None:
                continue
            if isinstance(value, tuple):
                payload[name] = SimpleUploadedFile(value[0], value[1])
            else:
                payload[name] = value
        RUN["requests"] += 1
        if form.method == "post":
            response = client.post(
                form.action, payload, HTTP_HX_REQUEST=data.draw(st.sampled_from(["", "true"]))
            )
        else:
            response = client.get(
                form.action, {k: v for k, v in payload.items() if isinstance(v, str)}
            )
        assert response.status_code < 500, (form.action, payload)

    fuzz()


def test_zz_form_fuzz_counts(capsys):
    with capsys.disabled():
        print(f"\nform fuzz: {RUN['forms']} forms, {RUN['requests']} random submissions")
