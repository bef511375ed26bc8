"""Closing periods through a real Celery worker process and a real Redis (not eager):
beat's task through the broker, two workers racing, a worker killed mid-close, a pool
process killed mid-close, and Redis stopped while a supervisor saves a record."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft, record_create
from evaluations.models import SchemeVersion
from notices.models import Notice
from scoring import tasks
from scoring.closing import periods_due
from scoring.engine.periods import period_for_date
from scoring.models import Period, Snapshot
from scoring.services import period_close, standing_compute
from starservice.celery import app as celery_app
from tests.celery.conftest import wait_for
from tests.schemes import import_template

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stars(org, staff_a, staff_b):
    scheme = import_template("property-weekly-stars")
    # Created three weeks ago, so that ended weeks are due for closing.
    SchemeVersion.objects.filter(scheme=scheme).update(
        created_at=timezone.now() - timedelta(days=21)
    )
    return scheme


def last_week(scheme) -> str:
    return period_for_date(scheme.period, timezone.localdate() - timedelta(days=7)).key


def closing(probe_dir) -> list[str]:
    return sorted(path.name for path in probe_dir.glob("closing-*"))


def test_beat_s_weekly_settlement_closes_periods_through_the_broker(stars, start_worker):
    worker = start_worker("beat")
    call_command("seed_schedules", stdout=StringIO())
    scheduled = PeriodicTask.objects.get(name="scoring.settle_weekly")
    due = periods_due(today=timezone.localdate(), kinds=["weekly"], through_today=True)
    assert (stars.pk, last_week(stars)) in due

    celery_app.send_task(
        scheduled.task, args=json.loads(scheduled.args), kwargs=json.loads(scheduled.kwargs)
    )  # what beat sends
    took = wait_for(
        lambda: Notice.objects.count() == len(due), timeout=30, what="the notices of due weeks"
    )

    closed = Period.objects.filter(status=Period.Status.CLOSED)
    assert sorted(closed.values_list("key", flat=True)) == sorted(key for _id, key in due)
    assert Snapshot.objects.count() == len(due)
    assert periods_due(today=timezone.localdate(), kinds=["weekly"], through_today=True) == []
    reasons = AuditEntry.objects.filter(action="period.closed").values_list("reason", flat=True)
    assert all(reason.startswith("closed by scheduled task ") for reason in reasons)
    assert worker.count("Task scoring.settle_weekly[") == 2  # received, succeeded
    print(f"beat task → {len(due)} period(s) closed in {took:.2f} s")


def test_two_workers_racing_store_one_snapshot_and_one_notice(stars, start_worker, probe_dir):
    # Every close holds the Period lock for 1 s after computing, so the two overlap.
    first = start_worker("first", wait=False, PROBE_SLEEP="1")
    second = start_worker("second", wait=False, PROBE_SLEEP="1")
    first.wait_ready()
    second.wait_ready()
    key = last_week(stars)
    started = time.monotonic()
    for _ in range(2):
        celery_app.send_task("scoring.period_close", args=[stars.pk, key])

    wait_for(
        lambda: first.count("succeeded") + second.count("succeeded") == 2,
        timeout=30,
        what="both close tasks to finish",
    )
    took = time.monotonic() - started
    assert first.count("Task scoring.period_close[") == 2  # each worker received one
    assert second.count("Task scoring.period_close[") == 2
    assert Snapshot.objects.filter(period__key=key).count() == 1
    assert Notice.objects.filter(period__key=key).count() == 1
    assert len(closing(probe_dir)) == 1  # only one close stored a snapshot
    assert took >= 1  # the loser waited on the lock, then found the snapshot in place
    print(f"race: 2 workers, 1 snapshot, 1 notice in {took:.2f} s")


def test_a_worker_killed_mid_close_leaves_nothing_and_the_task_is_redelivered(
    stars, start_worker, probe_dir, broker
):
    doomed = start_worker(
        "doomed", PROBE_SLEEP="60", PROBE_SLEEP_ONCE="1", TEST_VISIBILITY_TIMEOUT="3"
    )
    key = last_week(stars)
    celery_app.send_task("scoring.period_close", args=[stars.pk, key])
    wait_for(lambda: closing(probe_dir), timeout=30, what="the close to hold the lock")

    # Snapshot and notice are written but not committed; a second close has to wait.
    assert not Snapshot.objects.exists()
    assert not Notice.objects.exists()
    with pytest.raises(DatabaseError, match="lock timeout"), transaction.atomic():
        connection.cursor().execute("SET LOCAL lock_timeout = '300ms'")
        period_close(scheme=stars, key=key)

    doomed.kill()
    killed_at = time.monotonic()
    assert not Snapshot.objects.exists()  # the transaction died with the worker

    successor = start_worker("successor", TEST_VISIBILITY_TIMEOUT="3")
    wait_for(lambda: Notice.objects.exists(), timeout=30, what="the redelivered close")
    redelivered = time.monotonic() - killed_at

    assert Snapshot.objects.filter(period__key=key).count() == 1
    assert Notice.objects.filter(period__key=key).count() == 1
    assert Period.objects.get(key=key).status == Period.Status.CLOSED
    assert successor.count("Task scoring.period_close[") == 2
    client = broker.client()
    wait_for(lambda: client.hlen("unacked") == 0, timeout=10, what="the message to be acked")
    assert client.llen("celery") == 0
    print(f"kill: redelivered and completed {redelivered:.2f} s after SIGKILL")


def test_a_pool_process_killed_mid_close_is_rejected_and_run_again(stars, start_worker, probe_dir):
    worker = start_worker("survivor", PROBE_SLEEP="60", PROBE_SLEEP_ONCE="1")
    key = last_week(stars)
    celery_app.send_task("scoring.period_close", args=[stars.pk, key])
    wait_for(lambda: closing(probe_dir), timeout=30, what="the close to hold the lock")
    child = int(closing(probe_dir)[0].removeprefix("closing-"))
    assert child != worker.process.pid

    os.kill(child, signal.SIGKILL)  # reject_on_worker_lost: the message goes back
    killed_at = time.monotonic()
    wait_for(lambda: Notice.objects.exists(), timeout=30, what="the close to run again")
    rerun = time.monotonic() - killed_at

    assert Snapshot.objects.filter(period__key=key).count() == 1
    assert "WorkerLostError" in worker.output()
    assert len(closing(probe_dir)) == 2  # the killed attempt and the rerun
    print(f"pool process killed: the task ran again and completed in {rerun:.2f} s")


def test_redis_down_while_a_supervisor_saves(
    stars, start_worker, broker, client, inspector_a, staff_a, monkeypatch
):
    worker = start_worker("steady")
    monkeypatch.setattr(tasks, "REFRESH_DELAY_SECONDS", 1)

    def save(code: str) -> float:
        started = time.monotonic()
        record_create(
            draft=RecordDraft(
                staff_id=staff_a.pk, date=timezone.localdate(), kind="warning", code=code
            ),
            actor=inspector_a,
        )
        return time.monotonic() - started

    def score_of(outcome) -> Decimal:
        return next(r.score for r in outcome.results if r.staff_id == staff_a.pk)

    def cached_standing():
        with CaptureQueriesContext(connection) as queries:
            _bounds, outcome = standing_compute(scheme=stars)
        return len(queries) == 0, outcome

    # Redis up: two saves inside the debounce window enqueue one refresh, which the worker
    # runs a second later, warming the cache with both warnings (3 − 1.5 red stars).
    save("PATROL-DRESS")
    save("PATROL-LANG")
    wait_for(
        lambda: worker.count("Task scoring.standings_refresh[") == 2,  # received, succeeded
        timeout=30,
        what="the debounced refresh",
    )
    time.sleep(1)
    assert worker.count("Task scoring.standings_refresh[") == 2  # and only that one
    hit, outcome = cached_standing()
    assert (hit, score_of(outcome)) == (True, Decimal("1.5"))

    broker.stop()
    took = save("PATROL-LATE")
    assert took < 1, f"the save took {took:.2f} s with Redis down"
    client.force_login(inspector_a)
    assert client.get("/").status_code == 200
    _bounds, outcome = standing_compute(scheme=stars)  # computed without the cache
    assert score_of(outcome) == 0  # the third warning

    broker.start()
    returned = time.monotonic()
    celery_app.send_task("scoring.catch_up")  # what the daily catch-up sends
    wait_for(
        lambda: worker.count("Task scoring.catch_up[") == 2,
        timeout=60,
        what="the catch-up to refresh the standings",
    )
    refreshed = time.monotonic() - returned
    hit, warmed = cached_standing()
    assert (hit, score_of(warmed)) == (True, 0)  # the worker filled the cache again
    print(f"Redis down: save {took:.2f} s; refreshed {refreshed:.2f} s after Redis returned")
