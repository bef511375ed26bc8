"""The public pages: rating through the QR link, filing a complaint, throttling, privacy."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, ThrottleDecision
from complaints.services import rating_link_for
from complaints.throttle import DEVICE_COOKIE, keyed_hash
from evaluations.models import Record
from scoring.services import period_close
from tests.complaints.helpers import FULL_SCORE, result_of
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def rate(client, token, rating="satisfied", comment="", address=ADDRESS):
    return client.post(
        reverse("complaints:rate", args=[token]),
        {"rating": rating, "comment": comment},
        REMOTE_ADDR=address,
    )


def personal_data(person) -> list[str]:
    return [
        person.employee_no,
        person.unit.name,
        person.unit.path,
        person.hire_date.isoformat(),
        f"/staff/{person.pk}/",
    ]


def test_rating_page_shows_only_name_and_position(client, staff_a, link_a):
    """The customer confirms whom they rate: the name and position printed on the badge.
    Nothing else about the person (工号, unit, hire date, records) reaches the public."""
    response = client.get(reverse("complaints:rate", args=[link_a.token]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "为您服务的是 <strong>张小明</strong>（客服员）。" in content
    for text in personal_data(staff_a):
        assert text not in content
    assert 'class="navbar' not in content


def test_public_pages_read_chinese_even_for_an_english_phone(client, link_a):
    response = client.get(
        reverse("complaints:rate", args=[link_a.token]), HTTP_ACCEPT_LANGUAGE="en-US,en"
    )

    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "您对本次服务满意吗？" in content
    for label in ("满意", "基本满意", "不满意"):
        assert f"</i> {label}" in content


def test_a_visitor_who_chose_english_gets_english(client, link_a, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = client.get(reverse("complaints:rate", args=[link_a.token])).content.decode()

    assert "How satisfied are you with the service?" in content


def test_a_rating_enters_the_ledger(client, staff_a, link_a):
    response = rate(client, link_a.token, "unsatisfied", "等了很久")

    assert response.status_code == 302
    assert response.url == reverse("complaints:rate_thanks", args=[link_a.token])
    record = Record.objects.get()
    assert (record.staff, record.kind, record.code, record.value, record.note) == (
        staff_a,
        Record.Kind.RATING,
        "不满意",
        1,
        "等了很久",
    )
    assert record.source == Record.Source.PUBLIC
    decision = ThrottleDecision.objects.get()
    assert (decision.outcome, decision.record) == (ThrottleDecision.Outcome.ACCEPTED, record)


def test_the_rating_counts_in_the_score(client, staff_a, link_a, desk_scheme, committed):

    today = timezone.localdate()
    assert "无评价" in result_of(desk_scheme, staff_a, today).flags

    with committed():
        rate(client, link_a.token, "basic")

    result = result_of(desk_scheme, staff_a, today)
    assert "无评价" not in result.flags
    assert result.score == FULL_SCORE - 30  # 0 % satisfied: 满意度 30 − 90 × 2, floored at 0


def test_thanks_page_shows_nothing_back(client, staff_a, link_a):
    content = client.get(reverse("complaints:rate_thanks", args=[link_a.token])).content.decode()

    assert "感谢您的评价" in content
    for text in [*personal_data(staff_a), staff_a.name]:
        assert text not in content


def test_a_repeat_rating_from_one_device_is_throttled_and_recorded(client, link_a):
    client.get(reverse("complaints:rate", args=[link_a.token]))  # sets the device cookie
    assert DEVICE_COOKIE in client.cookies

    first = rate(client, link_a.token)
    second = rate(client, link_a.token, address="198.51.100.9")  # same phone, other network

    assert first.status_code == 302
    assert second.status_code == 429
    assert "您已评价过" in second.content.decode()
    assert Record.objects.count() == 1
    assert list(ThrottleDecision.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "accepted",
        "throttled",
    ]


def test_another_phone_on_the_same_address_may_rate(client, link_a):

    rate(client, link_a.token)
    other_phone = Client()
    other_phone.get(reverse("complaints:rate", args=[link_a.token]))
    client.get(reverse("complaints:rate", args=[link_a.token]))

    assert rate(other_phone, link_a.token).status_code == 302
    assert Record.objects.count() == 2


def test_the_same_device_may_rate_another_person(client, org, link_a):

    other = rating_link_for(staff=StaffFactory(unit=org.unit_b, position=org.position))
    client.get(reverse("complaints:rate", args=[link_a.token]))

    assert rate(client, link_a.token).status_code == 302
    assert rate(client, other.token).status_code == 302


def test_a_browser_without_cookies_counts_once_per_address(link_a):

    assert rate(Client(), link_a.token).status_code == 302
    assert rate(Client(), link_a.token).status_code == 429
    assert rate(Client(), link_a.token, address="198.51.100.9").status_code == 302


def test_one_address_is_capped(link_a, settings):

    settings.RATING_THROTTLE_PER_ADDRESS = 2
    phones = [Client() for _n in range(3)]
    for phone in phones:
        phone.get(reverse("complaints:rate", args=[link_a.token]))

    assert [rate(phone, link_a.token).status_code for phone in phones] == [302, 302, 429]


def test_the_window_is_configurable(client, link_a, settings):

    settings.RATING_THROTTLE_SECONDS = 60
    client.get(reverse("complaints:rate", args=[link_a.token]))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert rate(client, link_a.token).status_code == 302
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert rate(client, link_a.token).status_code == 429
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert rate(client, link_a.token).status_code == 302


def test_addresses_are_stored_only_as_keyed_hashes(client, link_a, settings):

    rate(client, link_a.token)

    decision = ThrottleDecision.objects.get()
    assert ADDRESS not in (decision.address_hash, decision.device_hash)
    assert decision.address_hash == keyed_hash("address", ADDRESS)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert keyed_hash("address", ADDRESS) != decision.address_hash


def test_the_proxy_header_gives_the_client_address(client, link_a, settings):

    settings.PUBLIC_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"

    client.post(
        reverse("complaints:rate", args=[link_a.token]),
        {"rating": "satisfied"},
        HTTP_X_REAL_IP="192.0.2.44",
    )

    assert ThrottleDecision.objects.get().address_hash == keyed_hash("address", "192.0.2.44")


@pytest.mark.parametrize("token", ["not-a-token", "1", "E00001"])
def test_an_unknown_token_is_a_friendly_404(client, token, staff_a, link_a):
    response = client.get(reverse("complaints:rate", args=[token]))

    assert response.status_code == 404
    assert "此二维码已停用" in response.content.decode()


def test_a_person_who_left_can_no_longer_be_rated(client, staff_a, link_a):
    staff_a.status = staff_a.Status.LEFT
    staff_a.save()

    assert client.get(reverse("complaints:rate", args=[link_a.token])).status_code == 404
    assert rate(client, link_a.token).status_code == 404
    assert not Record.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rating": "excellent"}, "rating", "选择一个有效的选项"),
        ({}, "rating", "请点击下面三个按钮之一。"),
        (
            {"rating": "satisfied", "comment": "好" * 201},
            "comment",
            "确保该变量包含不超过 200 字符",
        ),
    ],
)
def test_a_bad_rating_is_rejected_next_to_the_field(client, link_a, data, field, message):
    response = client.post(reverse("complaints:rate", args=[link_a.token]), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="{field}-errors"' in response.content.decode()
    assert not Record.objects.exists()
    assert not ThrottleDecision.objects.exists()


def test_a_closed_period_refuses_the_rating_politely(client, link_a, desk_scheme):

    period_close(scheme=desk_scheme, key=timezone.localdate().strftime("%Y-%m"))

    response = rate(client, link_a.token)

    assert response.status_code == 200
    assert "评价未能记录" in response.content.decode()
    assert "客服月度考核" not in response.content.decode()
    assert ThrottleDecision.objects.get().outcome == ThrottleDecision.Outcome.REFUSED


# ---------------------------------------------------------------- public complaints


def file_complaint(client, address=ADDRESS, **data):
    values = {
        "content": "窗口工作人员态度很差，还让我等了半小时。",
        "complainant_name": "周先生",
        "complainant_contact": "13900139000",
    }
    return client.post(reverse("complaints:public_new"), values | data, REMOTE_ADDR=address)


def test_a_member_of_the_public_files_a_complaint(client):
    response = file_complaint(client, staff_description="3号窗口戴眼镜的女士")

    assert response.status_code == 302
    assert response.url == reverse("complaints:public_thanks")
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.public, complaint.staff) == ("online", True, None)
    assert complaint.staff_description == "3号窗口戴眼镜的女士"
    assert complaint.complainant_contact == "13900139000"
    thanks = client.get(response.url).content.decode()
    assert "您的投诉已收到" in thanks
    assert "13900139000" not in thanks and "周先生" not in thanks


def test_a_complaint_from_the_rating_page_names_the_person(client, staff_a, link_a):
    page = client.get(reverse("complaints:public_new"), {"t": link_a.token}).content.decode()
    assert "投诉对象：<strong>张小明</strong>（客服员）。" in page
    assert "为您服务的是谁" not in page
    for text in personal_data(staff_a):
        assert text not in page

    file_complaint(client, t=link_a.token)

    assert Complaint.objects.get().staff == staff_a


def test_public_complaints_are_throttled_per_device(client, settings):
    settings.PUBLIC_COMPLAINT_THROTTLE_PER_DEVICE = 2
    client.get(reverse("complaints:public_new"))

    codes = [file_complaint(client).status_code for _n in range(3)]

    assert codes == [302, 302, 429]
    assert Complaint.objects.count() == 2
    assert ThrottleDecision.objects.filter(
        kind="complaint", outcome="throttled", complaint=None
    ).exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"content": ""}, "content", "这个字段是必填项。"),
        ({"content": "差"}, "content", "确保该变量至少包含 5 字符"),
        ({"complainant_contact": "打我电话"}, "complainant_contact", "请填写电话号码或电子邮箱。"),
        ({"complainant_contact": "123"}, "complainant_contact", "请填写电话号码或电子邮箱。"),
        ({"staff_description": "长" * 201}, "staff_description", "确保该变量包含不超过 200 字符"),
    ],
)
def test_a_bad_public_complaint_is_rejected_next_to_the_field(client, data, field, message):
    response = file_complaint(client, **data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_public_pages_need_no_login_and_show_no_navigation(link_a):

    for url in (
        reverse("complaints:rate", args=[link_a.token]),
        reverse("complaints:rate_thanks", args=[link_a.token]),
        reverse("complaints:public_new"),
        reverse("complaints:public_thanks"),
    ):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert 'class="navbar' not in response.content.decode()
        assert DEVICE_COOKIE in response.cookies
