"""The notice pages for every persona: the board, a notice (hash verification, window,
what changed), the printable view, the workbook attachment, objections through the pages
(filed in the window, refused after it, upheld into version 2, rejected with a reply),
HR's drafts and settings, and random data posted to every form."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from zipfile import ZipFile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import roles_for
from audit.models import AuditEntry
from notices import views as notice_views
from notices.models import Notice, NoticeSettings, Objection
from notices.selectors import notices_visible
from notices.services import notice_publish, objection_create
from notifications.models import Notification
from scoring.models import ParticipantResult
from scoring.services import period_close
from tests.factories import StaffFactory, UserFactory
from tests.notices.conftest import add
from tests.notices.test_services import (
    NEXT_MONDAY,
    closed_week,
    notice_of,
    published,
)

__all__ = ["closed_week"]

pytestmark = pytest.mark.django_db

PERSONAS = ("staff_a", "staff_b", "inspector_a", "head_b", "hr", "admin_user")
AFTER_WINDOW = date(2026, 3, 24)  # the window of a notice published on 16 March ends 23 March


def user_of(request, persona: str):
    person = request.getfixturevalue(persona)
    return getattr(person, "user", person)


@pytest.fixture
def notice(closed_week, clock, hr, head_b, admin_user, inspector_a) -> Notice:
    """W11 published on Monday 16 March 09:00: objections until Monday 23 March."""
    return published(closed_week, clock, hr)


@pytest.fixture
def deduction(closed_week):
    return closed_week[1]


def login(client, user):
    client.force_login(user)
    return client


def page(client, name: str, *args, **kwargs):
    return client.get(reverse(name, args=args), **kwargs)


# ---------------------------------------------------------------- the board


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("staff_a", True),  # takes part in the scheme
        ("staff_b", True),
        ("head_b", True),  # heads unit B, where staff_b works
        ("hr", True),
        ("admin_user", True),
        ("inspector_a", False),  # not a staff member, heads no unit
    ],
)
def test_the_board_lists_the_notices_each_persona_may_see(request, client, notice, persona, sees):
    response = page(login(client, user_of(request, persona)), "notices:board")
    assert response.status_code == 200
    assert (notice.title in response.content.decode()) is sees
    detail = page(client, "notices:detail", notice.pk)
    assert detail.status_code == (200 if sees else 404)


def test_drafts_are_on_hrs_draft_list_only(client, closed_week, hr, staff_a):
    draft = notice_of(closed_week[0])
    login(client, staff_a.user)
    assert draft.title not in page(client, "notices:board").content.decode()
    assert page(client, "notices:detail", draft.pk).status_code == 404
    assert page(client, "notices:drafts").status_code == 403
    login(client, hr)
    assert draft.title not in page(client, "notices:board").content.decode()
    assert draft.title in page(client, "notices:drafts").content.decode()
    review = page(client, "notices:detail", draft.pk).content.decode()
    assert "草稿：尚未发布" in review and reverse("notices:publish", args=[draft.pk]) in review


def test_hr_publishes_a_draft_from_its_page(client, closed_week, clock, hr, staff_a):
    draft = notice_of(closed_week[0])
    clock.move_to(NEXT_MONDAY, 9)
    publish = reverse("notices:publish", args=[draft.pk])
    assert login(client, staff_a.user).post(publish).status_code == 403
    response = login(client, hr).post(publish, follow=True)
    draft.refresh_from_db()
    assert (draft.status, draft.window_end) == (Notice.Status.PUBLISHED, date(2026, 3, 23))
    assert "申诉截止日期为 2026-03-23" in response.content.decode()
    again = client.post(publish, follow=True)  # already published: a message, no error
    assert again.status_code == 200 and "已公示" in again.content.decode()


def test_a_person_who_moved_out_of_the_scheme_still_sees_the_notice_listing_them(
    notice, staff_a, org
):
    from staff.models import Position

    def visible(person) -> list:
        person.user = UserFactory()
        person.save()
        return list(notices_visible(roles=roles_for(person.user)))

    staff_a.position = Position.objects.create(name="保洁员")
    assert visible(staff_a) == [notice]
    newcomer = StaffFactory(unit=org.unit_a_team, position=org.position)
    assert visible(newcomer) == [notice]  # takes part in the scheme now
    outsider = StaffFactory(unit=org.unit_b, position=Position.objects.create(name="水电工"))
    assert visible(outsider) == []


def test_board_query_count_does_not_grow_with_notices(
    client, notice, stars, clock, hr, staff_a, django_assert_num_queries
):
    login(client, staff_a.user)
    page(client, "notices:board")  # warm the session
    with django_assert_num_queries(11):
        page(client, "notices:board")
    for key in ("2026-W12", "2026-W13", "2026-W14"):
        clock.move_to(date(2026, 4, 6))
        notice_publish(notice=notice_of(period_close(scheme=stars, key=key).snapshot), actor=hr)
    login(client, staff_a.user)  # the session of March has expired by April
    page(client, "notices:board")
    with django_assert_num_queries(11) as captured:
        response = page(client, "notices:board")
    assert len(re.findall(r'href="/notices/\d+/"', response.content.decode())) == 4
    # Headings come from their own column: no notice's participant lines are read.
    assert not [q for q in captured.captured_queries if '"notices_notice"."content"' in q["sql"]]


# ---------------------------------------------------------------- a notice's page


def test_the_notice_page_shows_what_a_notice_publishes(client, notice, staff_a, staff_b):
    body = page(login(client, staff_b.user), "notices:detail", notice.pk).content.decode()
    assert notice.title in body
    assert "第 1 版" in body
    assert notice.content_hash in body
    assert "校验通过" in body
    assert "2026-03-23 前可申诉：还剩 6 个工作日" in body  # Mon 16 → Mon 23 March
    assert staff_a.name in body and "本周服务之星" in body  # the winner
    assert "本期共 0 人被一票否决" in body
    assert "第 2 名，得分 -1.00" in body  # staff_b's own line, with the score
    assert reverse("notices:object", args=[notice.pk]) in body


def test_on_screen_results_come_a_page_at_a_time_and_the_printable_view_keeps_everyone(
    client, notice, staff_a, staff_b, monkeypatch
):
    monkeypatch.setattr(notice_views, "RESULTS_PER_PAGE", 1)
    monkeypatch.setattr(notice_views, "WINNERS_SHOWN", 0)
    login(client, staff_b.user)
    first = page(client, "notices:detail", notice.pk).content.decode()
    assert "第 1 / 2 页" in first and 'href="?page=2#results-title"' in first
    assert staff_a.employee_no in first and 'data-testid="own-row"' not in first
    # The winners list stops (here at once) and says how many won in all.
    assert "共 1 位获奖者，下方结果表中均已标出。" in first
    assert "第 2 名，得分 -1.00" in first  # the person's own result, whatever the page
    second = client.get(reverse("notices:detail", args=[notice.pk]), {"page": 2})
    second = second.content.decode()
    assert "第 2 / 2 页" in second and 'data-testid="own-row"' in second
    assert staff_a.employee_no not in second
    printed = page(client, "notices:print", notice.pk).content.decode()
    assert staff_a.employee_no in printed and staff_b.employee_no in printed
    assert 'class="pagination' not in printed and "下方结果表中均已标出" not in printed


def test_staff_see_published_fields_only_not_other_peoples_scores(client, notice, staff_a, staff_b):
    """A notice publishes winners, ranks, grades, the veto count and the unit roll-up: the
    score of somebody else is not in it (only HR and the person see a score)."""
    scores = {row["staff_id"]: row["score"] for row in notice.content["rows"]}
    body = page(login(client, staff_b.user), "notices:detail", notice.pk).content.decode()
    assert scores[staff_b.pk] in body
    assert scores[staff_a.pk] not in body
    printed = page(client, "notices:print", notice.pk).content.decode()
    assert scores[staff_a.pk] not in printed


def test_tampering_with_a_stored_result_fails_the_verification(client, notice, staff_b, hr):
    result = ParticipantResult.objects.get(snapshot=notice.snapshot, staff=staff_b)
    result.data = {**result.data, "score": "99.00"}
    result.save(update_fields=["data"])
    for user in (staff_b.user, hr):
        body = page(login(client, user), "notices:detail", notice.pk).content.decode()
        assert "校验失败（内容已被改动）" in body and "校验通过" not in body
    assert "校验失败" in page(client, "notices:print", notice.pk).content.decode()


def test_tampering_with_the_notice_json_fails_the_verification(client, notice, staff_b):
    Notice.objects.filter(pk=notice.pk).update(
        content={**notice.content, "veto_count": 0, "winners": []}
    )
    body = page(login(client, staff_b.user), "notices:detail", notice.pk).content.decode()
    assert "校验失败（内容已被改动）" in body


def test_the_printable_view_has_no_navbar(client, notice, staff_a):
    body = page(login(client, staff_a.user), "notices:print", notice.pk).content.decode()
    assert notice.title in body and 'class="navbar' not in body
    assert "未经允许，任何人不得擅自将考评内容及结果透漏给他人" in body
    assert 'data-action="print"' in body


def test_attachment_workbook_is_hr_only_because_it_holds_everyones_detail_records(
    request, client, notice
):
    """The notice's attachment is the period report workbook: its 明细 sheet lists every
    participant's records, more than a notice publishes. Staff and unit heads get 403."""
    url = reverse("notices:workbook", args=[notice.pk])
    for persona in ("staff_a", "staff_b", "head_b", "inspector_a"):
        assert login(client, user_of(request, persona)).get(url).status_code == 403
    for persona in ("hr", "admin_user"):
        response = login(client, user_of(request, persona)).get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        workbook = b"".join(response.streaming_content)
        assert "xl/workbook.xml" in ZipFile(BytesIO(workbook)).namelist()
    staff_page = page(login(client, user_of(request, "staff_a")), "notices:detail", notice.pk)
    assert url not in staff_page.content.decode()


