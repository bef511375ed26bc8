"""The leaderboard, the dashboard and inspector consistency: HR sees everyone, a unit head
only their unit subtree, staff nothing; filters; award candidates and why others were
skipped."""

from datetime import date

import pytest
from django.urls import reverse

from dashboards import selectors
from tests.dashboards.conftest import POINTS, QUALITY, STARS, add
from tests.factories import PositionFactory, StaffFactory, UserFactory
from tests.schemes import import_template

pytestmark = pytest.mark.django_db


def shown(response) -> list[str]:
    return [row.person.number for row in response.context["board"].rows]


def test_hr_sees_everyone_in_rank_order(client, schemes, staff_a, staff_b, hr):
    add(staff_a, "warning", "PATROL-LATE")
    client.force_login(hr)

    response = client.get(reverse("dashboards:leaderboard"), {"scheme": STARS})

    rows = response.context["board"].rows
    assert [(r.person.number, r.rank, str(r.score)) for r in rows] == [
        (staff_b.employee_no, 1, "3.00"),
        (staff_a.employee_no, 2, "2.00"),
    ]
    html = response.content.decode()
    assert f'data-employee="{staff_b.employee_no}" data-rank="1"' in html
    assert reverse("reports:period") in html


def test_a_scheme_without_an_award_has_a_board_and_no_candidates(
    client, schemes, staff_a, staff_b, hr
):
    import_template(POINTS)  # a points bank: no award configured
    client.force_login(hr)

    response = client.get(reverse("dashboards:leaderboard"), {"scheme": POINTS})

    assert response.status_code == 200
    assert response.context["board"].award is None
    assert response.context["board"].candidates == []
    assert 'data-testid="candidates"' not in response.content.decode()


def test_a_unit_head_sees_only_their_unit(client, schemes, staff_a, staff_b, head_b):
    client.force_login(head_b.user)

    response = client.get(reverse("dashboards:leaderboard"), {"scheme": STARS})

    assert shown(response) == [staff_b.employee_no]
    assert staff_a.name not in response.content.decode()
    assert [path for _pk, path in response.context["board"].units] == ["星辰物业/工程部"]
    assert reverse("reports:period") not in response.content.decode()


def test_the_table_is_paginated_keeping_the_filters(
    client, schemes, org, staff_a, staff_b, hr, monkeypatch
):
    add(staff_a, "warning", "PATROL-LATE")
    monkeypatch.setattr("dashboards.views.LEADERBOARD_PAGE_SIZE", 1)
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")
    filters = {"scheme": STARS, "position": org.position.pk}

    first = client.get(url, filters)
    second = client.get(url, filters | {"page": 2})

    assert second.context["board"].shown == 2  # counts and filters cover every row
    html = first.content.decode()
    assert html.count("data-employee=") == 1
    assert f'data-employee="{staff_b.employee_no}" data-rank="1"' in html
    assert f"?scheme={STARS}&amp;position={org.position.pk}&amp;page=2" in html
    html = second.content.decode()
    assert html.count("data-employee=") == 1
    assert f'data-employee="{staff_a.employee_no}" data-rank="2"' in html
    assert f"?scheme={STARS}&amp;position={org.position.pk}&amp;page=1" in html


def test_filters_by_unit_and_position(client, schemes, org, staff_a, staff_b, hr):
    cleaner = StaffFactory(unit=org.unit_a, position=PositionFactory(name="保洁员"))
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")

    by_unit = client.get(url, {"scheme": QUALITY, "unit": org.unit_a.pk})
    by_position = client.get(url, {"scheme": QUALITY, "position": cleaner.position_id})

    assert sorted(shown(by_unit)) == sorted([staff_a.employee_no, cleaner.employee_no])
    assert shown(by_position) == [cleaner.employee_no]


def test_page_two_continues_the_ranking(client, schemes, org, hr, monkeypatch):
    people = [StaffFactory(unit=org.unit_a, position=org.position) for _ in range(5)]
    for count, person in enumerate(people):  # five different scores
        add(person, "deduction", "CLEAN-01", count, day=date(2026, 11, 3))
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")
    ranking = [
        (r.person.number, r.rank)
        for r in client.get(url, {"scheme": QUALITY}).context["board"].rows
    ]
    monkeypatch.setattr("dashboards.views.LEADERBOARD_PAGE_SIZE", 2)

    board = client.get(url, {"scheme": QUALITY, "page": 2}).context["board"]

    assert [(r.person.number, r.rank) for r in board.rows] == ranking[2:4]
    assert [rank for _number, rank in ranking] == [1, 2, 3, 4, 5]
    assert (board.shown, board.participants, board.page.paginator.num_pages) == (5, 5, 3)


