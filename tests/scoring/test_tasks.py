"""The scheduled jobs of scoring, run eagerly: which periods are due, the Sunday settlement,
nightly closing, the catch-up, the debounced standings refresh, and a cache or broker that
is down. (tests/celery/ runs the same tasks through a real worker and Redis.)"""

from __future__ import annotations

import logging
import socket
import time
from datetime import date
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError as BrokerError

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft, record_create
from notices.models import Notice
from scoring import tasks
from scoring.closing import period_close_scheduled, periods_due
from scoring.models import Period
from scoring.services import period_close, period_reopen, standing_compute
from scoring.signals import ledger_epoch
from starservice.celery import app as celery_app
from tests.frozen import clock
from tests.schemes import import_template

pytestmark = pytest.mark.django_db

__all__ = ["clock"]

SUNDAY = date(2026, 3, 15)  # end of 2026-W11


@pytest.fixture
def schemes(clock, org, staff_a, staff_b):
    """A monthly scheme created 15 January and the weekly one created Monday 2 March."""
    clock.move_to(date(2026, 1, 15))
    monthly = import_template("property-monthly-quality")
    clock.move_to(date(2026, 3, 2), 8)
    weekly = import_template("property-weekly-stars")
    return weekly, monthly


def test_periods_due_from_the_scheme_s_creation_until_yesterday_or_today(schemes):
    weekly, monthly = schemes
    due = periods_due(today=SUNDAY, kinds=["weekly", "monthly"], through_today=False)
    assert due == [(monthly.pk, "2026-01"), (monthly.pk, "2026-02"), (weekly.pk, "2026-W10")]
    assert periods_due(today=SUNDAY, kinds=["weekly"], through_today=True) == [
        (weekly.pk, "2026-W10"),
        (weekly.pk, "2026-W11"),
    ]


def test_closed_reopened_and_archived_are_not_due(schemes):
    weekly, monthly = schemes
    period_close(scheme=weekly, key="2026-W10")
    snapshot = period_close(scheme=monthly, key="2026-01").snapshot
    period_reopen(period=snapshot.period, reason="补录")
    assert periods_due(today=SUNDAY, kinds=["weekly", "monthly"], through_today=False) == [
        (monthly.pk, "2026-02")
    ]
    monthly.archived = True
    monthly.save()
    assert periods_due(today=SUNDAY, kinds=["monthly"], through_today=False) == []


def test_sunday_settlement_closes_the_weeks_ending_today_once(schemes, clock):
    weekly, _monthly = schemes
    clock.move_to(SUNDAY, 23, 30)
    assert tasks.settle_weekly.delay().get() == 2  # W10 was missed, W11 ends today
    closed = Period.objects.filter(scheme=weekly, status=Period.Status.CLOSED)
    assert sorted(closed.values_list("key", flat=True)) == ["2026-W10", "2026-W11"]
    assert Notice.objects.filter(period__scheme=weekly).count() == 2
    entry = AuditEntry.objects.filter(action="period.closed").first()
    assert entry.actor is None
    assert entry.reason.startswith("closed by scheduled task ")
    assert tasks.settle_weekly.delay().get() == 0


def test_nightly_close_takes_the_other_periods_after_their_last_day(schemes, clock):
    weekly, monthly = schemes
    clock.move_to(date(2026, 3, 31), 23, 59)
    assert tasks.close_ended.delay().get() == 2  # January, February; not March yet
    clock.move_to(date(2026, 4, 1), 0, 30)
    assert tasks.close_ended.delay().get() == 1
    assert not Period.objects.filter(scheme=weekly).exists()
    assert Period.objects.filter(scheme=monthly, status=Period.Status.CLOSED).count() == 3


def test_a_scheduled_close_leaves_a_period_hr_reopened(schemes):
    weekly, _monthly = schemes
    period = period_close(scheme=weekly, key="2026-W10").snapshot.period
    period_reopen(period=period, reason="核实投诉")
    assert period_close_scheduled(scheme_id=weekly.pk, key="2026-W10", reason="test") is None
    period.refresh_from_db()
    assert period.status == Period.Status.REOPENED


