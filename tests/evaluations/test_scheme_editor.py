"""The scheme editor: form ↔ dict for every method, validation errors next to their fields,
every shipped template through the editor unchanged, the preview's rank changes, versions and
their diff, archive and delete rules, import and export, and no 500 on random input."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft, record_create
from evaluations.models import Scheme, SchemeVersion
from evaluations.scheme_diff import ADDED, CHANGED, REMOVED, REORDERED, scheme_diff
from evaluations.scheme_forms import describe, editor_tree, rows_spec, scheme_from_post
from evaluations.scheme_schema import load_scheme, normalise, parse_yaml, validate_scheme
from evaluations.selectors import active_schemes
from evaluations.services import (
    SchemeInUse,
    scheme_archive,
    scheme_delete,
    scheme_save_version,
    scheme_unarchive,
)
from scoring.engine.periods import period_for_date
from scoring.services import PeriodError, period_close, period_reopen
from tests.factories import PositionFactory, StaffFactory, UnitFactory
from tests.schemes import TEMPLATE_CODES, import_template, template_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def hr_client(client, hr, settings):
    client.force_login(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages compared in English
    return client


# --- a browser's view of the editor form ------------------------------------------------------


class _EditorForm(HTMLParser):
    """The fields a browser posts from the page's #scheme-editor form (no button pressed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "scheme-editor":
            self.inside = True
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox":
                self.fields.append((name, attrs.get("value") or ""))
            elif "checked" in attrs:
                self.fields.append((name, attrs.get("value") or "on"))
        elif tag == "select" and name:
            self.select = {"name": name, "first": None, "chosen": None}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value") or ""
            self.select["first"] = value if self.select["first"] is None else self.select["first"]
            if "selected" in attrs:
                self.select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            self.fields.append((self.select["name"], chosen or self.select["first"] or ""))
            self.select = None


def form_of(page: str) -> list[tuple[str, str]]:
    parser = _EditorForm()
    parser.feed(page)
    return parser.fields


def query(fields: list[tuple[str, str]], **changes: str) -> QueryDict:
    """A POST as the browser sends it, with some fields retyped."""
    data = QueryDict(mutable=True)
    for name, value in fields:
        data.appendlist(name, changes.get(name, value))
    for name, value in changes.items():
        if name not in data:
            data[name] = value
    return data


def editor_fields(data: dict, locked: frozenset = frozenset()) -> list[tuple[str, str]]:
    from django.template.loader import render_to_string

    tree = editor_tree(data, locked=locked)
    html = render_to_string("schemes/scheme_editor.html", {"tree": tree, "method": "x"})
    return form_of(html)


def through_the_form(data: dict) -> dict:
    parsed, problems = scheme_from_post(query(editor_fields(data)))
    assert problems == []
    return parsed


# --- every key of every method ------------------------------------------------------------