def test_a_unit_head_pages_through_their_subtree_only(
    client, schemes, org, staff_a, staff_b, monkeypatch
):
    head = StaffFactory(unit=org.unit_a, position=PositionFactory(name="项目经理"))
    head.user = UserFactory(username="head_a")
    head.save()
    org.unit_a.head = head
    org.unit_a.save()
    clerks = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(2)]
    mine = {staff_a.employee_no} | {clerk.employee_no for clerk in clerks}
    monkeypatch.setattr("dashboards.views.LEADERBOARD_PAGE_SIZE", 2)
    client.force_login(head.user)
    url = reverse("dashboards:leaderboard")

    pages = [client.get(url, {"scheme": STARS, "page": n}) for n in (1, 2)]
    elsewhere = client.get(url, {"scheme": STARS, "unit": org.unit_b.pk})

    boards = [page.context["board"] for page in pages]
    assert {row.person.number for board in boards for row in board.rows} == mine
    assert [len(board.rows) for board in boards] == [2, 1]
    assert (boards[0].shown, boards[0].participants) == (3, 4)  # staff_b is not theirs
    assert "显示 3 人（共 4 人参评）" in pages[0].content.decode()
    assert elsewhere.context["board"].shown == 3  # a unit outside their scope filters nothing
    assert [name for _pk, name in boards[0].positions] == [org.position.name]


def test_the_position_choices_are_the_participants_positions(
    client, schemes, org, staff_a, head_b, hr
):
    cleaner = StaffFactory(unit=org.unit_b, position=PositionFactory(name="保洁员"))
    StaffFactory(unit=org.unit_b, position=PositionFactory(name="保安队长"))  # in no scheme
    StaffFactory(unit=org.unit_b, position=org.position, hire_date=date(2026, 12, 1))  # not yet
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")

    quality = client.get(url, {"scheme": QUALITY}).context["board"]
    stars = client.get(url, {"scheme": STARS}).context["board"]
    client.force_login(head_b.user)
    theirs = client.get(url, {"scheme": QUALITY}).context["board"]
    theirs_stars = client.get(url, {"scheme": STARS}).context["board"]

    assert quality.positions == [(org.position.pk, "客服员"), (cleaner.position_id, "保洁员")]
    assert stars.positions == [(org.position.pk, "客服员")]
    assert theirs.positions == [(cleaner.position_id, "保洁员")]  # staff_a is not in unit B
    assert theirs_stars.positions == []  # their 客服员 joins after the week


def test_award_candidates_say_why_others_were_skipped(client, schemes, org, hr):
    first, second, third = (StaffFactory(unit=org.unit_a, position=org.position) for _ in range(3))
    add(first, "complaint", "有责", note="态度生硬")
    add(second, "warning", "PATROL-LATE")
    add(third, "warning", "PATROL-LATE")
    add(third, "metric", "free_card_signups", 2)  # 2 + 1 ranked star: 3 stars, no veto
    client.force_login(hr)

    board = client.get(reverse("dashboards:leaderboard"), {"scheme": STARS}).context["board"]

    notes = {row.person.number: row.note for row in board.candidates}
    assert notes[first.employee_no].startswith("一票否决")
    assert notes[third.employee_no] == ""  # the winner
    assert [r.person.number for r in board.rows if r.result["award"]] == [third.employee_no]


def test_award_candidates_follow_the_standing(client, schemes, org, hr):
    people = [StaffFactory(unit=org.unit_a, position=org.position) for _ in range(6)]
    add(people[0], "metric", "free_card_signups", 2)  # the most stars: the winner
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")
    before = client.get(url, {"scheme": STARS}).context["board"]
    add(people[0], "complaint", "有责", note="态度生硬")  # a veto: the award goes further down

    after = client.get(url, {"scheme": STARS}).context["board"]

    for board in (before, after):
        numbers = [row.person.number for row in board.rows]
        last = max(i for i, row in enumerate(board.rows) if row.result["award"])
        assert [row.person.number for row in board.candidates] == numbers[: last + 4]
    assert before.candidates[0].note == "" and after.candidates[0].note.startswith("一票否决")


def test_staff_may_not_open_the_boards(client, schemes, staff_a):
    client.force_login(staff_a.user)

    for name in ("dashboards:leaderboard", "dashboards:dashboard", "dashboards:inspectors"):
        assert client.get(reverse(name)).status_code == 403


def test_bad_scheme_is_404_and_bad_period_a_message(client, schemes, hr):
    client.force_login(hr)
    url = reverse("dashboards:leaderboard")

    assert client.get(url, {"scheme": "nope"}).status_code == 404
    response = client.get(url, {"scheme": STARS, "period": "2026-11", "unit": "x"})
    assert response.status_code == 200
    assert response.context["period"].key == "2026-W47"
    assert "2026-11" in response.content.decode()