def test_catch_up_closes_what_was_missed_and_refreshes_standings(
    schemes, clock, django_assert_num_queries
):
    weekly, monthly = schemes
    clock.move_to(date(2026, 3, 16), 6)
    epoch = ledger_epoch()
    assert tasks.catch_up.delay().get() == 4  # Jan, Feb, W10, W11
    assert ledger_epoch() == epoch + 1
    with django_assert_num_queries(0):  # served from the warmed cache
        standing_compute(scheme=weekly)
        standing_compute(scheme=monthly)


# ---------------------------------------------------------------- debounced standings refresh


@pytest.fixture
def not_eager():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def broker_calls(not_eager, monkeypatch):
    """Not eager, and apply_async of the refresh task recorded instead of sent."""
    calls = []
    monkeypatch.setattr(
        tasks.standings_refresh_task,
        "apply_async",
        lambda args=(), countdown=None, **kwargs: calls.append(countdown),
    )
    return calls


def test_many_saves_in_the_window_enqueue_one_refresh(
    schemes, clock, staff_a, broker_calls, django_capture_on_commit_callbacks
):
    clock.move_to(date(2026, 3, 3))
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            record_create(
                draft=RecordDraft(
                    staff_id=staff_a.pk, date=date(2026, 3, 3), kind="warning", code="PATROL"
                )
            )
    assert broker_calls == [tasks.REFRESH_DELAY_SECONDS]
    tasks.standings_refresh_task.apply()  # the refresh runs: the next change asks again
    tasks.standings_refresh_request()
    assert broker_calls == [tasks.REFRESH_DELAY_SECONDS] * 2


def test_eager_mode_warms_nothing_in_the_background(schemes, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.standings_refresh_task, "apply_async", calls.append)
    tasks.standings_refresh_request()
    assert calls == []


def test_a_broker_that_refuses_is_logged_and_the_next_change_tries_again(
    schemes, not_eager, monkeypatch, caplog
):
    def refuse(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.standings_refresh_task, "apply_async", refuse)
    with caplog.at_level(logging.WARNING):
        tasks.standings_refresh_request()
    assert "left for the catch-up job" in caplog.text
    assert cache.get(tasks.REFRESH_PENDING_KEY) is None


@pytest.fixture
def dead_redis_cache(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_with_the_cache_down_a_save_succeeds_fast_and_standings_still_compute(
    schemes, clock, staff_a, dead_redis_cache, not_eager, django_capture_on_commit_callbacks
):
    weekly, _monthly = schemes
    clock.move_to(date(2026, 3, 3))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        record = record_create(
            draft=RecordDraft(
                staff_id=staff_a.pk, date=date(2026, 3, 3), kind="warning", code="PATROL"
            )
        )
    assert time.monotonic() - started < 1
    assert record.pk
    _bounds, outcome = standing_compute(scheme=weekly)
    assert [r.staff_id for r in outcome.results if r.score < 3] == [staff_a.pk]


# ---------------------------------------------------------------- beat schedules


def test_seed_schedules_is_idempotent_and_keeps_hr_s_changes():
    out = StringIO()
    call_command("seed_schedules", stdout=out)
    tasks_by_name = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    assert set(tasks_by_name) == {
        "scoring.settle_weekly",
        "scoring.close_ended",
        "scoring.catch_up",
        "notices.finalize_due",
        "notifications.email_pending",
        "complaints.notify_overdue",
    }
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert set(tasks_by_name) <= set(celery_app.tasks)  # every schedule names a real task
    weekly = tasks_by_name["scoring.settle_weekly"].crontab
    assert (weekly.minute, weekly.hour, weekly.day_of_week) == ("30", "23", "0")
    assert str(weekly.timezone) == "Asia/Shanghai"
    assert out.getvalue().count("created") == 6

    call_command("seed_schedules", "--weekly-at", "21:00", stdout=(out := StringIO()))
    assert out.getvalue().count("kept") == 6
    assert PeriodicTask.objects.get(name="scoring.settle_weekly").crontab == weekly
    assert PeriodicTask.objects.count() == 6

    call_command("seed_schedules", "--weekly-at", "21:05", "--reset", stdout=StringIO())
    moved = PeriodicTask.objects.get(name="scoring.settle_weekly").crontab
    assert (moved.minute, moved.hour, moved.day_of_week) == ("5", "21", "0")


def test_seed_schedules_refuses_a_bad_time():
    with pytest.raises(CommandError, match="HH:MM"):
        call_command("seed_schedules", "--weekly-at", "25:00")