# ---------------------------------------------------------------- objections through pages


def test_staff_object_in_the_window_and_are_refused_after_it(
    client, notice, clock, staff_b, deduction
):
    login(client, staff_b.user)
    url = reverse("notices:object", args=[notice.pk])
    form = client.get(url).content.decode()
    assert "我的考评结果：第 2 名" in form and "PATROL" not in form.split("申诉对象")[0]
    response = client.post(url, {"target": str(deduction.pk), "text": "当天请假，不应扣分"})
    assert response.status_code == 302 and response.url == reverse("notices:mine")
    objection = Objection.objects.get()
    assert (objection.record, objection.staff, objection.text) == (
        deduction,
        staff_b,
        "当天请假，不应扣分",
    )
    mine = page(client, "notices:mine").content.decode()
    assert "当天请假，不应扣分" in mine and "等待人力资源部答复" in mine

    clock.move_to(AFTER_WINDOW, 0, 1)
    closed = client.get(url).content.decode()
    assert "申诉期已于 2026-03-23 结束" in closed and "<form" not in closed.split("<main")[1]
    refused = client.post(url, {"target": str(deduction.pk), "text": "再申诉"})
    assert refused.status_code == 200 and "申诉期已于 2026-03-23 结束" in refused.content.decode()
    assert Objection.objects.count() == 1
    detail = page(client, "notices:detail", notice.pk).content.decode()
    assert "申诉期已结束，不再受理申诉" in detail and url not in detail


