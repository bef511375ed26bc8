"""Concurrent writers: two people correcting the same record (optimistic locking), and twenty
inspectors saving findings while the period closes (no finding lost, each counted in
exactly one snapshot version or refused with the closed-period message)."""

from __future__ import annotations

import random
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone, translation

from accounts.models import InspectorAssignment
from audit.models import AuditEntry
from evaluations.ledger import (
    RecordDraft,
    RecordInvalid,
    record_create,
    record_update,
    record_version,
    record_void,
)
from evaluations.models import Record
from scoring.engine.periods import period_for_date
from scoring.models import Snapshot
from scoring.selectors import load_inputs
from scoring.services import inputs_fingerprint, period_bounds, period_close
from tests.factories import StaffFactory, UserFactory
from tests.schemes import import_template

pytestmark = pytest.mark.trust


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def warning(person, day: date, note: str = "") -> RecordDraft:
    return RecordDraft(
        staff_id=person.pk,
        date=day,
        kind="warning",
        code="PATROL-LATE",
        value=Decimal(1),
        note=note,
    )


# ---------------------------------------------------------------- optimistic locking


@pytest.fixture
def opened(db, org, staff_a, inspector_a, hr):
    """A record two people have opened: both hold the same version."""
    import_template("property-weekly-stars")
    record = record_create(draft=warning(staff_a, timezone.localdate(), "late"), actor=inspector_a)
    return record, record_version(record)


def test_the_second_of_two_concurrent_corrections_gets_a_conflict(opened, staff_a, inspector_a, hr):
    record, version = opened
    today = timezone.localdate()
    record_update(
        record=record,
        draft=warning(staff_a, today, "late 5 min"),
        actor=hr,
        reason="detail",
        expected_version=version,
    )
    audits = AuditEntry.objects.count()

    with pytest.raises(RecordInvalid) as conflict:
        record_update(
            record=record,
            draft=warning(staff_a, today, "late 20 min"),
            actor=inspector_a,
            reason="mine",
            expected_version=version,
        )

    assert conflict.value.field == "version"
    assert "hr changed this record at" in conflict.value.message
    assert "nothing was saved" in conflict.value.message
    record.refresh_from_db()
    assert record.note == "late 5 min"
    assert AuditEntry.objects.count() == audits
    assert record.history.count() == 2


def test_void_of_a_record_changed_meanwhile_is_refused(opened, staff_a, inspector_a, hr):
    record, version = opened
    record_update(
        record=record,
        draft=warning(staff_a, timezone.localdate(), "x"),
        actor=hr,
        reason="r",
        expected_version=version,
    )

    with pytest.raises(RecordInvalid, match="hr changed this record"):
        record_void(record=record, actor=inspector_a, reason="dup", expected_version=version)

    record.refresh_from_db()
    assert not record.voided


def test_a_voided_record_cannot_be_voided_again_over_it(opened, inspector_a, hr):
    record, version = opened
    record_void(record=record, actor=hr, reason="HR's reason", expected_version=version)

    with pytest.raises(RecordInvalid, match="hr changed this record"):
        record_void(record=record, actor=inspector_a, reason="mine", expected_version=version)

    record.refresh_from_db()
    assert record.void_reason == "HR's reason"


def test_the_current_version_saves_and_moves_the_version_on(opened, staff_a, hr):
    record, version = opened

    record_update(
        record=record,
        draft=warning(staff_a, timezone.localdate(), "y"),
        actor=hr,
        reason="r",
        expected_version=version,
    )

    assert record_version(record) > version


def test_without_a_version_the_old_behaviour_stays(opened, staff_a, hr):
    record, _version = opened
    record_update(
        record=record, draft=warning(staff_a, timezone.localdate(), "a"), actor=hr, reason="r"
    )
    record_update(
        record=record, draft=warning(staff_a, timezone.localdate(), "b"), actor=hr, reason="r"
    )
    record.refresh_from_db()
    assert record.note == "b"


# ---------------------------------------------------------------- inspectors vs closing

INSPECTORS = 20
CLOSE_AFTER = 40  # successful saves before HR's close starts
MAX_ATTEMPTS = 30  # per inspector


