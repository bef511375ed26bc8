"""Reads for inspections and the records pages, always scoped by the reader's roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.roles import Roles
from evaluations.ledger import RATING_CODES
from evaluations.models import Record
from evaluations.selectors import ActiveScheme, active_schemes, schemes_for
from inspections.models import Finding, Inspection
from scoring.engine import types as t
from scoring.engine.common import is_vote_source
from scoring.selectors import participants_q
from staff.models import Staff, Unit, path_in_subtrees, paths_subtree_q
from staff.selectors import staff_search_q

PEOPLE_SEARCH_LIMIT = 8
ENTRY_KINDS = (Record.Kind.WARNING, Record.Kind.DEDUCTION, Record.Kind.BONUS)


# ---------------------------------------------------------------- people and items


def people_search(*, roles: Roles, text: str) -> list[Staff]:
    """Active people the user supervises whose 工号, name or pinyin initials match."""
    text = text.strip()
    if not text:
        return []
    return list(
        Staff.objects.filter(
            roles.supervised_staff_q(), staff_search_q(text), status=Staff.Status.ACTIVE
        )
        .select_related("unit", "position")
        .order_by("employee_no")[:PEOPLE_SEARCH_LIMIT]
    )


def supervised_people(*, roles: Roles) -> QuerySet[Staff]:
    return Staff.objects.filter(roles.supervised_staff_q(), status=Staff.Status.ACTIVE)


@dataclass
class ItemOption:
    code: str
    name: str
    kinds: list[str]  # which of warning / deduction / bonus the item takes, in that order
    points_range: tuple[Decimal, Decimal] | None = None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


@dataclass
class ItemGroup:
    label: str
    options: list[ItemOption] = field(default_factory=list)


@dataclass
class ItemCatalog:
    """What an inspector may record against one person, grouped by scheme and category."""

    groups: list[ItemGroup]

    def option(self, code: str) -> ItemOption | None:
        for group in self.groups:
            for option in group.options:
                if option.code == code:
                    return option
        return None

    def matching(self, text: str) -> ItemCatalog:
        text = text.strip().lower()
        if not text:
            return self
        groups = []
        for group in self.groups:
            options = [o for o in group.options if text in o.label.lower()]
            if options:
                groups.append(ItemGroup(group.label, options))
        return ItemCatalog(groups)

    def choices(self) -> list:
        return [(g.label, [(o.code, o.label) for o in g.options]) for g in self.groups]


def item_catalog(*, person: Staff, schemes: list[ActiveScheme] | None = None) -> ItemCatalog:
    """Items of the schemes the person takes part in: scheme items and categories are
    deductions, a stars conduct component and its items a warning or a deduction, bonus
    items and manual components a commendation. A code two schemes share appears once."""
    own = schemes_for(
        schemes if schemes is not None else active_schemes(),
        position=person.position.name,
        unit_path=person.unit.path,
    )
    seen: dict[str, ItemOption] = {}
    groups: list[ItemGroup] = []

    def group(label: str, entries, kinds, ranges=None) -> None:
        current = ItemGroup(label)
        for entry in entries:
            code = entry["code"]
            if code in seen:
                seen[code].kinds = [k for k in ENTRY_KINDS if k in {*seen[code].kinds, *kinds}]
                continue
            option = ItemOption(code, entry["name"], list(kinds), (ranges or {}).get(code))
            seen[code] = option
            current.options.append(option)
        if current.options:
            groups.append(current)

    deduction, conduct, bonus = (
        [Record.Kind.DEDUCTION],
        [Record.Kind.WARNING, Record.Kind.DEDUCTION],
        [Record.Kind.BONUS],
    )
    for scheme in own:
        config, name = scheme.config, scheme.scheme.name
        for category in config.get("categories", ()):
            if category.get("items"):
                label = f"{name} · {category['name']}"
                group(label, category["items"], deduction, scheme.range_items)
        for component in config.get("components", ()):
            if component["type"] == "conduct":
                entries = [component, *component.get("items", ())]
                group(f"{name} · {component['name']}", entries, conduct)
        group(name, config.get("items", ()), deduction)
        manual = [c for c in config.get("components", ()) if c["type"] == "manual"]
        group(f"{name} · {_('commendations')}", [*config.get("bonus_items", ()), *manual], bonus)
    return ItemCatalog(groups)


# ---------------------------------------------------------------- inspections


def _visible_inspections_q(*, roles: Roles, user) -> Q:
    if roles.sees_everyone:
        return Q()
    return Q(inspector=user) | paths_subtree_q(roles.supervised_unit_paths, field="unit__path")


def inspection_list(*, roles: Roles, user) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(_visible_inspections_q(roles=roles, user=user))
        .select_related("unit", "inspector")
        .annotate(finding_count=Count("findings"))
        .order_by("-date", "-id")
    )


def inspection_detail(*, roles: Roles, user, pk: int) -> Inspection:
    """One inspection the user may see, with its findings and their records; raises
    Inspection.DoesNotExist."""
    findings = Finding.objects.select_related(
        "record", "record__staff", "record__staff__unit", "disputed_by"
    ).order_by("id")
    return (
        Inspection.objects.filter(_visible_inspections_q(roles=roles, user=user))
        .select_related("unit", "inspector", "cosigned_by")
        .prefetch_related(Prefetch("findings", queryset=findings))
        .get(pk=pk)
    )


def may_record(*, roles: Roles, user, inspection: Inspection) -> bool:
    return inspection.is_open and (roles.sees_everyone or inspection.inspector_id == user.pk)


def may_cosign(*, roles: Roles, user, inspection: Inspection) -> bool:
    """The head of the inspected unit or of a unit above it, other than the inspector."""
    path = inspection.unit.path
    return (
        inspection.is_open
        and inspection.inspector_id != user.pk
        and path_in_subtrees(path, roles.headed_unit_paths)
    )


def finding_for_photo(*, roles: Roles, user, pk: int) -> Finding:
    """A finding whose photo the user may see: on a visible inspection, or about a person
    the user supervises, or about the user; raises Finding.DoesNotExist."""
    visible = Inspection.objects.filter(_visible_inspections_q(roles=roles, user=user))
    return (
        Finding.objects.filter(Q(inspection__in=visible) | roles.visible_staff_q("record__staff__"))
        .exclude(photo="")
        .get(pk=pk)
    )


# ---------------------------------------------------------------- records


def record_list(*, roles: Roles) -> QuerySet[Record]:
    """Records of the people the user supervises, ready for the list (no N+1)."""
    return Record.objects.filter(roles.supervised_staff_q("staff__")).select_related(
        "staff", "staff__unit", "inspector", "created_by", "finding"
    )


def record_detail(*, roles: Roles, pk: int) -> Record:
    return (
        Record.objects.filter(roles.supervised_staff_q("staff__"))
        .select_related(
            "staff", "staff__unit", "staff__position", "inspector", "created_by", "finding"
        )
        .get(pk=pk)
    )


def record_history(*, record: Record) -> list[dict]:
    """Every version of the record, oldest first: who, when, why and what changed."""
    rows = list(record.history.select_related("history_user").order_by("history_date", "pk"))
    labels = {f.name: f.verbose_name for f in Record._meta.fields}
    shown = ["date", "kind", "code", "value", "responsibility", "note", "voided", "void_reason"]
    history = []
    previous = None
    for row in rows:
        changes = []
        if previous is not None:
            delta = row.diff_against(previous, included_fields=shown)
            changes = [(labels[c.field], c.old, c.new) for c in delta.changes]
        history.append({"row": row, "changes": changes})
        previous = row
    return history


def may_change_record(*, roles: Roles, user, record: Record) -> bool:
    return not record.voided and (roles.sees_everyone or record.created_by_id == user.pk)


def label_items(records: Iterable[Record]) -> None:
    """Give each record an ``item_name``: its code's name in the active schemes, else the code."""
    records = list(records)
    if not records:
        return
    names: dict[str, str] = {}
    for scheme in active_schemes():
        for code, name in scheme.item_names.items():
            names.setdefault(code, name)
    for record in records:
        record.item_name = names.get(record.code, record.code)


