"""scoring.fields.JSONTextField: JSON in and out, kept as compact text with sorted keys."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from scoring.fields import JSONTextField
from scoring.models import ParticipantResult
from scoring.services import period_close
from tests.schemes import import_yaml
from tests.scoring.test_close_period import FRONT_DESK, add


def test_values_are_stored_as_compact_text_with_sorted_keys():
    field = JSONTextField()
    text = field.get_prep_value({"b": [1, "二"], "a": None, "c": {"y": True, "x": 1.5}})
    assert text == '{"a":null,"b":[1,"二"],"c":{"x":1.5,"y":true}}'
    assert field.get_prep_value(None) is None


def test_text_is_read_back_as_data():
    field = JSONTextField()
    assert field.from_db_value('{"a": [1, "二"]}', None, connection) == {"a": [1, "二"]}
    assert field.from_db_value(None, None, connection) is None
    assert field.to_python('{"a": 1}') == {"a": 1}
    assert field.to_python({"a": 1}) == {"a": 1}


def test_text_that_is_no_json_is_a_validation_error():
    with pytest.raises(ValidationError, match="not valid JSON"):
        JSONTextField().to_python('{"a": ')


@pytest.mark.django_db
def test_a_result_row_round_trips_through_the_database(org, staff_a):
    scheme = import_yaml(FRONT_DESK)
    add(staff_a, date(2026, 11, 3), "deduction", "STD-01")
    snapshot = period_close(scheme=scheme, key="2026-11").snapshot
    data = ParticipantResult.objects.get(snapshot=snapshot).data
    assert data["score"] == "99.00"
    assert [e["code"] for e in data["effects"]] == ["STD-01"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data FROM scoring_participantresult WHERE snapshot_id = %s", [snapshot.pk]
        )
        (stored,) = cursor.fetchone()
    assert isinstance(stored, str) and stored.startswith('{"award":null,')
