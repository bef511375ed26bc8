"""The editor's preview: a draft scheme computed on live data for the current period and the
last closed one, beside the results the scheme gives today, rank changes counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from evaluations.models import Scheme
from scoring.engine import compute_period
from scoring.engine.periods import period_for_date
from scoring.models import Period
from scoring.selectors import load_inputs_for_config
from scoring.services import period_bounds, standing_compute
from staff.models import Staff

UP, DOWN, SAME, NEW, GONE = "up", "down", "same", "new", "gone"


@dataclass(frozen=True)
class Standing:
    rank: int
    score: Decimal
    award: str


@dataclass(frozen=True)
class PreviewRow:
    employee_no: str
    name: str
    unit_path: str
    before: Standing | None  # the scheme as it is (for a closed period: its stored result)
    after: Standing | None  # the draft

    @property
    def places(self) -> int:
        """Places moved up (negative: down)."""
        if self.before is None or self.after is None:
            return 0
        return self.before.rank - self.after.rank

    @property
    def moved(self) -> str:
        if self.before is None:
            return NEW
        if self.after is None:
            return GONE
        return UP if self.places > 0 else DOWN if self.places < 0 else SAME

    @property
    def steps(self) -> int:
        return abs(self.places)


@dataclass(frozen=True)
class PreviewPeriod:
    key: str
    closed: bool
    before_version: int | None  # scheme version of the "before" column; None: no results yet
    rows: list[PreviewRow]

    def count(self, moved: str) -> int:
        return sum(1 for row in self.rows if row.moved == moved)

    @property
    def summary(self) -> dict[str, int]:
        return {moved: self.count(moved) for moved in (UP, DOWN, NEW, GONE)}


def scheme_preview(
    *, scheme: Scheme | None, config: dict, today: date | None = None
) -> list[PreviewPeriod]:
    """``config`` must be valid (validate_scheme found nothing)."""
    today = today or timezone.localdate()
    scheme_id = scheme.pk if scheme is not None else None
    bounds = period_for_date(config["period"], today)
    draft = compute_period(
        load_inputs_for_config(config=config, scheme_id=scheme_id, period=bounds)
    )
    before: dict[int, Standing] = {}
    before_version = None
    same_kind = scheme is not None and scheme.period == config["period"]
    if same_kind and scheme.current_version_id is not None:
        _bounds, outcome = standing_compute(scheme=scheme, key=bounds.key)
        before = _after(outcome)
        before_version = scheme.current_version.number
    periods = [(bounds.key, False, before_version, before, _after(draft))]

    closed = (
        Period.objects.filter(scheme=scheme, status=Period.Status.CLOSED).order_by("-end").first()
        if same_kind
        else None
    )
    snapshot = (
        closed.snapshots.select_related("scheme_version").order_by("-version").first()
        if closed
        else None
    )
    if snapshot is not None:
        stored = {
            staff_id: Standing(rank, score, award)
            for staff_id, rank, score, award in snapshot.results.values_list(
                "staff_id", "rank", "score", "award"
            )
        }
        inputs = load_inputs_for_config(
            config=config, scheme_id=scheme_id, period=period_bounds(closed)
        )
        periods.append(
            (
                closed.key,
                True,
                snapshot.scheme_version.number,
                stored,
                _after(compute_period(inputs)),
            )
        )
    return _with_people(periods)


def _after(outcome) -> dict[int, Standing]:
    return {r.staff_id: Standing(r.rank, r.score, r.award or "") for r in outcome.results}


def _with_people(periods: list[tuple]) -> list[PreviewPeriod]:
    ids = {staff_id for *_head, before, after in periods for staff_id in (*before, *after)}
    people = {
        pk: (number, name, path)
        for pk, number, name, path in Staff.objects.filter(pk__in=ids).values_list(
            "pk", "employee_no", "name", "unit__path"
        )
    }
    result = []
    for key, closed, version, before, after in periods:
        rows = [
            PreviewRow(*people[staff_id], before.get(staff_id), after.get(staff_id))
            for staff_id in {*before, *after}
        ]
        rows.sort(key=_order)
        result.append(PreviewPeriod(key, closed, version, rows))
    return result


def _order(row: PreviewRow) -> tuple:
    after = row.after.rank if row.after else 10**9
    before = row.before.rank if row.before else 10**9
    return after, before, row.employee_no