# ---------------------------------------------------------------- grid entry


@dataclass(frozen=True)
class GridExisting:
    records: int
    total: Decimal


@dataclass(frozen=True)
class GridCode:
    kind: str
    code: str
    name: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.code}"


def grid_codes(scheme: ActiveScheme) -> list[GridCode]:
    """What a grid can enter for the scheme: its metrics and sources, and survey ratings."""
    config = scheme.config
    names: dict[str, str] = {}
    for category in config.get("categories", ()):
        for indicator in category.get("indicators", ()):
            names.setdefault(indicator["metric"], indicator["name"])
    for component in config.get("components", ()):
        if component["type"] == "ranked":
            names.setdefault(component["metric"], component["name"])
    for source in config.get("sources", ()):
        names.setdefault(source["code"], source["name"])
    codes = [
        GridCode(Record.Kind.METRIC, code, names.get(code, code))
        for code in sorted(scheme.known_codes.get(t.METRIC, ()))
    ]
    codes += [
        GridCode(Record.Kind.SCORE, source["code"], source["name"])
        for source in config.get("sources", ())
        if not is_vote_source(source)
    ]
    codes += [GridCode(Record.Kind.RATING, code, code) for code in RATING_CODES]
    return codes


def grid_people(*, roles: Roles, unit: Unit, scheme: ActiveScheme, period: t.Period) -> list[Staff]:
    """The unit subtree's participants of the scheme in the period whom the user supervises."""
    return list(
        Staff.objects.filter(
            participants_q(scheme.config, period),
            unit.subtree_q(prefix="unit__"),
            roles.supervised_staff_q(),
        )
        .select_related("unit", "position")
        .order_by("employee_no")
    )


def grid_existing(
    *, people: list[Staff], kind: str, code: str, start: date, end: date
) -> dict[int, GridExisting]:
    """What the ledger already holds for each person, code and period: how many records and
    their total (a count-like record without a value counts 1)."""
    rows = (
        Record.objects.filter(
            staff__in=people, kind=kind, code=code, date__range=(start, end), voided=False
        )
        .values("staff_id")
        .annotate(records=Count("pk"), total=Sum(Coalesce("value", Value(Decimal(1)))))
    )
    return {row["staff_id"]: GridExisting(row["records"], row["total"]) for row in rows}
