"""Inspection entry in the browser's terms (Django test client): start, find people, save
findings with htmx, co-sign and dispute; what an inspector may not see."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from evaluations.models import Record
from inspections.models import Inspection
from inspections.services import finding_record, inspection_start
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"inspections:{name}", args=args)


def finding_data(person, code="PATROL-LATE", kind="warning", **extra):
    return {
        "staff": person.pk,
        "code": code,
        "kind": kind,
        "value": "1",
        "responsibility": "staff",
    } | extra


def test_start_an_inspection(client, inspector_a, org):
    client.force_login(inspector_a)
    form = client.get(url("start"))
    assert [u.path for u in form.context["form"].fields["unit"].queryset] == [
        "星辰物业/客服部",
        "星辰物业/客服部/前台班",
    ]

    response = client.post(
        url("start"),
        {"date": timezone.localdate().isoformat(), "unit": org.unit_a.pk, "type": "mystery"},
    )

    inspection = Inspection.objects.get()
    assert response.url == url("detail", inspection.pk)
    assert (inspection.inspector, inspection.type) == (inspector_a, Inspection.Type.MYSTERY)


def test_start_rejects_a_unit_outside_the_inspectors_and_a_future_date(client, inspector_a, org):
    client.force_login(inspector_a)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    response = client.post(url("start"), {"date": tomorrow, "unit": org.unit_b.pk, "type": "daily"})

    form = response.context["form"]
    assert "unit" in form.errors
    response = client.post(url("start"), {"date": tomorrow, "unit": org.unit_a.pk, "type": "daily"})
    assert response.context["form"].errors == {"date": ["检查日期不能晚于今天。"]}
    assert Inspection.objects.count() == 0


def test_people_search_by_pinyin_initials_stays_within_the_inspectors_units(
    client, inspection, staff_a, staff_b
):
    client.force_login(inspection.inspector)

    found = client.get(url("people", inspection.pk), {"q": "zxm"}, **HTMX)
    outside = client.get(url("people", inspection.pk), {"q": staff_b.employee_no}, **HTMX)

    assert [p.pk for p in found.context["people"]] == [staff_a.pk]
    assert outside.context["people"] == []
    assert "您负责的人员中没有匹配的。" in outside.content.decode()


def test_choosing_a_person_fills_their_items_and_an_item_sets_its_kinds(
    client, inspection, schemes, staff_a
):
    client.force_login(inspection.inspector)

    fields = client.get(url("finding_fields", inspection.pk), {"staff": staff_a.pk}, **HTMX)
    content = fields.content.decode()
    assert 'optgroup label="客服部每周服务之星 · 日巡场记录"' in content
    assert "迟到早退（PATROL-LATE）" in content

    ranged = client.get(
        url("finding_fields", inspection.pk), {"staff": staff_a.pk, "code": "ATT-02"}, **HTMX
    )
    form = ranged.context["form"]
    assert [k for k, _label in form.fields["kind"].choices] == ["deduction"]
    assert form.fields["value"].label == "分值（2–5）" and form.fields["value"].required

    narrowed = client.get(
        url("finding_fields", inspection.pk), {"staff": staff_a.pk, "item_q": "迟到"}, **HTMX
    )
    assert narrowed.context["form"].fields["code"].choices[1:] == [
        ("客服部每周服务之星 · 日巡场记录", [("PATROL-LATE", "迟到早退（PATROL-LATE）")])
    ]


def test_a_person_outside_the_units_cannot_be_chosen_or_recorded(
    client, inspection, schemes, staff_b
):
    client.force_login(inspection.inspector)

    assert (
        client.get(url("finding_fields", inspection.pk), {"staff": staff_b.pk}).status_code == 404
    )
    response = client.post(url("finding_add", inspection.pk), finding_data(staff_b), **HTMX)

    assert response.status_code == 200
    assert response.context["form"].errors["staff"] == ["请选择您负责的人员。"]
    assert Record.objects.count() == 0


def test_save_and_continue_returns_an_empty_form_and_the_findings_so_far(
    client, inspection, schemes, staff_a, colleague_a
):
    client.force_login(inspection.inspector)

    client.post(url("finding_add", inspection.pk), finding_data(staff_a), **HTMX)
    response = client.post(
        url("finding_add", inspection.pk),
        finding_data(colleague_a, code="CLEAN-01", kind="deduction", note="大堂地面纸屑"),
        **HTMX,
    )

    content = response.content.decode()
    assert "已保存：欧阳晓燕 · 地面有垃圾杂物 · 扣分。本次巡查已有 2 条检查发现。" in content
    assert response.context["form"].person is None
    assert (
        'id="finding-list" class="mb-3" aria-labelledby="findings-title" hx-swap-oob="true"'
        in content
    )
    assert [p.name for p in response.context["recent_people"]] == ["张小明", "欧阳晓燕"]
    assert set(Record.objects.values_list("batch", flat=True)) == {inspection.batch_key}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "ATT-02", "kind": "deduction", "value": ""}, "value", "必填"),
        ({"code": "ATT-02", "kind": "deduction", "value": "7"}, "value", "超出该项目的范围 2–5"),
        ({"code": "CLEAN-01", "kind": "warning"}, "kind", "选择一个有效的选项"),
        ({"code": "NOPE"}, "code", "选择一个有效的选项"),
        ({"value": "-1"}, "value", "0"),
        ({"staff": ""}, "staff", "请先选择人员。"),
    ],
    ids=[
        "range without points",
        "range exceeded",
        "kind the item lacks",
        "unknown item",
        "negative",
        "no person",
    ],
)
def test_bad_findings_are_refused_next_to_the_field(
    client, inspection, schemes, staff_a, data, field, message
):
    client.force_login(inspection.inspector)

    response = client.post(url("finding_add", inspection.pk), finding_data(staff_a) | data, **HTMX)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert Record.objects.count() == 0


def test_photo_upload_is_checked_and_served_only_to_those_who_may_see_it(
    client, inspection, schemes, staff_a, staff_b, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(inspection.inspector)
    fake = SimpleUploadedFile("p.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    refused = client.post(
        url("finding_add", inspection.pk), finding_data(staff_a, photo=fake), **HTMX
    )
    assert refused.context["form"].errors["photo"] == ["只能附加 JPEG 或 PNG 照片。"]

    buffer = BytesIO()
    Image.new("RGB", (300, 200), "blue").save(buffer, format="PNG")
    photo = SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")
    client.post(url("finding_add", inspection.pk), finding_data(staff_a, photo=photo), **HTMX)
    finding = inspection.findings.get()

    shown = client.get(url("finding_photo", finding.pk))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    client.force_login(staff_a.user)
    assert client.get(url("finding_photo", finding.pk)).status_code == 200
    client.force_login(staff_b.user)
    assert client.get(url("finding_photo", finding.pk)).status_code == 404


def test_inspections_of_other_units_are_invisible(client, inspector_a, hr, org):
    other = inspection_start(actor=hr, date=timezone.localdate(), unit=org.unit_b, type="daily")
    client.force_login(inspector_a)

    assert client.get(url("detail", other.pk)).status_code == 404
    assert list(client.get(url("list")).context["page"].object_list) == []


def test_head_cosigns_and_disputes(client, inspection, schemes, staff_a, head_a):
    finding = finding_record(
        inspection=inspection,
        actor=inspection.inspector,
        staff=staff_a,
        kind="warning",
        code="PATROL-LATE",
        value=Decimal(1),
    )
    client.force_login(head_a.user)
    page = client.get(url("detail", inspection.pk))
    assert page.context["may_cosign"] and not page.context["may_record"]
    assert "迎检确认" in page.content.decode()

    empty = client.post(url("finding_dispute", finding.pk), {"comment": ""})
    assert empty.context["form"].errors == {"comment": ["这个字段是必填项。"]}
    client.post(url("finding_dispute", finding.pk), {"comment": "当天调休"})
    done = client.post(url("cosign", inspection.pk), follow=True)

    assert "您已完成迎检确认。" in done.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.DISPUTED
    assert "当天调休" in done.content.decode()


def test_cosign_by_someone_else_is_refused(client, inspection, inspector_a):
    client.force_login(inspector_a)
    assert client.post(url("cosign", inspection.pk)).status_code == 403


def test_inspection_page_query_count_does_not_grow_with_findings(
    client, inspection, schemes, staff_a, colleague_a, django_assert_num_queries
):
    client.force_login(inspection.inspector)
    for person in (staff_a, colleague_a, staff_a):
        finding_record(
            inspection=inspection,
            actor=inspection.inspector,
            staff=person,
            kind="warning",
            code="PATROL-LATE",
            value=Decimal(1),
        )
    client.get(url("detail", inspection.pk))  # warm the session

    # 8 + the navbar's unread notifications count
    with django_assert_num_queries(9):
        client.get(url("detail", inspection.pk))
    for _n in range(5):
        extra = StaffFactory(unit=staff_a.unit, position=staff_a.position)
        finding_record(
            inspection=inspection,
            actor=inspection.inspector,
            staff=extra,
            kind="warning",
            code="PATROL",
            value=Decimal(1),
        )
    with django_assert_num_queries(9):
        client.get(url("detail", inspection.pk))