def test_dashboard_units_pareto_and_complaints(client, schemes, org, staff_a, staff_b, hr):
    add(staff_a, "deduction", "CLEAN-01", 2, day=date(2026, 11, 3))
    add(staff_b, "deduction", "CLEAN-01", day=date(2026, 11, 3))
    add(staff_b, "deduction", "ATT-01", day=date(2026, 11, 4))
    add(staff_b, "complaint", "有责")
    client.force_login(hr)

    dash = client.get(reverse("dashboards:dashboard"), {"scheme": QUALITY}).context["dash"]

    assert [(u.path, u.participants, str(u.average)) for u in dash.units] == [
        ("星辰物业/客服部", 1, "98.00"),
        ("星辰物业/工程部", 1, "98.00"),  # a complaint is a veto here, not a deduction
    ]
    assert [(p.label, p.count, str(p.points), str(p.cumulative)) for p in dash.pareto] == [
        ("地面有垃圾杂物", 2, "3.00", "75.00"),
        ("未主动问好", 1, "1.00", "100.00"),
    ]
    assert [(c.unit_path, c.valid) for c in dash.complaints] == [("星辰物业/工程部", 1)]
    assert [p.key for p in dash.trend] == ["2026-11"]


def test_dashboard_for_a_head_counts_only_their_unit(client, schemes, staff_a, staff_b, head_b):
    client.force_login(head_b.user)

    dash = client.get(reverse("dashboards:dashboard"), {"scheme": QUALITY}).context["dash"]

    assert [row.person.number for row in dash.rows] == [staff_b.employee_no]


def test_inspectors_lenient_and_harsh(client, schemes, org, hr):
    people = [StaffFactory(unit=org.unit_a, position=org.position) for _ in range(4)]
    for index, person in enumerate(people):
        for day in (2, 3, 4):
            kwargs = {"day": date(2026, 11, day), "batch": f"B{index}{day}"}
            add(person, "deduction", "CLEAN-01", 0, inspector_name="宽松", **kwargs)
            add(person, "deduction", "ATT-01", 1, inspector_name="适中", **kwargs)
            add(person, "deduction", "GREEN-01", 1, inspector_name="另一位", **kwargs)
            add(person, "deduction", "DIS-01", 3, inspector_name="严格", **kwargs)
    client.force_login(hr)

    activity = client.get(reverse("dashboards:inspectors"), {"scheme": QUALITY}).context["activity"]

    rows = {row.name: row for row in activity.rows}
    assert rows["宽松"].inspections == 12 and rows["宽松"].verdict == "lenient"
    assert rows["严格"].verdict == "harsh" and str(rows["严格"].rate) == "3.00"
    assert rows["适中"].verdict == ""
    assert str(activity.median) == "1.00"


def test_dashboard_lists_overdue_complaints_in_scope(client, schemes, staff_a, staff_b, head_b, hr):
    from complaints.services import complaint_receive

    for person in (staff_a, staff_b):
        complaint_receive(
            channel="phone", content="态度生硬", received_on=date(2026, 11, 2), staff=person
        )
    complaint_receive(
        channel="phone", content="刚收到", received_on=date(2026, 11, 18), staff=staff_b
    )
    url = reverse("dashboards:dashboard")

    client.force_login(hr)
    everyone = client.get(url, {"scheme": QUALITY}).context["dash"].overdue
    client.force_login(head_b.user)
    theirs = client.get(url, {"scheme": QUALITY}).context["dash"].overdue

    assert sorted(c.staff_id for c in everyone) == sorted([staff_a.pk, staff_b.pk])
    assert [c.staff_id for c in theirs] == [staff_b.pk]


def test_a_crowd_of_tied_winners_lists_only_the_first_candidates(
    client, schemes, org, hr, monkeypatch
):
    """Early in a period everyone can still tie on full marks, and every tied one wins: the
    card lists CANDIDATES_SHOWN of them and counts the rest."""
    monkeypatch.setattr(selectors, "CANDIDATES_SHOWN", 2)
    people = [StaffFactory(unit=org.unit_a, position=org.position) for _ in range(5)]
    client.force_login(hr)

    response = client.get(reverse("dashboards:leaderboard"), {"scheme": STARS})

    board = response.context["board"]
    winners = [row.person.number for row in board.rows if row.result["award"]]
    assert len(winners) >= len(people)  # all tied, all winners
    assert [row.person.number for row in board.candidates] == winners[:2]
    assert board.more_candidates == len(winners) - 2
    assert f"另有 {len(winners) - 2} 位候选人" in response.content.decode()
