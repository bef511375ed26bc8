"""Published results are traceable: a snapshot's content hash is re-computed from what is
stored, and any change to the stored results (hashed data or the columns pages read) makes
snapshot_verify fail."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import TextField, Value
from django.utils import timezone

from evaluations.ledger import RecordDraft, record_create
from scoring.engine.periods import period_for_date
from scoring.models import ParticipantResult
from scoring.selectors import snapshot_content_hash, snapshot_verify
from scoring.services import period_close
from tests.factories import StaffFactory
from tests.schemes import import_template

pytestmark = [pytest.mark.trust, pytest.mark.django_db]


def raw_text(text: str) -> Value:
    """Text stored as it is, not through JSONTextField's serialisation."""
    return Value(text, output_field=TextField())


@pytest.fixture
def snapshot(org):
    scheme = import_template("property-weekly-stars")
    week = period_for_date("weekly", timezone.localdate() - timedelta(days=7))
    people = [StaffFactory(unit=org.unit_a_team, position=org.position) for _ in range(4)]
    for n, person in enumerate(people):
        for _ in range(n):
            record_create(
                draft=RecordDraft(
                    staff_id=person.pk,
                    date=week.start,
                    kind="warning",
                    code="PATROL-LATE",
                    value=Decimal(1),
                )
            )
    return period_close(scheme=scheme, key=week.key).snapshot


def test_a_fresh_snapshot_verifies(snapshot):
    assert snapshot.results.count() == 4
    assert snapshot_content_hash(snapshot) == snapshot.content_hash
    assert snapshot_verify(snapshot)


@pytest.mark.parametrize(
    "change",
    [
        {"score": Decimal("99.00")},
        {"rank": 1},
        {"award": "本周服务之星"},
        {"vetoed": True},
        {"eligible": False},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_changed_result_column_is_detected(snapshot, change):
    last = snapshot.results.order_by("-position").first()
    ParticipantResult.objects.filter(pk=last.pk).update(**change)
    assert not snapshot_verify(snapshot)


def test_changed_hashed_data_is_detected(snapshot):
    result = snapshot.results.order_by("position").first()
    result.data["score"] = "100"
    result.save(update_fields=["data"])
    assert not snapshot_verify(snapshot)


def test_a_deleted_or_reordered_row_is_detected(snapshot):
    first, second = snapshot.results.order_by("position")[:2]
    ParticipantResult.objects.filter(pk=first.pk).update(position=99)
    assert not snapshot_verify(snapshot)
    ParticipantResult.objects.filter(pk=first.pk).update(position=first.position)
    assert snapshot_verify(snapshot)
    second.delete()
    assert not snapshot_verify(snapshot)


def test_the_same_results_stored_in_another_json_spelling_still_verify(snapshot):
    """Results whose text was converted from jsonb (spaced, keys in jsonb's order) are the
    same JSON: not a change. A changed value in that spelling still is."""
    for pk, data in snapshot.results.values_list("pk", "data"):
        spaced = json.dumps(dict(reversed(list(data.items()))), ensure_ascii=False, indent=1)
        ParticipantResult.objects.filter(pk=pk).update(data=raw_text(spaced))
    assert snapshot_verify(snapshot)
    first = snapshot.results.order_by("position").first()
    changed = json.dumps({**first.data, "score": "100"}, ensure_ascii=False, indent=1)
    ParticipantResult.objects.filter(pk=first.pk).update(data=raw_text(changed))
    assert not snapshot_verify(snapshot)
