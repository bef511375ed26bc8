"""Scheme import/export: versions, validation, the import_scheme/export_scheme commands."""

from __future__ import annotations

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from audit.models import AuditEntry
from evaluations.models import Scheme, SchemeVersion
from evaluations.services import SchemeInvalid, scheme_export, scheme_import, scheme_parse
from tests.schemes import TEMPLATE_CODES, template_text

pytestmark = pytest.mark.django_db

SMALL = """\
code: front-desk-monthly
name: 前台月度评分
period: monthly
method: deduction
applies_to: {positions: [客服员]}
categories:
  - code: STD
    name: 标准服务
    max: 100
    items:
      - {code: STD-01, name: 未主动问好, deduct: 1}
"""

BROKEN = """\
code: Front Desk
name: 前台月度评分
period: monthly
method: deduction
applies_to: {positions: [客服员]}
categories:
  - code: STD
    name: 标准服务
    max: 10
    items:
      - {code: STD-01, name: 未主动问好, deduct: -1}
  - code: UP
    name: 提升服务
    max: -5
    items:
      - {code: UP-01, name: 未回访, deduct: 1}
"""
BROKEN_PROBLEMS = [
    "code: may only contain lowercase letters a-z, digits and “-”",
    "categories[0].items[0].deduct: must be positive",
    "categories[1].max: must be positive",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_import_creates_version_one(hr):
    version = scheme_import(yaml_text=SMALL, actor=hr, reason="首次导入")

    scheme = Scheme.objects.get()
    assert (scheme.code, scheme.name, scheme.method, scheme.period) == (
        "front-desk-monthly",
        "前台月度评分",
        "deduction",
        "monthly",
    )
    assert (version.number, version.yaml_text, version.created_by, version.reason) == (
        1,
        SMALL,
        hr,
        "首次导入",
    )
    assert scheme.current_version == version
    assert version.config["categories"][0]["items"][0]["code"] == "STD-01"
    entry = AuditEntry.objects.get(action="scheme.version_created")
    assert (entry.actor, entry.summary, entry.target_id) == (
        hr,
        "front-desk-monthly v1",
        str(scheme.pk),
    )


def test_changed_yaml_creates_version_two_and_makes_it_current():
    first = scheme_import(yaml_text=SMALL)
    changed = SMALL.replace("name: 前台月度评分", "name: 前台服务月度评分").replace(
        "deduct: 1}", "deduct: 2}"
    )

    second = scheme_import(yaml_text=changed)

    scheme = Scheme.objects.get()
    assert (first.number, second.number) == (1, 2)
    assert scheme.current_version == second
    assert scheme.name == "前台服务月度评分"
    assert SchemeVersion.objects.get(pk=first.pk).yaml_text == SMALL  # v1 kept as it was
    assert second.config["categories"][0]["items"][0]["deduct"] == 2
    assert AuditEntry.objects.filter(action="scheme.version_created").count() == 2


def test_reimporting_identical_yaml_keeps_current_version():
    first = scheme_import(yaml_text=SMALL)

    again = scheme_import(yaml_text=SMALL)

    assert again == first
    assert SchemeVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="scheme.version_created").count() == 1


def test_reimporting_an_older_text_creates_a_new_version():
    scheme_import(yaml_text=SMALL)
    scheme_import(yaml_text=SMALL.replace("deduct: 1}", "deduct: 2}"))

    third = scheme_import(yaml_text=SMALL)

    assert third.number == 3
    assert Scheme.objects.get().current_version == third


def test_invalid_yaml_lists_every_problem_and_writes_nothing():
    with pytest.raises(SchemeInvalid) as raised:
        scheme_import(yaml_text=BROKEN)

    assert raised.value.problems == BROKEN_PROBLEMS
    assert str(raised.value) == "\n".join(BROKEN_PROBLEMS)
    assert (Scheme.objects.count(), SchemeVersion.objects.count(), AuditEntry.objects.count()) == (
        0,
        0,
        0,
    )


def test_unreadable_yaml_is_a_scheme_problem():
    with pytest.raises(SchemeInvalid) as raised:
        scheme_parse(yaml_text="code: [unclosed")

    assert raised.value.problems == [
        "YAML syntax error at line 1, column 16: expected ',' or ']', but got '<stream end>'"
    ]


