"""Which schemes are active and who takes part in them."""

from __future__ import annotations

import pytest

from evaluations.selectors import active_schemes, schemes_for
from tests.schemes import import_template

pytestmark = pytest.mark.django_db


def test_who_takes_part_is_read_from_the_shared_parse_without_copying_configs():
    for code in ("property-weekly-stars", "property-monthly-quality", "bank-yearly-points"):
        import_template(code)
    schemes = active_schemes()

    mine = schemes_for(schemes, position="客服员", unit_path="星辰物业/客服部")

    assert {a.scheme.code for a in mine} == {"property-weekly-stars", "property-monthly-quality"}
    assert schemes_for(schemes, position="柜员", unit_path="城市银行/支行1")[0].scheme.code == (
        "bank-yearly-points"
    )
    # No scheme's own copy of its config was made to answer (a deep copy each, per page).
    assert not any("config" in a.__dict__ for a in schemes)
    assert mine[0].config == mine[0].version.shared_config
    assert mine[0].config is not mine[0].version.shared_config
