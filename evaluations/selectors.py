"""Reads about schemes: which are active, who takes part, which codes they know."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.db.models import Count, OuterRef, QuerySet, Subquery

from evaluations.models import Scheme, SchemeVersion


@dataclass(frozen=True)
class ActiveScheme:
    """A scheme with its current rules, parsed once."""

    scheme: Scheme
    version: SchemeVersion

    @cached_property
    def config(self) -> dict:
        return self.version.config

    @cached_property
    def known_codes(self) -> dict[str, set[str]]:
        from scoring.engine.common import known_codes

        return known_codes(self.config)

    @cached_property
    def range_items(self):
        from evaluations.scheme_schema import range_items

        return range_items(self.config)

    @cached_property
    def item_names(self) -> dict[str, str]:
        from evaluations.scheme_schema import item_names

        return item_names(self.config)

    def takes_part(self, *, position: str, unit_path: str) -> bool:
        # Asked of every active scheme on each page about a person: read from the shared
        # parse, not this scheme's own copy of its config.
        applies_to = self.version.shared_config.get("applies_to") or {}
        if position not in (applies_to.get("positions") or []):
            return False
        units = applies_to.get("units")
        if not units:
            return True
        return any(unit_path == unit or unit_path.startswith(unit + "/") for unit in units)

    def knows(self, *, kind: str, code: str) -> bool:
        from scoring.engine.types import COMPLAINT, INCIDENT, RATING

        if kind in (RATING, COMPLAINT, INCIDENT):
            return True
        return code in self.known_codes.get(kind, set())


def active_schemes() -> list[ActiveScheme]:
    schemes = Scheme.objects.filter(archived=False, current_version__isnull=False).select_related(
        "current_version"
    )
    return [ActiveScheme(scheme, scheme.current_version) for scheme in schemes]


def schemes_for(
    schemes: list[ActiveScheme], *, position: str, unit_path: str
) -> list[ActiveScheme]:
    return [s for s in schemes if s.takes_part(position=position, unit_path=unit_path)]


# --- the scheme editor's pages ------------------------------------------------------------

TEMPLATE_DIR = Path(__file__).resolve().parent / "scheme_templates"


@dataclass(frozen=True)
class SchemeTemplate:
    """A shipped scheme file (evaluations/scheme_templates/) a new scheme can start from."""

    slug: str  # file name without .yaml
    name: str
    method: str
    period: str
    summary: str  # the file's opening comment
    text: str

    @property
    def method_label(self) -> str:
        return Scheme.Method(self.method).label

    @property
    def period_label(self) -> str:
        return Scheme.PeriodKind(self.period).label


def scheme_templates() -> list[SchemeTemplate]:
    from evaluations.scheme_schema import parse_yaml

    templates = []
    for path in sorted(TEMPLATE_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data, _errors = parse_yaml(text)
        first = text.splitlines()[0] if text else ""
        summary = first.lstrip("# ").strip() if first.startswith("#") else ""
        templates.append(
            SchemeTemplate(path.stem, data["name"], data["method"], data["period"], summary, text)
        )
    return templates


def scheme_template(slug: str) -> SchemeTemplate | None:
    return next((t for t in scheme_templates() if t.slug == slug), None)


def scheme_list() -> QuerySet[Scheme]:
    """Every scheme with its current version and who made it, in one query."""
    return Scheme.objects.select_related("current_version__created_by").order_by("archived", "code")


def scheme_versions(scheme: Scheme) -> QuerySet[SchemeVersion]:
    return (
        scheme.versions.select_related("created_by")
        .annotate(periods=Count("snapshots__period", distinct=True))
        .order_by("-number")
    )


def scheme_periods(scheme: Scheme) -> QuerySet:
    """The scheme's periods, newest first, each with its latest snapshot's numbers."""
    from scoring.models import Period, Snapshot

    latest = Snapshot.objects.filter(period=OuterRef("pk")).order_by("-version")
    return (
        Period.objects.filter(scheme=scheme)
        .annotate(
            snapshot_version=Subquery(latest.values("version")[:1]),
            computed_with=Subquery(latest.values("scheme_version__number")[:1]),
        )
        .order_by("-start")
    )


def period_results(scheme: Scheme, key: str):
    """(period, latest snapshot, its result rows) of one period; the snapshot is None while
    the period has never been closed."""
    from scoring.models import Period

    period = Period.objects.get(scheme=scheme, key=key)
    snapshot = (
        period.snapshots.select_related("scheme_version", "created_by").order_by("-version").first()
    )
    rows = (
        snapshot.results.select_related("staff__unit").order_by("position")
        if snapshot is not None
        else []
    )
    return period, snapshot, rows
