"""Random form data posted to every complaints form: never a 500, and whenever a form is
shown again its every error sits next to its field."""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.services import (
    complaint_decide,
    complaint_follow_up,
    complaint_investigate,
    complaint_resolve,
)
from tests.complaints.helpers import receive

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Anything a browser could send: no lone surrogates (they cannot be encoded at all).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
LONG = st.integers(min_value=1990, max_value=2010).map(lambda n: "投诉" * (n // 2) + "x" * (n % 2))
NUMBERS = st.sampled_from(["", "0", "-1", "abc", "1e3", "99999999999999999999", " 1 "])
DATES = st.sampled_from(
    ["2026-13-01", "2020-02-30", "9999-12-31", "0001-01-01", "1999-12-31", "2026/11/10", "今天"]
)
CONTACTS = st.sampled_from(["13800138000", "a@b.cn", "+86 (21) 6888-8888", "123", "@", "电话"])


def value(*candidates):
    """A field's value: a candidate (valid or nearly), random text, a very long text, or absent."""
    return st.one_of(st.sampled_from(candidates), TEXT, LONG, NUMBERS, st.none())


def post_data(fields: dict, prefix: str = ""):
    def build(values):
        return {f"{prefix}{name}": text for name, text in values.items() if text is not None}

    return st.fixed_dictionaries(fields).map(build)


def form_in(response) -> list:
    form = response.context.get("form") if response.context else None
    return [form] if form is not None else []


def errors_next_to_fields(response, forms) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code != 200:
        return
    content = response.content.decode()
    for form in forms:
        for name in form.errors:
            if name == "__all__":
                continue
            html_name = form[name].html_name
            assert f'id="error_1_id_{html_name}"' in content or f'id="{html_name}-errors"' in (
                content
            ), (html_name, form.errors)


@given(data=st.data())
@FUZZ
def test_intake_form(client, hr, staff_a, data):
    client.force_login(hr)
    today = timezone.localdate().isoformat()
    fields = {
        "channel": value("phone", "letter", "online", "in_person", "suggestion_book"),
        "received_on": st.one_of(st.just(today), DATES, TEXT),
        "staff": value(staff_a.employee_no, f"{staff_a.employee_no} 张小明", "X0"),
        "level": value("网点", "分行", "媒体"),
        "content": value("态度差"),
        "complainant_name": value("赵女士"),
        "complainant_contact": st.one_of(CONTACTS, TEXT),
    }

    response = client.post(reverse("complaints:create"), data.draw(post_data(fields)))

    errors_next_to_fields(response, form_in(response))


STEP_FIELDS = {
    "assign": lambda people: {
        "assignee": value(str(people["inspector_a"].pk), str(people["hr"].pk)),
        "note": value("请核实"),
    },
    "investigate": lambda people: {"note": value("开始调查")},
    "decide": lambda people: {
        "decision": value("valid", "invalid"),
        "reason": value("属实"),
        "staff": value(people["staff_a"].employee_no, "X0"),
        "level": value("网点"),
    },
    "reverse": lambda people: {
        "reason": value("复核"),
        "staff": value(people["staff_a"].employee_no),
        "level": value("分行"),
    },
    "resolve": lambda people: {"resolution": value("致歉")},
    "follow_up": lambda people: {
        "result": value("satisfied", "unsatisfied", "unreachable"),
        "note": value("满意"),
    },
    "close": lambda people: {"note": value("结案")},
}


CHAIN = [
    lambda c, u: complaint_investigate(complaint=c, actor=u),
    lambda c, u: complaint_decide(complaint=c, valid=True, reason="属实", actor=u),
    lambda c, u: complaint_resolve(complaint=c, resolution="致歉", actor=u),
    lambda c, u: complaint_follow_up(complaint=c, result="satisfied", actor=u),
]
# How many steps of CHAIN bring a received complaint to where ``action`` is allowed.
STEPS_BEFORE = {
    "assign": 0,
    "investigate": 0,
    "decide": 1,
    "reverse": 2,
    "resolve": 2,
    "follow_up": 3,
    "close": 4,
}


def complaint_ready_for(action: str, person, actor):
    complaint = receive(person, actor=actor)
    for call in CHAIN[: STEPS_BEFORE[action]]:
        complaint = call(complaint, actor)
    return complaint


@pytest.mark.parametrize("action", list(STEP_FIELDS))
@given(data=st.data())
@settings(FUZZ, max_examples=20)
def test_step_forms(client, hr, inspector_a, staff_a, action, data):
    client.force_login(hr)
    complaint = complaint_ready_for(action, staff_a, hr)
    people = {"hr": hr, "inspector_a": inspector_a, "staff_a": staff_a}
    fields = post_data(STEP_FIELDS[action](people), prefix=f"{action}-")

    response = client.post(reverse(f"complaints:{action}", args=[complaint.pk]), data.draw(fields))

    steps = response.context.get("steps", []) if response.context else []
    errors_next_to_fields(response, [form for _action, _label, form in steps])


@given(data=st.data())
@FUZZ
def test_rating_form(client, link_a, data):
    fields = {
        "rating": value("satisfied", "basic", "unsatisfied"),
        "comment": value("很好"),
    }

    response = client.post(
        reverse("complaints:rate", args=[link_a.token]), data.draw(post_data(fields))
    )

    errors_next_to_fields(response, form_in(response))


@given(data=st.data())
@FUZZ
def test_public_complaint_form(client, link_a, data):
    fields = {
        "content": value("窗口人员态度很差"),
        "staff_description": value("3号窗口"),
        "complainant_name": value("周先生"),
        "complainant_contact": st.one_of(CONTACTS, TEXT),
        "t": value(link_a.token, "nope"),
    }

    response = client.post(reverse("complaints:public_new"), data.draw(post_data(fields)))

    errors_next_to_fields(response, form_in(response))