def test_objection_form_errors_are_shown_next_to_the_fields(client, notice, staff_a, staff_b):
    login(client, staff_b.user)
    url = reverse("notices:object", args=[notice.pk])
    response = client.post(url, {"target": "999999", "text": "  "})
    form = response.context["form"]
    assert set(form.errors) == {"target", "text"}
    assert 'id="error_1_id_text"' in response.content.decode()
    others = add(staff_a, NEXT_MONDAY, "warning", "PATROL-LATE")  # not staff_b's record
    response = client.post(url, {"target": str(others.pk), "text": "有误"})
    assert "target" in response.context["form"].errors
    assert not Objection.objects.exists()


def test_users_who_are_not_staff_may_not_object(client, notice, hr):
    assert page(login(client, hr), "notices:object", notice.pk).status_code == 403


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("请假条.pdf", b"%PDF-1.4 leave", True),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, True),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", False),
        ("fake.xlsx", b"PK\x03\x04 not really a zip", False),
        ("virus.exe", b"MZ\x90\x00", False),
    ],
)
def test_attachments_are_checked_by_content(
    client, notice, staff_b, deduction, settings, tmp_path, name, content, accepted
):
    settings.MEDIA_ROOT = tmp_path
    login(client, staff_b.user)
    response = client.post(
        reverse("notices:object", args=[notice.pk]),
        {
            "target": str(deduction.pk),
            "text": "附证明",
            "attachment": SimpleUploadedFile(name, content),
        },
    )
    assert Objection.objects.exists() is accepted
    if not accepted:
        assert "attachment" in response.context["form"].errors