EVERY_KEY = {
    "deduction": """\
code: every-deduction
name: 扣分全量
period: monthly
method: deduction
aggregation: per_inspection_average
applies_to: {positions: [保洁员, 客服员], units: [星辰物业/客服部, 星辰物业/工程部]}
categories:
  - code: STD
    name: 标准服务
    max: 20
    items:
      - {code: STD-01, name: 卷烟陈列不整齐, deduct: 1}
      - {code: STD-03, name: 服务忌语, deduct: {min: 2, max: 5}}
    indicators:
      - {code: UP-02, name: 存销比, metric: stock_ratio, target: 1.2, direction: at_most,
         deduct_per_unit: 2, unit: 0.1, aggregate: last}
    complaints: {deduct_per_valid: 2, levels: {网点: 2, 分行: 5}}
    satisfaction: {target_rate: 90, deduct_per_point: 2.5}
bonus_items: [{code: B-01, name: 表扬信, add: 1}]
grades: [{name: 优秀, min: 90}, {name: 合格, min: 60.5}]
veto:
  - {complaint: valid}
  - {rating: unsatisfied}
  - {incident: [违纪通报, 安全事故]}
  - {metric: attendance_rate, below: 100, aggregate: mean}
  - {deduction: any}
eligibility:
  min_tenure_years: 3
  certificates: [岗位培训结业证]
  no_incident_years: {years: 3, incidents: [安全事故, 黑榜记录]}
award: {title: 服务之星, winners: 5, per_position: 2, per_unit: 1, min_score: 90, min_grade: 优秀}
unit_rollup: {level: 2, threshold: 85, head_deduct_per_point: 1}
""",
    "stars": """\
code: every-stars
name: 星级全量
period: weekly
method: stars
applies_to: {positions: [客服员]}
components:
  - code: PATROL
    name: 日巡场记录
    type: conduct
    full: 3
    warning_loss: [1, 1.5, 3]
    on_deduction: {red: 0, green: 1}
    items: [{code: PATROL-LATE, name: 迟到早退}]
  - {code: EXAM, name: 考试得分, type: ranked, metric: exam_score, aggregate: last}
  - {code: TEAM, name: 团结互助, type: manual, bonus: true}
award: {title: 本周服务之星, winners: 1, tie_break: [more_red]}
promotion: {title: 月度服务明星, wins: 3, within: month, prize: 100}
""",
    "weighted": """\
code: every-weighted
name: 加权全量
period: quarterly
method: weighted
applies_to: {positions: [柜员]}
sources:
  - {code: REVIEW, name: 资格条件评审, weight: 70}
  - {code: VOTES, name: 公开投票, weight: 30, from: votes}
missing: proportional
complaints: {deduct_per_valid: 5, levels: {媒体: 10}}
bonus_items: [{code: B-AWARD, name: 外部评优, add: 2}]
""",
    "points_bank": """\
code: every-points
name: 积分全量
period: yearly
method: points_bank
applies_to: {positions: [柜员]}
base: 12
items:
  - {code: P-LATE, name: 迟到早退, points: 1, fine: 100}
  - {code: P-QUARREL, name: 与客户争吵, points: 3}
bonus_items:
  - {code: P-STAR, name: 月度服务明星, add: 1, reward: 100}
  - {code: P-PRAISE, name: 市级表扬, add: 2}
repeat: {window_days: 30, multiplier: 2}
retraining: {at_or_below: 0}
manager_liability: {management: 1.0, staff: 0.5}
grade_scale: [A+, A, B, C, D]
grade_caps:
  - {points_below: 6, complaints_above: 3, grade: D}
  - {points_at_most: 8, complaints_at_least: 2, grade: B}
""",
}


@pytest.mark.parametrize("method", sorted(EVERY_KEY))
def test_every_key_of_every_method_survives_the_form(method):
    data, errors = load_scheme(EVERY_KEY[method])
    assert errors == []

    assert normalise(through_the_form(data)) == normalise(data)


@pytest.mark.parametrize("code", TEMPLATE_CODES)
def test_template_through_the_editor_page_is_unchanged(code, hr_client):
    scheme = import_template(code)
    page = hr_client.get(reverse("schemes:edit", args=[scheme.pk]))
    assert page.status_code == 200

    data, problems = scheme_from_post(query(form_of(page.content.decode())))

    assert problems == []
    assert normalise(data) == normalise(parse_yaml(template_text(code))[0])


@pytest.mark.parametrize("code", TEMPLATE_CODES)
def test_saving_a_template_unchanged_keeps_it_and_exports_the_original(code, hr_client):
    scheme = import_template(code)
    url = reverse("schemes:edit", args=[scheme.pk])
    fields = form_of(hr_client.get(url).content.decode())

    response = hr_client.post(url, query(fields, action="save", reason="只是看看"))

    assert response.status_code == 302
    assert scheme.versions.count() == 1
    exported = hr_client.get(reverse("schemes:export", args=[scheme.pk]))
    assert exported["Content-Type"].startswith("application/yaml")
    original = parse_yaml(template_text(code))[0]
    assert normalise(yaml.safe_load(exported.content.decode())) == normalise(original)


