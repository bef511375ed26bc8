"""Four weeks of a weekly stars scheme on a frozen clock, driven by the beat tasks (eager):
Sunday settlement, notices, an upheld objection (version 2 with its changes), a rejected
one, a late one refused, windows closing, awards and the monthly promotion."""

from __future__ import annotations

from datetime import date

import pytest

from notices.models import Award, Notice, Objection
from notices.services import (
    ObjectionRefused,
    notice_publish,
    objection_create,
    objection_reject,
    objection_uphold,
)
from notices.tasks import notices_finalize_due_task
from scoring.models import Period
from scoring.tasks import catch_up, settle_weekly
from tests.notices.conftest import add

pytestmark = pytest.mark.django_db

STAR = "本周服务之星"
MONTHLY = "月度服务明星"


def notice(key: str) -> Notice:
    return Notice.objects.select_related("snapshot").get(period__key=key)


def row(key: str, person) -> dict:
    return next(r for r in notice(key).content["rows"] if r["staff_id"] == person.pk)


def test_four_weeks_of_weekly_stars(stars, clock, hr, inspector_a, staff_a, staff_b):
    # ---- week 1 (W10, 2–8 March): staff_b is docked, staff_a wins alone
    clock.move_to(date(2026, 3, 3), 9)
    late = add(staff_b, date(2026, 3, 3), "deduction", "PATROL-LATE", actor=inspector_a)
    clock.move_to(date(2026, 3, 8), 23, 30)  # Sunday night settlement
    assert settle_weekly.delay().get() == 1
    w10 = notice("2026-W10")
    assert (w10.status, w10.version, w10.content["winners"]) == ("draft", 1, [staff_a.pk])
    assert row("2026-W10", staff_b)["score"] == "-1.00"

    clock.move_to(date(2026, 3, 9), 9)
    notice_publish(notice=w10, actor=hr)
    assert notice("2026-W10").window_end == date(2026, 3, 16)

    clock.move_to(date(2026, 3, 10), 14)
    upheld = objection_create(
        notice=w10, actor=staff_b.user, text="3月3日已请假，有审批单", record=late
    )
    clock.move_to(date(2026, 3, 11), 10)
    objection_uphold(objection=upheld, actor=hr, reply="请假属实，撤销扣分")
    w10 = notice("2026-W10")
    assert (w10.version, w10.status, w10.window_end) == (2, "published", date(2026, 3, 18))
    assert sorted(w10.content["winners"]) == sorted([staff_a.pk, staff_b.pk])  # tied: both win
    change = w10.revisions.get(version=2).changes
    assert change[0]["staff_id"] == staff_b.pk
    assert change[0]["changes"]["score"] == {"old": "-1.00", "new": "3.00"}
    assert change[0]["changes"]["award"] == {"old": "", "new": STAR}

    # ---- week 2 (W11, 9–15 March): staff_b warned, staff_a wins; staff_b's objection rejected
    add(staff_b, date(2026, 3, 12), "warning", "PATROL-DRESS", actor=inspector_a)
    clock.move_to(date(2026, 3, 15), 23, 30)
    assert settle_weekly.delay().get() == 1
    clock.move_to(date(2026, 3, 16), 9)
    notice_publish(notice=notice("2026-W11"), actor=hr)
    clock.move_to(date(2026, 3, 17), 11)
    rejected = objection_create(
        notice=notice("2026-W11"),
        actor=staff_b.user,
        text="仪容检查时我在更衣，不应警告",
        result=notice("2026-W11").snapshot.results.get(staff=staff_b),
    )
    clock.move_to(date(2026, 3, 18), 16)
    objection_reject(objection=rejected, actor=hr, reply="巡场照片显示在岗时间，维持警告")
    assert notice("2026-W11").version == 1

    # ---- week 3 (W12, 16–22 March): W10's window is over → final; a late objection refused
    clock.move_to(date(2026, 3, 19), 0, 15)
    assert notices_finalize_due_task.delay().get() == 1
    assert notice("2026-W10").status == "final"
    with pytest.raises(ObjectionRefused, match="closed on 2026-03-18"):
        objection_create(notice=notice("2026-W10"), actor=staff_a.user, text="晚了")
    clock.move_to(date(2026, 3, 19), 10)
    add(staff_b, date(2026, 3, 19), "warning", "PATROL-LANG", actor=inspector_a)
    clock.move_to(date(2026, 3, 22), 23, 30)
    settle_weekly.delay()
    assert row("2026-W12", staff_a)["award"] == STAR
    assert (row("2026-W12", staff_a)["promotion"], row("2026-W12", staff_a)["prize"]) == (
        MONTHLY,
        "100",
    )  # third weekly win in March
    assert row("2026-W12", staff_b)["promotion"] == ""
    clock.move_to(date(2026, 3, 23), 9)
    notice_publish(notice=notice("2026-W12"), actor=hr)
    clock.move_to(date(2026, 3, 24), 0, 15)
    notices_finalize_due_task.delay()
    assert notice("2026-W11").status == "final"

    # ---- week 4 (W13, 23–29 March): beat was down on Sunday; Monday's catch-up closes it
    add(staff_b, date(2026, 3, 25), "warning", "PATROL-LATE", actor=inspector_a)
    clock.move_to(date(2026, 3, 30), 6)
    assert Period.objects.filter(key="2026-W13").count() == 0
    assert catch_up.delay().get() == 1
    assert row("2026-W13", staff_a)["award"] == STAR
    assert row("2026-W13", staff_a)["promotion"] == ""  # promoted once per month
    clock.move_to(date(2026, 3, 30), 9)
    notice_publish(notice=notice("2026-W13"), actor=hr)
    clock.move_to(date(2026, 3, 31), 0, 15)
    notices_finalize_due_task.delay()  # W12 (window ended 30 March)
    clock.move_to(date(2026, 4, 7), 0, 15)
    notices_finalize_due_task.delay()  # W13 (window ended 6 April)

    assert set(Notice.objects.values_list("status", flat=True)) == {"final"}
    assert {o.status for o in Objection.objects.all()} == {"upheld", "rejected"}
    issued = sorted(
        (a.notice.period.key, a.staff.user.username, a.title, str(a.prize))
        for a in Award.objects.filter(revoked_at__isnull=True).select_related(
            "notice__period", "staff__user"
        )
    )
    assert issued == [
        ("2026-W10", "staff_a", STAR, "0.00"),
        ("2026-W10", "staff_b", STAR, "0.00"),
        ("2026-W11", "staff_a", STAR, "0.00"),
        ("2026-W12", "staff_a", MONTHLY, "100.00"),
        ("2026-W12", "staff_a", STAR, "0.00"),
        ("2026-W13", "staff_a", STAR, "0.00"),
    ]