def test_twenty_inspectors_saving_while_the_period_closes_lose_nothing(require_postgres, org):
    scheme = import_template("property-weekly-stars")
    last_week = period_for_date("weekly", timezone.localdate() - timedelta(days=7))
    people = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(INSPECTORS)]
    inspectors = []
    for n in range(INSPECTORS):
        user = UserFactory(username=f"floor{n}")
        InspectorAssignment.objects.create(user=user).units.add(org.unit_a)
        inspectors.append(user)

    saved: list[int] = []
    refused: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    enough_saved = threading.Event()
    start = threading.Barrier(INSPECTORS + 1)

    def inspector(n: int) -> None:
        rng = random.Random(n)
        try:
            start.wait()
            for attempt in range(MAX_ATTEMPTS):
                person = people[(n + attempt) % INSPECTORS]
                day = last_week.start + timedelta(days=rng.randrange(7))
                try:
                    with translation.override("en"):
                        record = record_create(
                            draft=warning(person, day, f"{n}/{attempt}"), actor=inspectors[n]
                        )
                except RecordInvalid as exc:
                    with lock:
                        refused.append(exc.message)
                    return  # the period is closed: this inspector stops
                with lock:
                    saved.append(record.pk)
                    if len(saved) >= CLOSE_AFTER:
                        enough_saved.set()
                time.sleep(rng.random() / 100)
        except BaseException as exc:  # noqa: BLE001 — reported below
            failures.append(exc)
        finally:
            connections.close_all()

    outcome = {}

    def hr_closes() -> None:
        try:
            enough_saved.wait(timeout=60)
            outcome["close"] = period_close(scheme=scheme, key=last_week.key, reason="weekly")
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=inspector, args=(n,)) for n in range(INSPECTORS)]
    closer = threading.Thread(target=hr_closes)
    for thread in [*threads, closer]:
        thread.start()
    start.wait()
    for thread in [*threads, closer]:
        thread.join(timeout=120)

    assert failures == []
    assert len(saved) >= CLOSE_AFTER
    assert refused, "the close should have refused some late saves"
    assert all("which is closed" in message for message in refused), refused
    # Every save either landed or was refused: nothing vanished.
    in_week = Record.objects.filter(date__gte=last_week.start, date__lte=last_week.end)
    assert sorted(in_week.values_list("pk", flat=True)) == sorted(saved)
    # The snapshot was computed from exactly the records now in the ledger for that week.
    snapshot = outcome["close"].snapshot
    assert Snapshot.objects.filter(period=snapshot.period).count() == 1
    inputs = load_inputs(version=snapshot.scheme_version, period=period_bounds(snapshot.period))
    assert {r.id for r in inputs.records} == set(saved)
    assert inputs_fingerprint(inputs, version_id=snapshot.scheme_version_id) == (
        snapshot.inputs_fingerprint
    )
    # Closing again changes nothing: no record was waiting to be counted in a later version.
    again = period_close(scheme=scheme, key=last_week.key)
    assert not again.created


# ---------------------------------------------------------------- the pages


def _form_fields(response) -> dict:
    import re

    html = response.content.decode()
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return {"version": version}


def test_two_people_correcting_the_same_record_on_the_pages(opened, client, hr, inspector_a):
    from django.test import Client
    from django.urls import reverse

    record, _version = opened
    url = reverse("inspections:record_correct", kwargs={"pk": record.pk})
    first, second = Client(), Client()
    first.force_login(hr)
    second.force_login(inspector_a)
    opened_by_first = _form_fields(first.get(url))
    opened_by_second = _form_fields(second.get(url))
    base = {
        "date": record.date.isoformat(),
        "kind": record.kind,
        "code": record.code,
        "value": "1",
        "responsibility": record.responsibility,
    }

    saved = first.post(url, {**base, **opened_by_first, "note": "HR's note", "reason": "r1"})
    refused = second.post(url, {**base, **opened_by_second, "note": "mine", "reason": "r2"})

    assert saved.status_code == 302
    assert refused.status_code == 200
    assert "hr 在您打开此记录后" in refused.content.decode()
    record.refresh_from_db()
    assert record.note == "HR's note"


def test_voiding_a_record_changed_meanwhile_on_the_pages(opened, staff_a, hr, inspector_a):
    from django.test import Client
    from django.urls import reverse

    record, version = opened
    url = reverse("inspections:record_void", kwargs={"pk": record.pk})
    voider = Client()
    voider.force_login(inspector_a)
    stale = _form_fields(voider.get(url))
    record_update(
        record=record,
        draft=warning(staff_a, record.date, "changed"),
        actor=hr,
        reason="r",
        expected_version=version,
    )

    refused = voider.post(url, {**stale, "reason": "duplicate"})

    assert refused.status_code == 200
    assert "hr 在您打开此记录后" in refused.content.decode()
    record.refresh_from_db()
    assert not record.voided