def test_attachments_larger_than_the_limit_are_refused(
    client, notice, staff_b, deduction, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.UPLOAD_MAX_BYTES = 2048
    response = login(client, staff_b.user).post(
        reverse("notices:object", args=[notice.pk]),
        {
            "target": str(deduction.pk),
            "text": "附证明",
            "attachment": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 4096),
        },
    )
    assert "attachment" in response.context["form"].errors
    assert not Objection.objects.exists()


def test_an_objections_attachment_is_for_hr_and_its_author(
    request, client, notice, staff_b, deduction, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    objection = objection_create(
        notice=notice,
        actor=staff_b.user,
        text="附请假条",
        record=deduction,
        attachment=SimpleUploadedFile("请假条.pdf", b"%PDF-1.4 leave"),
    )
    url = reverse("notices:objection_attachment", args=[objection.pk])
    expected = {"staff_a": 404, "head_b": 404, "inspector_a": 404, "staff_b": 200, "hr": 200}
    for persona, status in expected.items():
        response = login(client, user_of(request, persona)).get(url)
        assert response.status_code == status, persona
    response = login(client, staff_b.user).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 leave"


def file_objection(notice, staff_b, deduction) -> Objection:
    return objection_create(
        notice=notice, actor=staff_b.user, text="当天请假，不应扣分", record=deduction
    )


def test_hr_upholds_and_the_notice_shows_version_two_with_old_and_new(
    client, notice, clock, hr, staff_a, staff_b, deduction
):
    objection = file_objection(notice, staff_b, deduction)
    login(client, hr)
    queue = page(client, "notices:objections").content.decode()
    assert "当天请假，不应扣分" in queue and staff_b.name in queue
    review = page(client, "notices:objection", objection.pk)
    assert review.context["uphold"]["record"].value() == str(deduction.pk)

    clock.move_to(date(2026, 3, 18))
    response = client.post(
        reverse("notices:uphold", args=[objection.pk]),
        {"action": "void", "record": str(deduction.pk), "reply": "核实属实，撤销扣分"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("notices:detail", args=[notice.pk])
    body = response.content.decode()
    assert "申诉成立，公示已更新为第 2 版" in body
    notice.refresh_from_db()
    deduction.refresh_from_db()
    assert (notice.version, deduction.voided) == (2, True)
    assert "变动内容" in body and "第 2 版" in body
    assert "校验通过" in body
    changes = body.split('data-testid="changes"')[1].split("</section>")[0]
    assert staff_b.name in changes and "-1.00" in changes and "3.00" in changes  # HR: scores

    # Staff see old → new of the published fields (rank 2 → 1), their own score too.
    staff_page = page(login(client, staff_b.user), "notices:detail", notice.pk).content.decode()
    changes = staff_page.split('data-testid="changes"')[1].split("</section>")[0]
    assert ">2<" in changes and "<strong>1</strong>" in changes and "本周服务之星" in changes
    assert "-1.00" in changes
    other = page(login(client, staff_a.user), "notices:detail", notice.pk).content.decode()
    other_changes = other.split('data-testid="changes"')[1].split("</section>")[0]
    assert staff_b.name in other_changes and "-1.00" not in other_changes
    mine = page(login(client, staff_b.user), "notices:mine").content.decode()
    assert "核实属实，撤销扣分" in mine and "已发布为第 2 版" in mine


def test_hr_may_correct_the_record_value_instead(client, notice, hr, staff_b, deduction):
    objection = file_objection(notice, staff_b, deduction)
    login(client, hr).post(
        reverse("notices:uphold", args=[objection.pk]),
        {"action": "correct", "record": str(deduction.pk), "value": "0.5", "reply": "按半次计"},
    )
    deduction.refresh_from_db()
    objection.refresh_from_db()
    assert str(deduction.value.normalize()) == "0.5"
    assert objection.status == Objection.Status.UPHELD


def test_uphold_errors_are_shown_next_to_the_fields(client, notice, hr, staff_b, deduction):
    objection = file_objection(notice, staff_b, deduction)
    url = reverse("notices:uphold", args=[objection.pk])
    login(client, hr)
    response = client.post(url, {"action": "correct", "record": "", "reply": ""})
    assert set(response.context["uphold"].errors) == {"record", "value", "reply"}
    # No record changed and the ledger is as it was: nothing to publish, say so.
    response = client.post(url, {"action": "as_is", "reply": "重新核算"})
    assert "action" in response.context["uphold"].errors
    assert "考评结果没有任何变化" in response.content.decode()
    objection.refresh_from_db()
    notice.refresh_from_db()
    assert (objection.status, notice.version) == (Objection.Status.OPEN, 1)


def test_upholding_with_the_ledger_as_hr_corrected_it(
    client, notice, clock, hr, staff_b, deduction
):
    """HR reopened the period and voided the deduction by hand: "no record change"."""
    from evaluations.ledger import record_void
    from scoring.services import period_reopen

    objection = file_objection(notice, staff_b, deduction)
    period_reopen(period=notice.period, actor=hr, reason="核查申诉")
    record_void(record=deduction, actor=hr, reason="请假")
    login(client, hr).post(
        reverse("notices:uphold", args=[objection.pk]), {"action": "as_is", "reply": "已更正"}
    )
    objection.refresh_from_db()
    notice.refresh_from_db()
    assert (objection.status, objection.revision.version, notice.version) == ("upheld", 2, 2)


def test_a_long_reply_fits_the_history_reason(client, notice, hr, staff_b, deduction):
    objection = file_objection(notice, staff_b, deduction)
    reply = "核实属实" * 100
    login(client, hr).post(
        reverse("notices:uphold", args=[objection.pk]),
        {"action": "void", "record": str(deduction.pk), "reply": reply},
    )
    objection.refresh_from_db()
    assert objection.reply == reply
    assert len(deduction.history.first().history_change_reason) <= 100


def test_hr_rejects_and_the_staff_member_sees_the_reply(client, notice, hr, staff_b, deduction):
    objection = file_objection(notice, staff_b, deduction)
    url = reverse("notices:reject", args=[objection.pk])
    login(client, hr)
    response = client.post(url, {"reply": "   "})
    assert "reply" in response.context["reject"].errors
    response = client.post(url, {"reply": "有巡场记录和照片为证"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.status, objection.reply) == (
        Objection.Status.REJECTED,
        "有巡场记录和照片为证",
    )
    answered = page(client, "notices:objection", objection.pk).content.decode()
    assert reverse("notices:uphold", args=[objection.pk]) not in answered  # no more forms
    again = client.post(url, {"reply": "再次驳回"}, follow=True)
    assert "此申诉已答复" in again.content.decode()

    login(client, staff_b.user)
    mine = page(client, "notices:mine").content.decode()
    assert "有巡场记录和照片为证" in mine and "已驳回" in mine
    notification = Notification.objects.get(kind=Notification.Kind.OBJECTION_ANSWERED)
    assert notification.url == reverse("notices:mine")
    detail = page(client, "notices:detail", notice.pk).content.decode()
    assert "有巡场记录和照片为证" in detail


def test_the_queue_filters_by_status(client, notice, hr, staff_b, deduction):
    objection = file_objection(notice, staff_b, deduction)
    login(client, hr)
    assert objection.text in page(client, "notices:objections").content.decode()
    rejected = client.get(reverse("notices:objections"), {"status": "rejected"})
    assert objection.text not in rejected.content.decode()
    junk = client.get(reverse("notices:objections"), {"status": "<script>"})
    assert junk.status_code == 200 and junk.context["status"] == "open"


# ---------------------------------------------------------------- settings


def test_hr_sets_auto_publish_and_the_objection_window(client, stars, hr, staff_a):
    url = reverse("notices:settings_edit", args=[stars.code])
    assert login(client, staff_a.user).get(url).status_code == 403
    login(client, hr)
    assert stars.name in page(client, "notices:settings").content.decode()
    response = client.post(url, {"auto_publish": "on", "objection_days": "0"})
    assert "objection_days" in response.context["form"].errors
    response = client.post(url, {"auto_publish": "on", "objection_days": "3"})
    assert response.status_code == 302
    row = NoticeSettings.objects.get(scheme=stars)
    assert (row.auto_publish, row.objection_days) == (True, 3)
    assert AuditEntry.objects.filter(action="notice.settings_set").exists()
    assert "3 个工作日" in page(client, "notices:settings").content.decode()
    assert client.get(reverse("notices:settings_edit", args=["no-such"])).status_code == 404


# ---------------------------------------------------------------- random data to every form

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def junk(*valid: str):
    return st.one_of(
        st.sampled_from([*valid, ""]),
        st.text(max_size=60),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
    )


def form_data(**fields):
    return st.fixed_dictionaries({}, optional=fields)


def test_random_data_to_every_form(
    client, notice, stars, hr, staff_b, deduction, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    result = ParticipantResult.objects.get(snapshot=notice.snapshot, staff=staff_b)
    objection = file_objection(notice, staff_b, deduction)
    forms = [
        (
            staff_b.user,
            reverse("notices:object", args=[notice.pk]),
            "form",
            form_data(target=junk(str(deduction.pk), "result", str(result.pk)), text=junk("有误")),
        ),
        (
            hr,
            reverse("notices:uphold", args=[objection.pk]),
            "uphold",
            form_data(
                action=junk("void", "correct", "as_is"),
                record=junk(str(deduction.pk)),
                value=junk("1", "0.5"),
                reply=junk(""),
            ),
        ),
        (hr, reverse("notices:reject", args=[objection.pk]), "reject", form_data(reply=junk(""))),
        (
            hr,
            reverse("notices:settings_edit", args=[stars.code]),
            "form",
            form_data(auto_publish=junk("on"), objection_days=junk("5", "31")),
        ),
    ]
    for user, url, form_name, strategy in forms:
        login(client, user)
        fuzz(client, url, form_name, strategy)


def fuzz(client, url: str, form_name: str, strategy) -> None:
    @FUZZ
    @given(strategy)
    def check(data):
        response = client.post(url, data)
        assert response.status_code < 500
        if response.status_code == 200:
            form = response.context[form_name]
            assert form.errors
            for field in form.errors:
                if field != "__all__":
                    assert f'id="error_1_id_{field}"' in response.content.decode()

    check()