def test_invalid_new_version_leaves_the_current_one():
    first = scheme_import(yaml_text=SMALL)

    with pytest.raises(SchemeInvalid):
        scheme_import(yaml_text=SMALL.replace("deduct: 1}", "deduct: 0}"))

    assert SchemeVersion.objects.count() == 1
    assert Scheme.objects.get().current_version == first


def test_period_of_an_existing_scheme_cannot_change():
    scheme_import(yaml_text=SMALL)

    with pytest.raises(SchemeInvalid) as raised:
        scheme_import(yaml_text=SMALL.replace("period: monthly", "period: quarterly"))

    assert raised.value.problems == [
        "period: cannot change from monthly to quarterly on an existing scheme"
    ]
    assert SchemeVersion.objects.count() == 1


# ---------------------------------------------------------------- commands


def test_import_scheme_command(tmp_path):
    path = tmp_path / "front-desk.yaml"
    path.write_text(SMALL, encoding="utf-8")
    out = StringIO()

    call_command("import_scheme", str(path), stdout=out)
    call_command("import_scheme", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        "front-desk-monthly: version 1",
        "front-desk-monthly: version 1",
    ]
    assert SchemeVersion.objects.get().reason == "import_scheme front-desk.yaml"


def test_import_scheme_command_reports_problems_on_stderr(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_scheme", str(path), stderr=err)

    assert raised.value.returncode == 1
    assert str(raised.value) == "3 problem(s); nothing imported"
    assert err.getvalue().splitlines() == [f"{path}: {problem}" for problem in BROKEN_PROBLEMS]
    assert Scheme.objects.count() == 0


def test_import_scheme_command_unreadable_file(tmp_path):
    missing = tmp_path / "missing.yaml"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9".encode("latin-1"))

    with pytest.raises(CommandError) as raised:
        call_command("import_scheme", str(missing))
    assert str(missing) in str(raised.value)
    with pytest.raises(CommandError) as raised:
        call_command("import_scheme", str(latin))
    assert "utf-8" in str(raised.value)
    assert Scheme.objects.count() == 0


def test_export_scheme_command_prints_the_current_version():
    scheme_import(yaml_text=SMALL)
    changed = SMALL.replace("deduct: 1}", "deduct: 2}")
    scheme_import(yaml_text=changed)
    out = StringIO()

    call_command("export_scheme", "front-desk-monthly", stdout=out)

    assert out.getvalue() == changed


def test_export_scheme_command_unknown_code():
    err = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("export_scheme", "no-such-scheme", stderr=err)

    assert raised.value.returncode == 1
    assert str(raised.value) == "no scheme with code 'no-such-scheme'"


@pytest.mark.parametrize("code", TEMPLATE_CODES)
def test_export_import_round_trip_for_every_template(code, tmp_path):
    original = template_text(code)
    path = tmp_path / f"{code}.yaml"
    path.write_text(original, encoding="utf-8")
    call_command("import_scheme", str(path), stdout=StringIO())
    out = StringIO()

    call_command("export_scheme", code, stdout=out)

    exported = out.getvalue()
    assert yaml.safe_load(exported) == yaml.safe_load(original)
    assert scheme_parse(yaml_text=exported) == scheme_parse(yaml_text=original)
    assert scheme_export(scheme=Scheme.objects.get(code=code)) == exported
    # Importing the export back is the identical text: no new version.
    path.write_text(exported, encoding="utf-8")
    call_command("import_scheme", str(path), stdout=StringIO())
    assert SchemeVersion.objects.filter(scheme__code=code).count() == 1
    # The exported text imported as a new scheme holds the same rules.
    copy = scheme_import(yaml_text=exported.replace(f"code: {code}", f"code: {code}-copy", 1))
    assert copy.scheme.code == f"{code}-copy"
    assert {**copy.config, "code": code} == Scheme.objects.get(code=code).current_version.config


def test_six_templates_ship():
    assert TEMPLATE_CODES == [
        "bank-quarterly-weighted",
        "bank-yearly-points",
        "govhall-half-year-star",
        "property-monthly-quality",
        "property-weekly-stars",
        "tobacco-half-year-quality",
    ]
