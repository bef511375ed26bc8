"""HR's complaint pages: list, intake, detail with its step forms, badges, throttle log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, RatingLink
from complaints.services import complaint_assign, complaint_investigate
from evaluations.models import Record
from scoring.services import period_close
from tests.complaints.helpers import decided, receive
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_intake_creates_a_complaint_and_shows_it(client, hr, staff_a):
    client.force_login(hr)
    today = timezone.localdate()

    response = client.post(
        reverse("complaints:create"),
        {
            "channel": "letter",
            "received_on": today.isoformat(),
            "staff": f"{staff_a.employee_no} 张小明",
            "level": "分行",
            "content": "柜台排队一小时无人办理",
            "complainant_name": "钱先生",
            "complainant_contact": "021-6888 8888",
        },
        follow=True,
    )

    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[complaint.pk])
    assert (complaint.channel, complaint.staff, complaint.level) == ("letter", staff_a, "分行")
    content = response.content.decode()
    assert f"投诉 #{complaint.pk} 已受理。" in content
    assert "钱先生" in content and "021-6888 8888" in content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("staff", "X999", "没有工号为 X999 的员工。"),
        ("received_on", "2999-01-01", "日期不能晚于今天。"),
        ("received_on", "1999-12-31", "日期不能早于 2000-01-01。"),
        ("received_on", "昨天", "输入一个有效的日期。"),
        ("complainant_contact", "call me", "请填写电话号码或电子邮箱。"),
        ("channel", "fax", "选择一个有效的选项"),
        ("content", "", "这个字段是必填项。"),
    ],
)
def test_intake_rejects_bad_input_next_to_the_field(client, hr, staff_a, field, value, message):
    client.force_login(hr)
    data = {
        "channel": "phone",
        "received_on": timezone.localdate().isoformat(),
        "content": "态度差",
    } | {field: value}

    response = client.post(reverse("complaints:create"), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_list_highlights_overdue_and_filters(client, hr, staff_a, staff_b):
    client.force_login(hr)
    today = timezone.localdate()
    late = receive(staff_a, actor=hr, day=today - timedelta(days=3))
    on_time = receive(staff_b, actor=hr, channel=Complaint.Channel.LETTER)

    response = client.get(reverse("complaints:list"))
    rows = {c.pk: c for c in response.context["page"].object_list}
    assert rows[late.pk].overdue and not rows[on_time.pk].overdue
    assert 'class="table-danger"' in response.content.decode()
    assert "超期" in response.content.decode()

    def listed(**query):
        page = client.get(reverse("complaints:list"), query).context["page"]
        return [c.pk for c in page.object_list]

    assert listed(overdue="yes") == [late.pk]
    assert listed(channel="letter") == [on_time.pk]
    assert listed(unit=staff_b.unit.pk) == [on_time.pk]
    assert listed(status="investigating") == []


def test_list_does_not_show_complainants(client, hr, staff_a):
    client.force_login(hr)
    receive(staff_a, actor=hr)

    content = client.get(reverse("complaints:list")).content.decode()

    assert "赵女士" not in content and "13800138000" not in content


@pytest.mark.parametrize("count", [2, 30])
def test_list_query_count_does_not_grow_with_rows(
    client, hr, org, count, django_assert_num_queries
):
    for _n in range(count):
        person = StaffFactory(unit=org.unit_a_team, position=org.position)
        complaint = receive(person, actor=hr)
        complaint_assign(complaint=complaint, assignee=hr, actor=hr)
    client.force_login(hr)
    # session, user, HR group, own staff record, inspector units, count, unread notifications
    # (navbar), unit choices, page rows
    with django_assert_num_queries(9):
        response = client.get(reverse("complaints:list"))
    assert len(response.context["page"].object_list) == count


def test_an_assignee_sees_only_their_complaints_and_no_complainant(
    client, hr, inspector_a, staff_a, staff_b
):
    mine = receive(staff_a, actor=hr)
    complaint_assign(complaint=mine, assignee=inspector_a, actor=hr)
    other = receive(staff_b, actor=hr)
    client.force_login(inspector_a)

    listed = client.get(reverse("complaints:list")).context["page"].object_list
    detail = client.get(reverse("complaints:detail", args=[mine.pk]))

    assert [c.pk for c in listed] == [mine.pk]
    assert client.get(reverse("complaints:detail", args=[other.pk])).status_code == 404
    content = detail.content.decode()
    assert "赵女士" not in content and "13800138000" not in content
    assert "投诉人姓名和联系方式仅对人力资源部可见。" in content
    assert [step for step, _label, _form in detail.context["steps"]] == ["investigate"]


def test_an_assignee_may_not_decide(client, hr, inspector_a, staff_a):
    complaint = receive(staff_a, actor=hr)
    complaint_assign(complaint=complaint, assignee=inspector_a, actor=hr)
    client.force_login(inspector_a)
    assert client.post(reverse("complaints:investigate", args=[complaint.pk])).status_code == 302

    response = client.post(
        reverse("complaints:decide", args=[complaint.pk]),
        {"decide-decision": "valid", "decide-reason": "x"},
    )

    assert response.status_code == 403
    assert not Record.objects.exists()


def test_hr_takes_a_complaint_through_every_step(client, hr, inspector_a, staff_a):
    client.force_login(hr)
    complaint = receive(staff_a, actor=hr)

    def step(action, **data):
        url = reverse(f"complaints:{action}", args=[complaint.pk])
        response = client.post(url, {f"{action}-{k}": v for k, v in data.items()}, follow=True)
        assert response.status_code == 200
        return response

    step("assign", assignee=inspector_a.pk)
    step("investigate", note="调取监控")
    step("decide", decision="valid", reason="监控属实", staff=staff_a.employee_no, level="网点")
    complaint.refresh_from_db()
    assert complaint.record.code == "有责"
    step("resolve", resolution="当面致歉并批评教育")
    step("follow_up", result="satisfied", note="客户表示满意")
    response = step("close")
    complaint.refresh_from_db()

    assert complaint.status == Complaint.Status.CLOSED
    content = response.content.decode()
    for label in ("受理", "已指派", "开始调查", "已认定", "已处理", "已回访", "已关闭"):
        assert label in content
    assert response.context["steps"][0][0] == "reverse"


def test_a_step_form_shows_errors_next_to_the_fields(client, hr, staff_a):
    client.force_login(hr)
    complaint = complaint_investigate(complaint=receive(None, actor=hr), actor=hr)

    response = client.post(
        reverse("complaints:decide", args=[complaint.pk]),
        {"decide-decision": "valid", "decide-reason": ""},
    )

    assert response.status_code == 200
    form = dict((a, f) for a, _l, f in response.context["steps"])["decide"]
    assert form.errors == {
        "reason": ["这个字段是必填项。"],
        "staff": ["请选择有责任的员工。"],
    }
    assert 'id="error_1_id_decide-staff"' in response.content.decode()


def test_a_stale_step_says_why(client, hr, staff_a):
    client.force_login(hr)
    complaint = decided(staff_a, actor=hr)

    response = client.post(reverse("complaints:investigate", args=[complaint.pk]), follow=True)

    assert f"投诉 #{complaint.pk} 当前为“已认定”，此时不能“开始调查”。" in response.content.decode()


def test_a_closed_period_shows_the_ledger_message(client, hr, staff_a, desk_scheme):

    client.force_login(hr)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    complaint = complaint_investigate(
        complaint=receive(staff_a, actor=hr, day=last_month), actor=hr
    )
    period_close(scheme=desk_scheme, key=last_month.strftime("%Y-%m"), actor=hr)

    response = client.post(
        reverse("complaints:decide", args=[complaint.pk]),
        {"decide-decision": "valid", "decide-reason": "属实"},
        follow=True,
    )

    key = last_month.strftime("%Y-%m")
    assert (
        f"{last_month.isoformat()} 属于客服月度考核已关闭的周期 {key}" in response.content.decode()
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.INVESTIGATING


def test_badge_page_and_qr_downloads(client, hr, staff_a):
    client.force_login(hr)

    page = client.get(reverse("complaints:badge", args=[staff_a.pk]))
    png = client.get(reverse("complaints:badge_png", args=[staff_a.pk]))
    svg = client.get(reverse("complaints:badge_svg", args=[staff_a.pk]))

    token = RatingLink.objects.get(staff=staff_a).token
    assert f"/complaints/rate/{token}/" in page.content.decode()
    assert "<svg" in page.content.decode()
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content


def test_rotating_the_token_retires_the_old_badge(client, hr, staff_a, link_a):
    client.force_login(hr)
    old = link_a.token

    client.post(reverse("complaints:badge_rotate", args=[staff_a.pk]))

    link_a.refresh_from_db()
    assert link_a.token != old
    client.logout()
    assert client.get(reverse("complaints:rate", args=[old])).status_code == 404
    assert client.get(reverse("complaints:rate", args=[link_a.token])).status_code == 200


def test_qr_token_is_neither_the_id_nor_the_employee_number(staff_a, link_a):
    assert link_a.token not in (str(staff_a.pk), staff_a.employee_no)
    assert len(link_a.token) >= 22