def test_numbers_are_kept_as_typed_and_rows_in_page_order():
    post = query(
        [
            ("code", "x"),
            ("method", "points_bank"),
            ("base", "１２"),  # typed with a Chinese input method
            ("items[7]", ""),
            ("items[7].code", "B"),
            ("items[7].points", "1.0"),
            ("items[2]", ""),
            ("items[2].code", "A"),
            ("items[2].points", "2"),
            ("items[2].fine", ""),
            ("grade_scale", "A+、A，B, C"),
            ("repeat.window_days", "30"),  # section switched off: not read
            ("manager_liability.__on", "on"),
            ("manager_liability.management", "abc"),
        ]
    )

    data, problems = scheme_from_post(post)

    assert problems == []
    assert data["base"] == 12
    assert data["items"] == [{"code": "B", "points": Decimal("1.0")}, {"code": "A", "points": 2}]
    assert data["grade_scale"] == ["A+", "A", "B", "C"]
    assert "repeat" not in data
    assert data["manager_liability"] == {"management": "abc"}  # kept for its error


def test_variants_read_only_the_chosen_option():
    post = query(
        [
            ("method", "stars"),
            ("components[0]", ""),
            ("components[0].type", "ranked"),
            ("components[0].metric", "exam_score"),
            ("components[0].full", "3"),  # typed while it was a conduct component
            ("components[0].bonus", "true"),
            ("veto[0]", ""),
            ("veto[0].__kind", "metric"),
            ("veto[0].metric", "attendance_rate"),
            ("veto[0].below", "100"),
            ("veto[0].rating", "basic"),
            ("categories[0]", ""),  # not a stars section: ignored
            ("categories[0].code", "X"),
        ]
    )

    data, _problems = scheme_from_post(post)

    assert data["components"] == [{"type": "ranked", "bonus": True, "metric": "exam_score"}]
    assert data["veto"] == [{"metric": "attendance_rate", "below": 100}]
    assert "categories" not in data


def test_a_range_deduction_and_complaint_levels():
    prefix = "categories[0]"
    post = query(
        [
            ("method", "deduction"),
            (prefix, ""),
            (f"{prefix}.items[0]", ""),
            (f"{prefix}.items[0].deduct.__kind", "range"),
            (f"{prefix}.items[0].deduct", "1"),
            (f"{prefix}.items[0].deduct.min", "2"),
            (f"{prefix}.items[0].deduct.max", "5"),
            (f"{prefix}.complaints.__on", "on"),
            (f"{prefix}.complaints.deduct_per_valid", "2"),
            (f"{prefix}.complaints.levels[0]", ""),
            (f"{prefix}.complaints.levels[0].name", "网点"),
            (f"{prefix}.complaints.levels[0].points", "2"),
            (f"{prefix}.complaints.levels[1]", ""),  # an empty row added by mistake
            (f"{prefix}.complaints.levels[2]", ""),
            (f"{prefix}.complaints.levels[2].name", "网点"),
            (f"{prefix}.complaints.levels[2].points", "3"),
        ]
    )

    data, problems = scheme_from_post(post)

    category = data["categories"][0]
    assert category["items"] == [{"deduct": {"min": 2, "max": 5}}]
    assert category["complaints"] == {"deduct_per_valid": 2, "levels": {"网点": 3}}
    assert [(p.path, p.message) for p in problems] == [
        (f"{prefix}.complaints.levels[2].name", "“网点” is listed twice")
    ]


# --- errors: the import's messages, next to their fields -----------------------------------

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
      - {code: STD-02, name: 服务忌语, deduct: {min: 5, max: 2}}
    complaints: {deduct_per_valid: 2, levels: {网点: 0}}
  - {code: UP, name: 提升服务, max: -5}
