"""My standing: a staff member's own results, what would change them, the records behind
them, their history, badges and notices — and nobody else's."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards.selectors import person_schemes, standings_for
from notices.models import Award, Notice
from notices.services import notice_draft, notice_publish
from scoring.engine.periods import period_for_date
from scoring.services import period_close
from tests.dashboards.conftest import POINTS, QUALITY, STARS, TODAY, add
from tests.factories import PositionFactory, StaffFactory, UserFactory
from tests.schemes import import_template

pytestmark = pytest.mark.django_db


def standing(person, code):
    schemes = [a for a in person_schemes(person) if a.scheme.code == code]
    period = period_for_date(schemes[0].scheme.period, TODAY)
    return standings_for(person, schemes, {schemes[0].scheme.pk: period})[0]


def card(html: str, code: str) -> str:
    start = html.index(f'data-scheme="{code}"')
    return html[start : html.index("</section>", start)]


def test_staff_sees_stars_rank_and_grade(client, schemes, staff_a, staff_b):
    add(staff_a, "warning", "PATROL-LATE", inspector_name="值班经理")
    client.force_login(staff_a.user)

    html = client.get(reverse("dashboards:me")).content.decode()

    stars = card(html, STARS)
    assert 'data-testid="red-stars">2</strong>' in stars
    assert 'data-testid="green-stars">0</strong>' in stars
    assert 'data-testid="score">2</strong>' in stars
    assert '<strong class="fs-4">2</strong>' in stars  # rank 2 of 2: staff_b keeps 3 stars
    quality = card(html, QUALITY)
    assert 'data-testid="score">100</strong>' in quality
    assert 'data-testid="grade">优秀</span>' in quality
    assert html.index(f'data-scheme="{STARS}"') < html.index(f'data-scheme="{QUALITY}"')


def test_what_ifs_come_from_the_engine(schemes, staff_a, staff_b):
    add(staff_a, "warning", "PATROL-LATE")

    found = {w.label: w for w in standing(staff_a, STARS).what_ifs}

    warning = next(w for label, w in found.items() if label.startswith("再被口头警告"))
    assert warning.delta == Decimal("-0.5")  # the 2nd warning loses 1.5 in all, 0.5 more
    deduction = next(w for label, w in found.items() if "扣分" in label)
    assert deduction.delta == Decimal("-3")  # red 3−1=2 → 0, plus a green star: 2 → −1
    complaint = next(w for label, w in found.items() if "有责投诉" in label)
    assert complaint.delta == 0 and complaint.vetoes == ("有责投诉",)
    bonus = next(w for w in found.values() if w.improves)
    assert bonus.delta == 1 and (bonus.rank_before, bonus.rank_after) == (2, 1)


def test_what_if_uses_the_commonest_item_and_grades(schemes, staff_a):
    for _ in range(4):
        add(staff_a, "deduction", "ATT-01", day=date(2026, 11, 2))
    add(staff_a, "deduction", "CLEAN-01", day=date(2026, 11, 3))

    result = standing(staff_a, QUALITY)

    assert result.score == 95 and result.result["grade"] == "优良"
    commonest = result.what_ifs[0]
    assert "未主动问好" in commonest.label
    assert commonest.delta == -1 and commonest.grade_after is None
    assert len(result.what_ifs) <= 4


def test_records_behind_the_result_and_their_detail(client, schemes, staff_a):
    record = add(staff_a, "warning", "PATROL-LATE", inspector_name="值班经理", note="晚到十分钟")
    client.force_login(staff_a.user)

    html = client.get(reverse("dashboards:me_scheme", args=[STARS])).content.decode()

    assert (
        "迟到早退" in html and "值班经理" in html and "晚到十分钟" in html and "2026-11-18" in html
    )
    detail_url = reverse("dashboards:me_record", args=[record.pk])
    assert detail_url in html
    detail = client.get(detail_url).content.decode()
    assert "迟到早退" in detail and "晚到十分钟" in detail
    assert 'data-testid="effect">−1 ★' in detail


def test_periods_filter_the_records(client, schemes, staff_a):
    add(staff_a, "warning", "PATROL-LATE", day=date(2026, 11, 10), note="上周的")
    add(staff_a, "warning", "PATROL-DRESS", note="本周的")
    client.force_login(staff_a.user)
    url = reverse("dashboards:me_scheme", args=[STARS])

    this_week = client.get(url).content.decode()
    last_week = client.get(url, {"period": "2026-W46"}).content.decode()

    assert "本周的" in this_week and "上周的" not in this_week
    assert "上周的" in last_week and "本周的" not in last_week


def test_someone_elses_record_is_not_found(client, schemes, staff_a, staff_b):
    theirs = add(staff_b, "warning", "PATROL-LATE")
    client.force_login(staff_a.user)

    assert client.get(reverse("dashboards:me_record", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("dashboards:me_record_photo", args=[theirs.pk])).status_code == 404


def test_bad_input_gives_a_message_or_404(client, schemes, staff_a):
    client.force_login(staff_a.user)
    url = reverse("dashboards:me_scheme", args=[STARS])

    response = client.get(url, {"period": "2026-13-99"})

    assert response.status_code == 200
    assert "2026-13-99" in response.content.decode()
    assert client.get(reverse("dashboards:me_scheme", args=["no-such-scheme"])).status_code == 404
    unrelated = reverse("dashboards:me_scheme", args=["bank-yearly-points"])
    assert client.get(unrelated).status_code == 404


def test_an_account_without_staff_record_gets_an_explanation(client, schemes, hr):
    client.force_login(hr)

    response = client.get(reverse("dashboards:me"))

    assert response.status_code == 200
    assert response.context["person"] is None


def test_history_has_closed_periods_and_the_provisional_one(client, schemes, staff_a, staff_b):
    period_close(scheme=schemes[STARS], key="2026-W45")
    add(staff_a, "warning", "PATROL-LATE", day=date(2026, 11, 11))
    period_close(scheme=schemes[STARS], key="2026-W46")
    client.force_login(staff_a.user)

    response = client.get(reverse("dashboards:me_scheme", args=[STARS]))

    history = response.context["history"]
    assert [(p.key, p.score, p.provisional) for p in history] == [
        ("2026-W45", Decimal("3.00"), False),
        ("2026-W46", Decimal("2.00"), False),
        ("2026-W47", Decimal("3.00"), True),
    ]
    html = response.content.decode()
    assert 'id="chart-history"' in html and "vendor/echarts/echarts.min.js" in html
    assert '<table class="table table-sm small mb-0">' in html  # the chart's table


def test_a_closed_period_shows_its_snapshot(client, schemes, staff_a):
    add(staff_a, "warning", "PATROL-LATE", day=date(2026, 11, 11))
    period_close(scheme=schemes[STARS], key="2026-W46")
    client.force_login(staff_a.user)

    response = client.get(reverse("dashboards:me_scheme", args=[STARS]), {"period": "2026-W46"})

    shown = response.context["standing"]
    assert shown.version == 1 and shown.score == 2 and shown.what_ifs == []


def test_badges_and_notices(client, schemes, staff_a, hr):
    period_close(scheme=schemes[STARS], key="2026-W46")
    notice = Notice.objects.get(period__key="2026-W46")
    notice_publish(notice=notice, actor=hr)
    Award.objects.create(notice=notice, staff=staff_a, kind="award", title="本周服务之星")
    Award.objects.create(notice=notice, staff=staff_a, kind="promotion", title="月度服务明星")
    client.force_login(staff_a.user)

    response = client.get(reverse("dashboards:me"))

    html = response.content.decode()
    assert "本周服务之星 ×1" in html and "月度服务明星 ×1" in html
    window_end = Notice.objects.get(pk=notice.pk).window_end
    assert window_end >= TODAY
    assert window_end.isoformat() in html
    assert reverse("notices:object", args=[notice.pk]) in html
    (item,) = response.context["notices"]
    rows = Notice.objects.get(pk=notice.pk).content["rows"]
    published = next(row for row in rows if row["staff_id"] == staff_a.pk)
    assert item.row == {key: published[key] for key in ("rank", "score", "award")}
    assert item.notice.title == Notice.objects.get(pk=notice.pk).title


def test_notice_draft_is_not_shown(client, schemes, staff_a):
    snapshot = period_close(scheme=schemes[STARS], key="2026-W46").snapshot
    notice_draft(snapshot=snapshot)
    client.force_login(staff_a.user)

    response = client.get(reverse("dashboards:me"))

    assert response.context["notices"] == []


def test_points_bank_balance_and_retraining(client, frozen, org):
    import_template(POINTS)
    teller = StaffFactory(unit=org.unit_b, position=PositionFactory(name="柜员"))
    teller.user = UserFactory(username="teller")
    teller.save()
    for offset in (4, 2, 0):
        add(teller, "deduction", "P-LATE", day=TODAY - timedelta(days=offset))
    client.force_login(teller.user)

    html = client.get(reverse("dashboards:me")).content.decode()

    assert 'data-testid="score">7</strong>' in html  # 12 − 1 − 2 − 2: repeats are doubled
    assert "2026-11-18" in html and "下岗培训" in html  # the third violation in 30 days


def test_own_finding_photo_is_shown_and_served(
    client, schemes, org, staff_a, inspector_a, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from inspections.models import Finding, Inspection

    settings.MEDIA_ROOT = tmp_path
    record = add(staff_a, "deduction", "PATROL-DRESS", inspector_name="巡查员")
    inspection = Inspection.objects.create(date=TODAY, unit=org.unit_a, inspector=inspector_a)
    Finding.objects.create(
        inspection=inspection, record=record, photo=ContentFile(b"\xff\xd8jpeg", name="p.jpg")
    )
    client.force_login(staff_a.user)

    lines = client.get(reverse("dashboards:me_scheme", args=[STARS])).context["lines"]
    detail = client.get(reverse("dashboards:me_record", args=[record.pk])).content.decode()
    photo = client.get(reverse("dashboards:me_record_photo", args=[record.pk]))

    assert [line.photo for line in lines if line.record_id == record.pk] == [True]
    assert reverse("dashboards:me_record_photo", args=[record.pk]) in detail
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content) == b"\xff\xd8jpeg"


def test_ranks_by_bisection_match_counting_the_others():
    from decimal import Decimal

    from dashboards.selectors import _others_above
    from scoring.engine import types as t
    from scoring.standings import StandingIndex

    scores = ["3", "1.5", "3", "0", "-2", "1.5", "7"]
    results = tuple(t.ParticipantResult(i, Decimal(s), Decimal(s)) for i, s in enumerate(scores))
    index = StandingIndex.of(_Outcome(results))
    for mine in results:
        above = _others_above(index, mine)
        others = [r.score for r in results if r.staff_id != mine.staff_id]
        for x in ("-3", "-2", "0", "1.5", "2", "3", "7", "8"):
            assert above(Decimal(x)) == sum(1 for o in others if o > Decimal(x))
    assert index.by_staff[6] is results[6]


class _Outcome:
    def __init__(self, results):
        self.results = results
