"""Random form data posted to every form of the inspections app: never a 500, and whatever
is refused comes back with a message on a field (or, for the ledger, next to the form)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluations.models import Record
from inspections.services import finding_record

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def value(*valid: str):
    """A form value: something plausible, or junk of every kind."""
    return st.one_of(
        st.sampled_from([*valid, ""]),
        st.text(max_size=40),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.dates().map(str),
    )


def form_data(**fields):
    return st.fixed_dictionaries({}, optional=fields)


def refused_on_a_field(response, form_name="form") -> bool:
    form = response.context[form_name]
    return bool(form.errors)


@pytest.fixture
def world(inspection, schemes, staff_a, staff_b, head_a):
    finding = finding_record(
        inspection=inspection,
        actor=inspection.inspector,
        staff=staff_a,
        kind="warning",
        code="PATROL-LATE",
        value=Decimal(1),
    )
    return {"inspection": inspection, "finding": finding, "record": finding.record}


def test_start_form(client, inspector_a, org):
    client.force_login(inspector_a)

    @FUZZ
    @given(
        form_data(
            date=value("2026-01-05"),
            unit=value(str(org.unit_a.pk), str(org.unit_b.pk)),
            type=value("daily", "mystery"),
            place=value("大堂"),
        )
    )
    def check(data):
        response = client.post(reverse("inspections:start"), data)
        assert response.status_code < 500
        if response.status_code == 200:
            assert refused_on_a_field(response)

    check()


def test_finding_form(client, world, staff_a, staff_b):
    client.force_login(world["inspection"].inspector)
    add = reverse("inspections:finding_add", args=[world["inspection"].pk])
    fields = reverse("inspections:finding_fields", args=[world["inspection"].pk])
    people = reverse("inspections:people", args=[world["inspection"].pk])

    @FUZZ
    @given(
        form_data(
            staff=value(str(staff_a.pk), str(staff_b.pk)),
            code=value("PATROL-LATE", "ATT-02", "TEAM", "CLEAN-01"),
            kind=value("warning", "deduction", "bonus", "metric"),
            value=value("1", "3", "0"),
            responsibility=value("staff", "management"),
            note=value("地面纸屑"),
            item_q=value("迟到"),
            q=value("zxm", "张"),
        ),
        st.one_of(st.none(), st.binary(max_size=300)),
    )
    def check(data, photo):
        before = Record.objects.count()
        posted = dict(data)
        if photo is not None:
            posted["photo"] = SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")
        response = client.post(add, posted, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        if Record.objects.count() == before:
            assert response.context["form"].errors
        assert client.get(fields, data).status_code in (200, 404)
        assert client.get(people, data).status_code == 200

    check()


def test_dispute_form(client, world, head_a):
    client.force_login(head_a.user)
    url = reverse("inspections:finding_dispute", args=[world["finding"].pk])

    @FUZZ
    @given(form_data(comment=value("当天调休")))
    def check(data):
        response = client.post(url, data)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert refused_on_a_field(response)

    check()


def test_correct_and_void_forms(client, world):
    client.force_login(world["inspection"].inspector)
    record = world["record"]
    correct = reverse("inspections:record_correct", args=[record.pk])
    void = reverse("inspections:record_void", args=[record.pk])

    @FUZZ
    @given(
        form_data(
            date=value(record.date.isoformat()),
            kind=value("warning", "deduction", "rating"),
            code=value("PATROL-LATE", "ATT-02", "满意"),
            value=value("1", "3"),
            responsibility=value("staff", "management"),
            note=value("改"),
            reason=value("录错了"),
        )
    )
    def check(data):
        response = client.post(correct, data)
        assert response.status_code in (200, 302, 403)
        if response.status_code == 200:
            assert refused_on_a_field(response)
        response = client.post(void, {"reason": data["reason"]} if "reason" in data else {})
        assert response.status_code in (200, 302, 403)  # 403 once voided: nothing left to change
        if response.status_code == 200:
            assert refused_on_a_field(response)

    check()


def test_records_list_filters(client, world, schemes, org):
    client.force_login(world["inspection"].inspector)

    @FUZZ
    @given(
        form_data(
            scheme=value(str(schemes["property-weekly-stars"].pk)),
            period=value("2026-W47", "2026-11"),
            date_from=value("2026-11-01"),
            date_to=value("2026-11-30"),
            unit=value(str(org.unit_a.pk), str(org.unit_b.pk)),
            person=value("zxm"),
            inspector=value("inspector_a"),
            code=value("PATROL"),
            kind=value("warning"),
            status=value("voided", "valid"),
            page=value("1", "2"),
        )
    )
    def check(data):
        assert client.get(reverse("inspections:records"), data).status_code == 200

    check()


def test_grid_form(client, world, schemes, org, staff_a):
    client.force_login(world["inspection"].inspector)
    stars = str(schemes["property-weekly-stars"].pk)

    @FUZZ
    @given(
        form_data(
            unit=value(str(org.unit_a.pk), str(org.unit_b.pk)),
            scheme=value(stars),
            period=value("2026-W47", "2026-11", "2099-W01"),
            code=value("metric:free_card_signups", "rating:满意", "score:X"),
        ),
        value("3", "-1", "101"),
    )
    def check(data, cell):
        assert client.get(reverse("inspections:grid"), data).status_code == 200
        response = client.post(reverse("inspections:grid"), data | {f"value_{staff_a.pk}": cell})
        assert response.status_code in (200, 302)

    check()


def test_records_import_form(client, hr):
    client.force_login(hr)

    @FUZZ
    @given(st.binary(max_size=2000), st.sampled_from(["a.xlsx", "a.txt", "记录.XLSX"]))
    def check(content, name):
        response = client.post(
            reverse("inspections:records_import"), {"file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code == 200
        form_refused = bool(response.context["form"].errors)
        import_refused = "result" in response.context and response.context["result"].problems
        assert form_refused or import_refused

    check()