grades: [{name: 优秀, min: 90}, {name: 合格, min: 95}]
award: {title: 之星, winners: 1, min_grade: 良好}
"""


def test_errors_are_the_imports_and_sit_next_to_their_fields(hr_client):
    data, import_errors = load_scheme(BROKEN)
    assert len(import_errors) >= 6
    fields = editor_fields(data)

    response = hr_client.post(reverse("schemes:create"), query(fields, action="preview"))

    assert response.status_code == 422
    tree = response.context["tree"]
    assert [message for _where, message, _anchor in tree.errors] == [
        e.message for e in import_errors
    ]
    page = response.content.decode()
    expected_places = {
        "f-code": "may only contain lowercase letters",
        "f-categories[0].items[0].deduct": "must be positive",
        "f-categories[0].items[1].deduct.__kind": "must not be greater than max",
        "f-categories[0].complaints.levels[0].points": "must be positive",
        "f-categories[1]": "needs at least one of items",
        "f-categories[1].max": "must be positive",
        "f-grades[1].min": "must be lower than the grade above",
        "f-award.min_grade": "must be one of the grades",
    }
    for anchor, message in expected_places.items():
        assert any(a == anchor and message in m for _w, m, a in tree.errors), anchor
        assert f'href="#{anchor}"' in page
    assert 'id="f-categories[0].items[0].deduct-error">must be positive' in page


def test_error_of_a_whole_list_sits_at_the_list():
    data, _ = parse_yaml(template_text("bank-quarterly-weighted"))
    data["sources"][0]["weight"] = 50
    errors = validate_scheme(data)

    tree = editor_tree(data, errors)

    assert tree.errors == [("Sources › Sources", "weights add up to 110, must be 100", "f-sources")]


def test_the_editors_own_problems_and_an_unknown_path_are_listed():
    tree = editor_tree({"method": "stars"}, load_scheme("- not a mapping")[1])

    assert tree.errors == [
        ("", "the file must hold a scheme: code, name, method… at the top level", "")
    ]


# --- creating, saving, versions -----------------------------------------------------------


def test_new_from_template_copy_and_blank(hr_client):
    existing = import_template("property-weekly-stars")

    from_template = hr_client.get(reverse("schemes:create"), {"template": "property-weekly-stars"})
    copy = hr_client.get(reverse("schemes:create"), {"copy": existing.pk})
    blank = hr_client.get(reverse("schemes:create"), {"method": "points_bank"})
    unknown = hr_client.get(reverse("schemes:create"), {"template": "../settings"})

    assert dict(form_of(from_template.content.decode()))["code"] == "property-weekly-stars-2"
    copied = dict(form_of(copy.content.decode()))
    assert (copied["code"], copied["name"]) == (
        "property-weekly-stars-copy",
        "客服部每周服务之星 (copy)",
    )
    blank_fields = dict(form_of(blank.content.decode()))
    assert (blank_fields["method"], blank_fields["code"]) == ("points_bank", "")
    assert unknown.status_code == 302
    assert hr_client.get(reverse("schemes:new")).status_code == 200


def test_creating_a_scheme_from_a_template(hr_client, hr):
    page = hr_client.get(reverse("schemes:create"), {"template": "bank-yearly-points"})
    fields = form_of(page.content.decode())

    response = hr_client.post(
        reverse("schemes:create"), query(fields, action="save", reason="从模板创建")
    )

    scheme = Scheme.objects.get(code="bank-yearly-points")
    assert response.url == reverse("schemes:detail", args=[scheme.pk])
    version = scheme.current_version
    assert (version.number, version.created_by, version.reason) == (1, hr, "从模板创建")
    assert normalise(version.config) == normalise(
        parse_yaml(template_text("bank-yearly-points"))[0]
    )
    again = hr_client.post(reverse("schemes:create"), query(fields, action="save"))
    assert again.status_code == 422
    assert ("code", "a scheme with this code already exists") in [
        (anchor.removeprefix("f-"), message) for _w, message, anchor in again.context["tree"].errors
    ]


def test_editing_saves_version_two_with_who_and_why(hr_client, hr):
    scheme = import_template("property-monthly-quality")
    url = reverse("schemes:edit", args=[scheme.pk])
    fields = form_of(hr_client.get(url).content.decode())
    changed = {"categories[0].items[0].deduct": "3", "code": "hacked", "action": "save"}

    no_reason = hr_client.post(url, query(fields, **changed))
    saved = hr_client.post(url, query(fields, **changed, reason="加重地面垃圾扣分"))

    assert no_reason.status_code == 422
    assert no_reason.context["reason_form"].errors
    assert saved.status_code == 302
    scheme.refresh_from_db()
    assert scheme.code == "property-monthly-quality"
    version = scheme.current_version
    assert (version.number, version.created_by, version.reason) == (2, hr, "加重地面垃圾扣分")
    assert version.config["categories"][0]["items"][0]["deduct"] == 3
    assert AuditEntry.objects.filter(action="scheme.version_created").count() == 2


def test_the_method_can_change_in_the_editor(hr_client):
    fields = editor_fields(parse_yaml(template_text("property-weekly-stars"))[0])

    response = hr_client.post(
        reverse("schemes:create"), query(fields, method="points_bank", action="refresh")
    )

    assert response.status_code == 200
    refreshed = dict(form_of(response.content.decode()))
    assert refreshed["method"] == "points_bank"
    assert refreshed["applies_to.positions"] == "客服员"
    assert "base" in refreshed and "components[0]" not in refreshed


def test_the_period_of_an_existing_scheme_is_locked(hr_client):
    scheme = import_template("property-monthly-quality")
    url = reverse("schemes:edit", args=[scheme.pk])
    fields = form_of(hr_client.get(url).content.decode())

    response = hr_client.post(url, query(fields, period="weekly", action="save", reason="改周期"))

    assert response.status_code == 422
    assert "cannot change from monthly to weekly" in response.content.decode()
    assert scheme.versions.count() == 1


def test_a_new_row_comes_from_the_server(hr_client):
    url = reverse("schemes:row")

    item = hr_client.get(url, {"method": "deduction", "path": "categories[4].items", "index": 3})
    component = hr_client.get(url, {"method": "stars", "path": "components", "index": 0})
    wrong = hr_client.get(url, {"method": "stars", "path": "categories", "index": 0})

    assert 'name="categories[4].items[3]"' in item.content.decode()
    assert 'name="categories[4].items[3].deduct.__kind"' in item.content.decode()
    assert 'name="components[0].type"' in component.content.decode()
    assert wrong.status_code == 404
    assert rows_spec("deduction", "categories[0].complaints.levels").key == "levels"
    assert rows_spec("deduction", "categories[0].max") is None


# --- preview -------------------------------------------------------------------------------


@pytest.fixture
def monthly(db, org, hr):
    """The monthly deduction scheme with three cleaners and records this month and last; last
    month is closed (C first, A second, B third)."""
    scheme = import_template("property-monthly-quality")
    unit = UnitFactory(name="保洁班", parent=org.company)
    cleaner = PositionFactory(name="保洁员")
    people = {
        name: StaffFactory(employee_no=number, name=name, unit=unit, position=cleaner)
        for number, name in (("C001", "甲"), ("C002", "乙"), ("C003", "丙"))
    }
    today = timezone.localdate()
    last_month = period_for_date("monthly", today.replace(day=1) - timedelta(days=1))
    for day in (last_month.start, today):
        record(people["甲"], day, "CLEAN-01", 1)
        record(people["乙"], day, "ATT-01", 2)
    period_close(scheme=scheme, key=last_month.key, actor=hr)
    return scheme, people, last_month


def record(person, day: date, code: str, count: int):
    draft = RecordDraft(
        staff_id=person.pk, date=day, kind="deduction", code=code, value=Decimal(count)
    )
    return record_create(draft=draft)


def test_preview_shows_rank_changes_in_both_periods(monthly, hr_client):
    scheme, _people, last_month = monthly
    url = reverse("schemes:edit", args=[scheme.pk])
    fields = form_of(hr_client.get(url).content.decode())

    response = hr_client.post(
        url, query(fields, **{"categories[0].items[0].deduct": "4", "action": "preview"})
    )

    assert response.status_code == 200
    current, closed = response.context["preview"]
    assert (current.closed, closed.closed, closed.key) == (False, True, last_month.key)
    for period in (current, closed):
        moves = {row.name: (row.before.rank, row.after.rank, row.moved) for row in period.rows}
        assert moves == {"丙": (1, 1, "same"), "甲": (2, 3, "down"), "乙": (3, 2, "up")}
        assert period.summary == {"up": 1, "down": 1, "new": 0, "gone": 0}
    assert closed.before_version == 1
    page = response.content.decode()
    assert "↑</span>1" in page and "↓</span>1" in page
    assert scheme.versions.count() == 1  # a preview saves nothing


def test_a_closed_period_keeps_the_version_it_was_computed_with(monthly, hr_client):
    scheme, people, last_month = monthly
    config = copy.deepcopy(scheme.current_version.config)
    config["categories"][0]["items"][0]["deduct"] = 4
    scheme_save_version(scheme=scheme, data=config, reason="加重")

    page = hr_client.get(reverse("schemes:period", args=[scheme.pk, last_month.key]))

    assert page.context["snapshot"].scheme_version.number == 1
    scores = {row.staff.name: row.score for row in page.context["rows"]}
    assert scores == {"丙": 100, "甲": 99, "乙": 98}
    detail = hr_client.get(reverse("schemes:detail", args=[scheme.pk])).content.decode()
    assert "scheme version 1" in detail


def test_preview_of_a_new_scheme_has_nothing_to_compare(hr_client, monthly):
    data = parse_yaml(template_text("property-monthly-quality"))[0]
    data["code"] = "another-monthly"

    response = hr_client.post(
        reverse("schemes:create"), query(editor_fields(data), action="preview")
    )

    (current,) = response.context["preview"]
    assert current.before_version is None
    assert {row.moved for row in current.rows} == {"new"}


# --- versions and the diff -------------------------------------------------------------------


def test_diff_reads_per_path():
    old = parse_yaml(template_text("property-monthly-quality"))[0]
    new = parse_yaml(template_text("property-monthly-quality"))[0]
    new["categories"][0]["items"][0]["deduct"] = 2
    new["categories"][0]["items"].append({"code": "CLEAN-03", "name": "玻璃污渍", "deduct": 1})
    del new["categories"][1]
    new["categories"][0], new["categories"][1] = new["categories"][1], new["categories"][0]
    new["applies_to"]["positions"] = ["保洁员", "秩序维护员", "客服员", "绿化工"]
    del new["veto"][1]
    new["award"]["winners"] = 3.0  # equal as data: no change

    changes = {(c.path, c.kind, c.old, c.new) for c in scheme_diff(old, new)}

    assert changes == {
        ("applies_to.positions[2]", REMOVED, "水电工", ""),
        ("applies_to.positions[3]", ADDED, "", "绿化工"),
        ("categories[CLEAN].items[CLEAN-01].deduct", CHANGED, "1", "2"),
        (
            "categories[CLEAN].items[CLEAN-03]",
            ADDED,
            "",
            "{code: CLEAN-03, name: 玻璃污渍, deduct: 1}",
        ),
        (
            "categories[GREEN]",
            REMOVED,
            "{code: GREEN, name: 环境绿化, max: 10, items: [{code: GREEN-01, name: 绿植枯黄未更换, "
            "deduct: 1}]}",
            "",
        ),
        (
            "categories",
            REORDERED,
            ", ".join(["CLEAN", "ATTITUDE"] + CODES_AFTER),
            ", ".join(["ATTITUDE", "CLEAN"] + CODES_AFTER),
        ),
        ("veto[1]", REMOVED, "{metric: attendance_rate, below: 100}", ""),
    }
    assert describe("categories[CLEAN].items[CLEAN-03]", "deduction") == (
        "Category CLEAN › Deduction item CLEAN-03"
    )
    assert describe("veto[1].below", "deduction") == "Veto rule 2 › Below"
    assert describe("award.winners", "stars") == "Award › Winners"


CODES_AFTER = ["REPAIR-TIME", "REPAIR-QUAL", "AIRCON", "ENERGY", "OUTSIDE", "COOP", "DISCIPLINE"]


def test_versions_and_diff_pages(hr_client):
    scheme = import_template("property-weekly-stars")
    config = copy.deepcopy(scheme.current_version.config)
    config["award"]["winners"] = 2
    scheme_save_version(scheme=scheme, data=config, reason="两名")

    versions = hr_client.get(reverse("schemes:versions", args=[scheme.pk]))
    diff = hr_client.get(reverse("schemes:diff", args=[scheme.pk]))
    chosen = hr_client.get(reverse("schemes:diff", args=[scheme.pk]), {"old": 2, "new": 1})
    missing = hr_client.get(reverse("schemes:diff", args=[scheme.pk]), {"old": 9})
    old_file = hr_client.get(reverse("schemes:export", args=[scheme.pk]), {"version": 1})

    assert [v.reason for v in versions.context["versions"]] == ["两名", "test"]
    assert [(c.path, c.old, c.new) for c, _where in diff.context["changes"]] == [
        ("award.winners", "1", "2")
    ]
    assert [(c.old, c.new) for c, _where in chosen.context["changes"]] == [("2", "1")]
    assert missing.status_code == 404
    assert old_file.content.decode() == template_text("property-weekly-stars")
    assert 'filename="property-weekly-stars-v1.yaml"' in old_file["Content-Disposition"]


# --- archive and delete ---------------------------------------------------------------------


def test_an_archived_scheme_runs_no_new_period_but_keeps_its_results(monthly, hr):
    scheme, _people, last_month = monthly

    scheme_archive(scheme=scheme, actor=hr, reason="停用")

    assert scheme.pk not in [active.scheme.pk for active in active_schemes()]
    this_month = period_for_date("monthly", timezone.localdate())
    with pytest.raises(PeriodError, match="archived"):
        period_close(scheme=scheme, key=this_month.key)
    period = scheme.periods.get(key=last_month.key)
    period_reopen(period=period, actor=hr, reason="复核")
    assert period_close(scheme=scheme, key=last_month.key).snapshot.version == 1
    scheme_unarchive(scheme=scheme, actor=hr)
    assert scheme.pk in [active.scheme.pk for active in active_schemes()]
    assert list(
        AuditEntry.objects.filter(action__startswith="scheme.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["scheme.version_created", "scheme.archived", "scheme.unarchived"]


def test_archive_pages(hr_client):
    scheme = import_template("property-weekly-stars")

    hr_client.post(reverse("schemes:archive", args=[scheme.pk]), {"reason": "停用"})
    listing = hr_client.get(reverse("schemes:list"))
    hr_client.post(reverse("schemes:unarchive", args=[scheme.pk]))

    assert [s.code for s in listing.context["archived"]] == ["property-weekly-stars"]
    assert listing.context["active"] == []
    scheme.refresh_from_db()
    assert not scheme.archived


def test_a_scheme_with_results_cannot_be_deleted(monthly, hr_client):
    scheme, *_ = monthly

    detail = hr_client.get(reverse("schemes:detail", args=[scheme.pk]))
    response = hr_client.post(reverse("schemes:delete", args=[scheme.pk]))

    assert detail.context["deletable"] is False
    assert reverse("schemes:delete", args=[scheme.pk]) not in detail.content.decode()
    assert response.status_code == 302
    assert Scheme.objects.filter(pk=scheme.pk).exists()
    with pytest.raises(SchemeInUse):
        scheme_delete(scheme=scheme)


def test_a_scheme_without_periods_can_be_deleted(hr_client):
    scheme = import_template("property-weekly-stars")
    config = copy.deepcopy(scheme.current_version.config)
    config["name"] = "改名"
    scheme_save_version(scheme=scheme, data=config, reason="改名")

    response = hr_client.post(reverse("schemes:delete", args=[scheme.pk]), {"reason": "建错了"})

    assert response.url == reverse("schemes:list")
    assert not Scheme.objects.exists() and not SchemeVersion.objects.exists()
    assert AuditEntry.objects.filter(action="scheme.deleted", reason="建错了").exists()


# --- files ----------------------------------------------------------------------------------


def upload(text: str | bytes, name: str = "scheme.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def test_import_page(hr_client):
    url = reverse("schemes:import")

    good = hr_client.post(url, {"file": upload(template_text("bank-quarterly-weighted"))})
    bad = hr_client.post(url, {"file": upload(BROKEN)})
    binary = hr_client.post(url, {"file": upload(b"\xff\xfe\x00")})

    scheme = Scheme.objects.get()
    assert good.url == reverse("schemes:detail", args=[scheme.pk])
    assert bad.status_code == 422
    assert "categories[0].items[0].deduct: must be positive" in bad.context["problems"]
    assert [str(e) for e in load_scheme(BROKEN)[1]] == bad.context["problems"]
    assert binary.context["problems"] == [
        "The file is not UTF-8 text; save it as UTF-8 and upload it again."
    ]


# --- the list page --------------------------------------------------------------------------


def test_list_page_queries_do_not_grow_with_schemes(hr_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert hr_client.get(reverse("schemes:list")).status_code == 200
        return len(queries)

    import_template("property-weekly-stars")
    one = count()
    for code in ("bank-yearly-points", "govhall-half-year-star", "tobacco-half-year-quality"):
        import_template(code)
    scheme_archive(scheme=Scheme.objects.get(code="bank-yearly-points"))

    assert count() == one


# --- permissions and random input -------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff_a", "inspector_a"])
def test_only_hr_opens_the_editor(persona, request, client):
    scheme = import_template("property-weekly-stars")
    person = request.getfixturevalue(persona)
    client.force_login(getattr(person, "user", person))

    for url in (
        reverse("schemes:list"),
        reverse("schemes:edit", args=[scheme.pk]),
        reverse("schemes:row") + "?method=stars&path=components",
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("schemes:archive", args=[scheme.pk])).status_code == 403


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def names_of(code: str) -> list[str]:
    return sorted({name for name, _value in editor_fields(parse_yaml(template_text(code))[0])})


def junk():
    return st.one_of(
        st.text(max_size=30),
        st.sampled_from(["", "1", "1.5", "-3", "1e400", "NaN", "range", "on", "true", "votes"]),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    )


def test_random_editor_posts_never_fail(hr_client):
    names = names_of("bank-yearly-points") + names_of("tobacco-half-year-quality")
    names += ["method", "period", "veto[0]", "veto[0].__kind", "components[0].type"]
    existing = import_template("property-weekly-stars")
    urls = [reverse("schemes:create"), reverse("schemes:edit", args=[existing.pk])]

    @FUZZ
    @given(
        fields=st.dictionaries(
            st.one_of(st.sampled_from(names), st.text(max_size=20)), junk(), max_size=40
        ),
        method=st.sampled_from(["deduction", "stars", "weighted", "points_bank", "", "x"]),
        action=st.sampled_from(["preview", "save", "refresh", ""]),
        url=st.sampled_from(urls),
    )
    def check(fields, method, action, url):
        data = {**fields, "method": method, "action": action, "reason": "随机"}
        response = hr_client.post(url, data)
        assert response.status_code in (200, 302, 422)

    check()


def test_random_uploads_never_fail(hr_client):
    @FUZZ
    @given(
        body=st.one_of(
            st.binary(max_size=500),
            st.text(max_size=500),
            st.sampled_from(
                [BROKEN, EVERY_KEY["stars"], "a: [", "- 1\n- 2", "code: !!python/none"]
            ),
        )
    )
    def check(body):
        response = hr_client.post(reverse("schemes:import"), {"file": upload(body)})
        assert response.status_code in (302, 422)

    check()


def test_retyped_fields_of_a_live_scheme_never_fail(monthly, hr_client):
    """Near-valid drafts reach validation, the preview on real records, and saving."""
    scheme, *_ = monthly
    url = reverse("schemes:edit", args=[scheme.pk])
    fields = form_of(hr_client.get(url).content.decode())
    names = sorted({name for name, _value in fields})

    @FUZZ
    @given(
        retyped=st.dictionaries(st.sampled_from(names), junk(), max_size=3),
        action=st.sampled_from(["preview", "save"]),
    )
    def check(retyped, action):
        response = hr_client.post(
            url, query(fields, **{"reason": "随机", **retyped, "action": action})
        )
        assert response.status_code in (200, 302, 422)

    check()
