"""My standing and the leaderboard run a bounded number of queries, whatever the number of
staff: the same count for a team of 5 and of 50, cold cache (standings computed) or warm."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dashboards.conftest import STARS, team
from tests.factories import PositionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

STANDING_MAX = 25
LEADERBOARD_MAX = 18


def queries(client, url, params=None, *, limit=None, assert_max=None) -> tuple[int, int]:
    """(cold, warm): the first request computes the standings and the filter choices, the
    second reads the cache; each within ``limit`` queries when given."""
    cache.clear()
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            if limit is None:
                assert client.get(url, params).status_code == 200
            else:
                with assert_max(limit):
                    assert client.get(url, params).status_code == 200
        counts.append(len(captured))
    return tuple(counts)


@pytest.fixture
def grow(schemes, org):
    def grow_to(size: int) -> None:
        team(org.unit_a_team, org.position, size - len(grow.people))
        grow.people += [None] * (size - len(grow.people))

    grow.people = []
    return grow_to


def test_my_standing_queries_do_not_grow_with_staff(
    client, grow, staff_a, django_assert_max_num_queries
):
    client.force_login(staff_a.user)
    url = reverse("dashboards:me")
    grow(5)
    small = queries(client, url)
    grow(50)
    large = queries(client, url, limit=STANDING_MAX, assert_max=django_assert_max_num_queries)
    assert small == large, (small, large)
    scheme_url = reverse("dashboards:me_scheme", args=[STARS])
    grow(55)
    small = queries(client, scheme_url)
    grow(60)
    assert queries(client, scheme_url) == small


def assert_leaderboard_queries_constant(client, grow, params, *, large: int, assert_max):
    """The same (cold, warm) query counts for a team of 5 and of ``large``, each within
    LEADERBOARD_MAX."""
    url = reverse("dashboards:leaderboard")
    grow(5)
    small = queries(client, url, params)
    grow(large)
    counts = queries(client, url, params, limit=LEADERBOARD_MAX, assert_max=assert_max)
    assert small == counts, (small, counts)


def test_leaderboard_queries_do_not_grow_with_staff(
    client, grow, hr, django_assert_max_num_queries
):
    client.force_login(hr)
    assert_leaderboard_queries_constant(
        client, grow, {"scheme": STARS}, large=50, assert_max=django_assert_max_num_queries
    )


def test_a_filtered_later_page_queries_do_not_grow_with_staff(
    client, grow, org, hr, django_assert_max_num_queries
):
    client.force_login(hr)
    params = {"scheme": STARS, "unit": org.unit_a.pk, "position": org.position.pk, "page": 2}
    assert_leaderboard_queries_constant(
        client, grow, params, large=60, assert_max=django_assert_max_num_queries
    )  # 60: a second page of 10


def test_a_unit_heads_leaderboard_queries_do_not_grow_with_staff(
    client, grow, org, django_assert_max_num_queries
):
    head = StaffFactory(
        unit=org.unit_a, position=PositionFactory(name="项目经理"), user=UserFactory()
    )
    org.unit_a.head = head
    org.unit_a.save()
    client.force_login(head.user)
    assert_leaderboard_queries_constant(
        client, grow, {"scheme": STARS}, large=50, assert_max=django_assert_max_num_queries
    )
