"""Reads behind My standing, the leaderboard and the HR dashboards.

Results come in their stored JSON form (``scoring.services.result_to_json``): from the
latest snapshot of a period when it has one, else live and provisional. That is the rule
``reports.exporters.report_data`` follows, and the leaderboard and dashboards read through
``report_data`` itself, so the pages and the period report workbook always agree.

Every function here runs a fixed number of queries, whatever the number of staff.
"""

from __future__ import annotations

import hashlib
import logging
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from complaints.models import Complaint
from complaints.selectors import complaints_with_deadlines
from evaluations.ledger import TEXT_BY_KIND
from evaluations.models import Record, Scheme
from evaluations.selectors import ActiveScheme, active_schemes, schemes_for
from inspections.models import Finding
from notices.models import Award, Notice
from notices.selectors import window_open as notice_window_open
from reports.exporters import ReportData, _num, report_data
from scoring.engine import compute_period
from scoring.engine import types as t
from scoring.engine.common import grade_for, known_codes
from scoring.engine.numbers import ZERO, round2, to_decimal
from scoring.engine.periods import (
    HALF_YEAR,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    parse_period_key,
    period_for_date,
)
from scoring.models import ParticipantResult, Snapshot
from scoring.selectors import load_records, participants_q
from scoring.services import result_to_json, standing_indexed
from scoring.signals import ledger_epoch
from staff.models import (
    PATH_SEPARATOR,
    Position,
    Staff,
    Unit,
    path_in_subtrees,
    paths_subtree_q,
)

logger = logging.getLogger(__name__)

PERIOD_CHOICES = 12  # the current period and the ones before it, in the period pickers
HISTORY_POINTS = 12
TREND_POINTS = 8
MAX_WHAT_IFS = 4
CANDIDATES_AFTER_LAST_WINNER = 3
# Candidates listed under the leaderboard: early in a period thousands can tie for an award
# (everyone still on full marks), and each tied one is a winner.
CANDIDATES_SHOWN = 30
LAST_WINNERS_KEPT = 16  # provisional standings whose last winner is kept, like scoring.standings
WHAT_IF_CACHE_SECONDS = 3600
FILTER_CHOICES_SECONDS = 60
HYPOTHETICAL_ID = -1  # the what-if record: no ledger row has a negative id
LENIENT_RATIO = Decimal("0.5")  # deduction rate per inspection vs the median
HARSH_RATIO = Decimal("2")
MIN_INSPECTIONS_TO_FLAG = 3
STAR_UNIT = "★"
NOTICES_SHOWN = 5
OVERDUE_SHOWN = 20
PERIOD_ORDER = (WEEKLY, MONTHLY, QUARTERLY, HALF_YEAR, YEARLY)


# ---------------------------------------------------------------- schemes and periods


def period_resolve(active: ActiveScheme, key: str | None, *, today: date) -> t.Period:
    """The period named by ``key`` (the current one when empty); raises PeriodKeyError."""
    if key:
        return parse_period_key(active.scheme.period, key)
    return period_for_date(active.scheme.period, today)


@dataclass(frozen=True)
class PeriodChoice:
    key: str
    start: date
    end: date
    version: int | None  # latest snapshot version; None while provisional
    current: bool


def period_choices(active: ActiveScheme, *, today: date, selected: t.Period) -> list[PeriodChoice]:
    """The current period and the ones before it (newest first), plus ``selected``."""
    periods = [period_for_date(active.scheme.period, today)]
    while len(periods) < PERIOD_CHOICES:
        periods.append(period_for_date(active.scheme.period, periods[-1].start - timedelta(1)))
    if selected.key not in {p.key for p in periods}:
        periods.append(selected)
        periods.sort(key=lambda p: p.start, reverse=True)
    versions = dict(
        Snapshot.objects.filter(
            period__scheme=active.scheme, period__key__in=[p.key for p in periods]
        )
        .values("period__key")
        .annotate(latest=Max("version"))
        .values_list("period__key", "latest")
    )
    return [
        PeriodChoice(p.key, p.start, p.end, versions.get(p.key), current=i == 0)
        for i, p in enumerate(periods)
    ]


# ---------------------------------------------------------------- who may see which results


@dataclass(frozen=True)
class Scope:
    """Whose results a reader may see: everyone (HR), or the unit subtrees they head."""

    paths: tuple[str, ...] | None  # None: everyone

    @classmethod
    def of(cls, roles) -> Scope:
        return cls(None if roles.sees_everyone else tuple(roles.headed_unit_paths))

    def covers(self, path: str) -> bool:
        if self.paths is None:
            return True
        return path_in_subtrees(path, self.paths)

    @property
    def key(self) -> str:
        """A short cache key part naming the scope."""
        if self.paths is None:
            return "all"
        return hashlib.sha256("\n".join(sorted(self.paths)).encode()).hexdigest()[:16]

    def staff_q(self, prefix: str = "") -> Q:
        """Q over Staff (or a relation to it via ``prefix``) for the people in scope."""
        if self.paths is None:
            return Q()
        return paths_subtree_q(self.paths, field=f"{prefix}unit__path")

    def units(self):
        units = Unit.objects.all()
        if self.paths is None:
            return units
        return units.filter(paths_subtree_q(self.paths))


@dataclass(frozen=True)
class Person:
    pk: int
    number: str
    name: str
    unit_path: str
    position: str


def people_by_id(ids) -> dict[int, Person]:
    rows = Staff.objects.filter(pk__in=list(ids)).values_list(
        "pk", "employee_no", "name", "unit__path", "position__name"
    )
    return {row[0]: Person(*row) for row in rows}


# ---------------------------------------------------------------- results in their JSON form


@dataclass(frozen=True)
class Part:
    """One line of a result's breakdown: a category, component, source or balance figure."""

    label: str
    value: object
    maximum: Decimal | None = None


@dataclass
class Standing:
    """One person's result in one scheme and period."""

    active: ActiveScheme
    config: dict  # the rules the result was computed with
    period: t.Period
    version: int | None  # snapshot version; None while provisional
    result: dict
    participants: int
    what_ifs: list[WhatIf] = field(default_factory=list)

    @property
    def scheme(self) -> Scheme:
        return self.active.scheme

    @property
    def method(self) -> str:
        return self.config["method"]

    @property
    def provisional(self) -> bool:
        return self.version is None

    @property
    def score(self) -> Decimal:
        return Decimal(self.result["score"])

    @property
    def parts(self) -> dict:
        return self.result["parts"]

    @property
    def veto_rules(self) -> list[str]:
        return [hit["rule"] for hit in self.result["veto"]]

    @property
    def breakdown(self) -> list[Part]:
        return result_breakdown(self.config, self.parts)


def result_breakdown(config: dict, parts: dict) -> list[Part]:
    """The method's parts, labelled with the scheme's names, for display."""
    method = config["method"]
    if method == "stars":
        components = parts.get("components", {})
        return [Part(c["name"], _num(components.get(c["code"]))) for c in config["components"]]
    if method == "deduction":  # only the categories that lost points: ten full ones say little
        categories = parts.get("categories", {})
        lines = [
            Part(c["name"], _num(categories.get(c["code"])), to_decimal(c["max"]))
            for c in config["categories"]
            if _num(categories.get(c["code"])) != to_decimal(c["max"])
        ]
        if _num(parts.get("bonus")):
            lines.append(Part(_("bonus"), _num(parts.get("bonus"))))
        return lines
    if method == "weighted":
        sources = parts.get("sources", {})
        lines = [Part(s["name"], _num(sources.get(s["code"]))) for s in config["sources"]]
        if _num(parts.get("complaints")):
            lines.append(Part(_("complaint deductions"), -_num(parts.get("complaints"))))
        if _num(parts.get("bonus")):
            lines.append(Part(_("bonus"), _num(parts.get("bonus"))))
        return lines
    lines = [
        Part(_("fines"), _num(parts.get("fines"))),
        Part(_("rewards"), _num(parts.get("rewards"))),
    ]
    if parts.get("grade_cap"):
        lines.append(Part(_("highest grade allowed"), parts["grade_cap"]))
    return lines


def score_unit(config: dict) -> str:
    return STAR_UNIT if config["method"] == "stars" else _("pts")


def _participant(person: Staff) -> t.Participant:
    return t.Participant(
        person.pk,
        person.employee_no,
        person.name,
        person.unit.path,
        person.position.name,
        person.hire_date,
    )


def _snapshot_lines(person: Staff, snapshot_ids: list[int]) -> tuple[dict, dict]:
    """The person's stored result in each snapshot, and each snapshot's participant count.
    Current periods are mostly open: no snapshot, no query to build."""
    if not snapshot_ids:
        return {}, {}
    results = ParticipantResult.objects.filter(snapshot__in=snapshot_ids)
    mine = dict(results.filter(staff=person).values_list("snapshot_id", "data"))
    counts = dict(
        results.values("snapshot_id").annotate(n=Count("pk")).values_list("snapshot_id", "n")
    )
    return mine, counts


def _weekly_first(active: ActiveScheme) -> tuple:
    return PERIOD_ORDER.index(active.scheme.period), active.scheme.code


def standings_for(
    person: Staff,
    schemes: list[ActiveScheme],
    periods: dict[int, t.Period],
    *,
    with_what_ifs: bool = True,
) -> list[Standing]:
    """``person``'s result in each scheme's period (``periods`` by scheme id). A scheme
    where the person is no participant of that period is left out. Queries: three for all
    the snapshots, plus each provisional standing (cached until the ledger changes)."""
    pairs = Q(pk__in=[])
    for active in schemes:
        pairs |= Q(period__scheme=active.scheme, period__key=periods[active.scheme.pk].key)
    latest: dict[int, Snapshot] = {}
    for snapshot in (
        Snapshot.objects.filter(pairs)
        .select_related("period", "scheme_version")
        .order_by("version")
    ):
        latest[snapshot.period.scheme_id] = snapshot  # later versions overwrite earlier ones
    mine, counts = _snapshot_lines(person, [s.pk for s in latest.values()])
    standings = []
    for active in sorted(schemes, key=_weekly_first):
        period = periods[active.scheme.pk]
        snapshot = latest.get(active.scheme.pk)
        if snapshot is not None:
            if snapshot.pk not in mine:
                continue
            config = snapshot.scheme_version.config
            standings.append(
                Standing(
                    active,
                    config,
                    period,
                    snapshot.version,
                    mine[snapshot.pk],
                    counts.get(snapshot.pk, 0),
                )
            )
            continue
        _bounds, outcome, index = standing_indexed(scheme=active.scheme, key=period.key)
        found = index.by_staff.get(person.pk)
        if found is None:
            continue
        standing = Standing(
            active, active.config, period, None, result_to_json(found), len(outcome.results)
        )
        if with_what_ifs:
            standing.what_ifs = what_ifs_cached(person, standing, _others_above(index, found))
        standings.append(standing)
    return standings


# ---------------------------------------------------------------- what would change it


@dataclass(frozen=True)
class WhatIf:
    """The engine's answer to "what if one more of these were recorded this period"."""

    label: str
    delta: Decimal
    unit: str
    rank_before: int
    rank_after: int
    grade_after: str | None = None
    vetoes: tuple[str, ...] = ()
    retraining: bool = False
    grade_cap_after: str | None = None

    @property
    def improves(self) -> bool:
        return self.delta > 0

    @property
    def consequences(self) -> list[str]:
        found = []
        if self.rank_after != self.rank_before:
            found.append(
                _("rank %(before)s → %(after)s")
                % {"before": self.rank_before, "after": self.rank_after}
            )
        if self.grade_after:
            found.append(_("grade %(grade)s") % {"grade": self.grade_after})
        found += [_("one-vote veto (%(rule)s)") % {"rule": rule} for rule in self.vetoes]
        if self.retraining:
            found.append(_("triggers retraining (下岗培训)"))
        if self.grade_cap_after:
            found.append(_("highest grade allowed %(grade)s") % {"grade": self.grade_cap_after})
        return found


def _others_above(index, mine) -> Callable[[Decimal], int]:
    """How many participants other than the one with result ``mine`` score more than a
    score: by bisection over the index's sorted scores, less oneself."""

    def above(score: Decimal) -> int:
        return index.above(score) - (1 if mine.score > score else 0)

    return above


def what_ifs_cached(
    person: Staff, standing: Standing, above: Callable[[Decimal], int]
) -> list[WhatIf]:
    """What-ifs for a provisional standing, cached like the standing (until the ledger or
    the scheme changes)."""
    key = None
    try:
        key = (
            f"standing-whatif:{standing.active.version.pk}:{standing.period.key}:"
            f"{ledger_epoch()}:{person.pk}:{translation.get_language()}"
        )
        cached = cache.get(key)
    except RedisError as exc:
        logger.warning("standings cache unavailable (%s); what-ifs computed without it", exc)
        cached = None
    if cached is not None:
        return cached
    found = what_ifs(person, standing, above)
    if key is not None:
        try:
            cache.set(key, found, timeout=WHAT_IF_CACHE_SECONDS)
        except RedisError as exc:
            logger.warning("standings cache unavailable (%s); what-ifs not cached", exc)
    return found


def what_ifs(person: Staff, standing: Standing, above: Callable[[Decimal], int]) -> list[WhatIf]:
    """Re-run the engine on the person's own inputs with one hypothetical record more and
    report the change: score, rank among the others (whose scores such a record does not
    move; ``above`` counts those scoring more than a score), grade, veto, retraining and
    grade cap. One query (the person's records)."""
    config = standing.config
    period = standing.period
    participant = _participant(person)
    records = load_records(config, period, Q(pk=person.pk))
    base_inputs = t.Inputs(
        scheme=config, period=period, participants=(participant,), records=records
    )
    base = compute_period(base_inputs).results[0]
    score = standing.score
    rank_before = 1 + above(score)
    day = min(max(timezone.localdate(), period.start), period.end)
    found = []
    for label, kind, code, value in hypotheticals(config, records, period, standing.active):
        extra = t.Record(HYPOTHETICAL_ID, person.pk, day, kind, code, value)
        outcome = compute_period(replace(base_inputs, records=(*records, extra)))
        after = outcome.results[0]
        delta = round2(after.raw_score - base.raw_score)
        new_score = score + delta
        vetoes = tuple(
            hit.rule for hit in after.veto if hit.rule not in {h.rule for h in base.veto}
        )
        retraining = bool(after.parts.get("retraining_date")) and not base.parts.get(
            "retraining_date"
        )
        cap = after.parts.get("grade_cap")
        cap_after = cap if cap != base.parts.get("grade_cap") else None
        if not (delta or vetoes or retraining or cap_after):
            continue
        new_grade = grade_for(new_score, config.get("grades", ()))
        found.append(
            WhatIf(
                label=label,
                delta=delta,
                unit=score_unit(config),
                rank_before=rank_before,
                rank_after=1 + above(new_score),
                grade_after=new_grade if new_grade != standing.result.get("grade") else None,
                vetoes=vetoes,
                retraining=retraining,
                grade_cap_after=cap_after,
            )
        )
        if len(found) == MAX_WHAT_IFS:
            break
    return found


def hypotheticals(config: dict, records, period: t.Period, active: ActiveScheme):
    """(label, kind, code, value) of the records worth asking about: a warning and a
    deduction on a conduct component, one more of the person's commonest deduction item
    (else the scheme's first), a valid complaint, and the first bonus."""
    names = active.item_names
    method = config["method"]
    if method == "stars":
        conduct = [c for c in config["components"] if c["type"] == "conduct"]
        for component in conduct[:1]:
            yield (
                _("one more warning (%(item)s)") % {"item": component["name"]},
                t.WARNING,
                component["code"],
                None,
            )
            yield (
                _("a deduction (%(item)s)") % {"item": component["name"]},
                t.DEDUCTION,
                component["code"],
                None,
            )
    else:
        code, value = _commonest_item(config, records, period)
        if code:
            yield (
                _("one more «%(item)s»") % {"item": names.get(code, code)},
                t.DEDUCTION,
                code,
                value,
            )
    yield _("a valid complaint"), t.COMPLAINT, t.COMPLAINT_VALID, None
    bonus = _first_bonus(config)
    if bonus:
        yield _("a «%(item)s»") % {"item": names.get(bonus, bonus)}, t.BONUS, bonus, None


def _fixed_items(config: dict) -> dict[str, Decimal | None]:
    """Deduction item codes → the points a record needs (None: a count item)."""
    items: dict[str, Decimal | None] = {}
    for category in config.get("categories", ()):
        for item in category.get("items", ()):
            deduct = item["deduct"]
            items[item["code"]] = to_decimal(deduct["min"]) if isinstance(deduct, dict) else None
    for item in config.get("items", ()):
        items[item["code"]] = None
    return items


def _commonest_item(config: dict, records, period: t.Period) -> tuple[str | None, Decimal | None]:
    items = _fixed_items(config)
    if not items:
        return None, None
    look_back = period.start - timedelta(days=_look_back_days(config))
    seen = Counter(
        r.code
        for r in records
        if r.kind == t.DEDUCTION and r.code in items and look_back <= r.date <= period.end
    )
    code = seen.most_common(1)[0][0] if seen else next(iter(items))
    return code, items[code]


def _look_back_days(config: dict) -> int:
    return int((config.get("repeat") or {}).get("window_days", 0))


def _first_bonus(config: dict) -> str | None:
    for item in config.get("bonus_items", ()):
        return item["code"]
    for component in config.get("components", ()):
        if component["type"] == "manual":
            return component["code"]
    return None


# ---------------------------------------------------------------- records behind a result


@dataclass(frozen=True)
class Line:
    """One line of a result's explanation with the record behind it, when there is one."""

    record_id: int | None  # set only for the reader's own records
    date: date | None
    photo: bool
    kind: str
    code: str
    label: str
    value: Decimal | None
    points: Decimal
    inspector: str
    note: str
    derived: bool


def standing_lines(standing: Standing, staff_id: int) -> list[Line]:
    """Every effect of the result, with the record's date, inspector and note (computed
    lines that change nothing left out). Derived lines (manager liability) name the
    offender's record only through the engine's note."""
    effects = standing.result["effects"]
    ids = [e["record_id"] for e in effects if e["record_id"]]
    rows = {
        row[0]: row[1:]
        for row in Record.objects.filter(pk__in=ids, staff_id=staff_id).values_list(
            "pk", "date", "inspector_name", "inspector__name", "note", "finding__photo"
        )
    }
    lines = []
    for effect in effects:
        if not effect["record_id"] and not Decimal(effect["points"]):
            continue  # a computed line that changes nothing ("no value this week")
        row = rows.get(effect["record_id"]) if effect["record_id"] else None
        day, inspector_name, inspector, note, photo = row if row else (None, "", None, "", "")
        lines.append(
            Line(
                record_id=effect["record_id"] if row else None,
                date=day,
                photo=bool(photo),
                kind=TEXT_BY_KIND.get(effect["kind"], effect["kind"]),
                code=effect["code"],
                label=effect["label"],
                value=_num(effect.get("value")),
                points=Decimal(effect["points"]),
                inspector=inspector_name or inspector or "",
                note="；".join(text for text in (effect.get("note") or "", note) if text),
                derived=bool(effect.get("derived_from")),
            )
        )
    lines.sort(key=lambda line: (line.date is None, line.date or date.min))
    return lines


def own_record(staff_id: int, pk: int) -> Record:
    """One of the person's own records; raises Record.DoesNotExist for anyone else's."""
    return Record.objects.select_related("inspector", "created_by", "finding").get(
        pk=pk, staff_id=staff_id
    )


def own_finding_photo(staff_id: int, pk: int) -> Finding:
    """The inspection finding (with a photo) behind one of the person's own records; raises
    Finding.DoesNotExist otherwise."""
    return Finding.objects.exclude(photo="").get(record_id=pk, record__staff_id=staff_id)


@dataclass(frozen=True)
class RecordEffect:
    standing: Standing
    points: Decimal
    label: str
    note: str


def record_effects(
    record: Record, person: Staff, schemes: list[ActiveScheme]
) -> list[RecordEffect]:
    """The record's effect in each scheme the person takes part in that counts it."""
    counting = [s for s in schemes if s.knows(kind=record.kind, code=record.code)]
    periods = {s.scheme.pk: period_for_date(s.scheme.period, record.date) for s in counting}
    effects = []
    for standing in standings_for(person, counting, periods, with_what_ifs=False):
        for effect in standing.result["effects"]:
            if effect["record_id"] == record.pk:
                effects.append(
                    RecordEffect(
                        standing, Decimal(effect["points"]), effect["label"], effect["note"]
                    )
                )
    return effects


def record_changes(record: Record) -> list:
    """The record's history rows, oldest first: when, what kind of change, and why."""
    return list(
        record.history.order_by("history_date").values(
            "history_date", "history_type", "history_change_reason"
        )
    )


# ---------------------------------------------------------------- history and badges


@dataclass(frozen=True)
class HistoryPoint:
    key: str
    start: date
    score: Decimal
    rank: int
    participants: int
    grade: str
    award: str
    provisional: bool


def history_for(
    staff_id: int, active: ActiveScheme, current: Standing | None
) -> list[HistoryPoint]:
    """The person's result in the scheme's closed periods (latest snapshot of each), plus the
    current provisional one; oldest first, the last HISTORY_POINTS."""
    rows = (
        ParticipantResult.objects.filter(staff_id=staff_id, snapshot__period__scheme=active.scheme)
        .order_by("snapshot__period__start", "snapshot__version")
        .values_list(
            "snapshot_id",
            "snapshot__period__key",
            "snapshot__period__start",
            "score",
            "rank",
            "grade",
            "award",
        )
    )
    latest: dict[str, tuple] = {}
    for row in rows:
        latest[row[1]] = row  # later versions overwrite earlier ones
    chosen = sorted(latest.values(), key=lambda row: row[2])[-HISTORY_POINTS:]
    counts = dict(
        ParticipantResult.objects.filter(snapshot_id__in=[row[0] for row in chosen])
        .values("snapshot_id")
        .annotate(n=Count("pk"))
        .values_list("snapshot_id", "n")
    )
    points = [
        HistoryPoint(key, start, score, rank, counts.get(sid, 0), grade, award, False)
        for sid, key, start, score, rank, grade, award in chosen
    ]
    if current is not None and current.provisional and current.period.key not in latest:
        points.append(
            HistoryPoint(
                current.period.key,
                current.period.start,
                current.score,
                current.result["rank"],
                current.participants,
                current.result.get("grade") or "",
                current.result.get("award") or "",
                True,
            )
        )
        points = points[-HISTORY_POINTS:]
    return points


@dataclass(frozen=True)
class Badge:
    title: str
    count: int
    promotion: bool


def badges_for(staff_id: int) -> list[Badge]:
    """Awards and promotions issued once their notice became final (revoked ones left out)."""
    rows = (
        Award.objects.filter(staff_id=staff_id, revoked_at__isnull=True)
        .values("kind", "title")
        .annotate(n=Count("pk"))
        .order_by("kind", "title")
        .values_list("kind", "title", "n")
    )
    return [Badge(title, n, kind == Award.Kind.PROMOTION) for kind, title, n in rows]


@dataclass(frozen=True)
class NoticeItem:
    notice: Notice
    row: dict | None  # the person's published line, when they are in it
    window_open: bool


def notices_for(person: Staff, schemes: list[ActiveScheme], *, today: date) -> list[NoticeItem]:
    """Published and final notices of the person's schemes, newest first, each with the
    person's line. A notice's content holds every participant's line (megabytes at city
    scale): only its heading is read, and the line comes from the notice's snapshot, which
    the notice was drafted from (the notice page checks that both are untouched)."""
    notices = list(
        Notice.objects.headings_only()
        .filter(
            status__in=[Notice.Status.PUBLISHED, Notice.Status.FINAL],
            period__scheme__in=[active.scheme.pk for active in schemes],
        )
        .select_related("period__scheme")
        .order_by("-published_at", "-pk")[:NOTICES_SHOWN]
    )
    if not notices:
        return []
    lines = {
        snapshot_id: {"rank": rank, "score": str(score), "award": award}
        for snapshot_id, rank, score, award in ParticipantResult.objects.filter(
            snapshot_id__in=[notice.snapshot_id for notice in notices], staff=person
        ).values_list("snapshot_id", "rank", "score", "award")
    }
    return [
        NoticeItem(notice, lines.get(notice.snapshot_id), notice_window_open(notice, today))
        for notice in notices
    ]


# ---------------------------------------------------------------- leaderboard


@dataclass
class BoardRow:
    result: dict
    person: Person
    note: str = ""  # why an award candidate was skipped

    @property
    def score(self) -> Decimal:
        return Decimal(self.result["score"])

    @property
    def rank(self) -> int:
        return self.result["rank"]

    @property
    def red(self) -> Decimal | None:
        return _num(self.result["parts"].get("red"))

    @property
    def green(self) -> Decimal | None:
        return _num(self.result["parts"].get("green"))

    @property
    def veto_rules(self) -> list[str]:
        return [hit["rule"] for hit in self.result["veto"]]

    @property
    def cells(self) -> dict:
        """What a leaderboard row shows, in a dict: a template looks each name up in a dict
        first, and on an object that lookup fails (an exception) before the attribute is
        read; a page of 50 rows made about a thousand such lookups."""
        result, person = self.result, self.person
        parts = result["parts"]
        return {
            "number": person.number,
            "name": person.name,
            "unit": person.unit_path,
            "position": person.position,
            "rank": result["rank"],
            "score": result["score"],
            "red": parts.get("red"),
            "green": parts.get("green"),
            "grade": result.get("grade") or "",
            "award": result.get("award") or "",
            "promotion": (result.get("promotion") or {}).get("title", ""),
            "veto": bool(result["veto"]),
            "ineligible": bool(result["ineligible"]),
            "flags": result["flags"],
        }


@dataclass
class Board:
    """One page of the leaderboard: only the page's rows (and the award's candidates) are
    built; the counts, filters and pagination cover every row the reader may see."""

    data: ReportData
    page: Page  # of BoardRow
    shown: int  # rows left by the scope and the filters, on every page
    candidates: list[BoardRow]  # the award's winners and the skipped around them, in scope
    more_candidates: int  # in scope but past CANDIDATES_SHOWN
    participants: int  # everyone in the period, in and out of scope
    units: list[tuple[int, str]]
    positions: list[tuple[int, str]]

    @property
    def rows(self) -> list[BoardRow]:
        return self.page.object_list

    @property
    def provisional(self) -> bool:
        return self.data.version is None

    @property
    def award(self) -> dict | None:
        return self.data.config.get("award")


def leaderboard(
    *,
    active: ActiveScheme,
    period: t.Period,
    scope: Scope,
    per_page: int,
    page: str | int | None = None,
    unit_id: int | None = None,
    position_id: int | None = None,
) -> Board:
    """Page ``page`` of the results the reader may see, kept by the unit (subtree) and
    position filters. Reads people only for the page and the award's candidates, so the
    work per request follows the page size, not the number of participants."""
    data = report_data(scheme=active.scheme, key=period.key)
    units = _filter_choices(
        f"units:{scope.key}", lambda: list(scope.units().values_list("pk", "path"))
    )
    unit_path = dict(units).get(unit_id)  # a unit outside the reader's scope filters nothing
    in_scope = _staff_kept(scope, None, None)
    filtered = unit_path is not None or position_id is not None
    results = _kept(
        data.results, _staff_kept(scope, unit_path, position_id) if filtered else in_scope
    )
    paginator = Paginator(results, per_page)
    found = paginator.get_page(page)
    contenders = _candidate_results(data)
    seen = _kept(contenders, in_scope)
    shown = seen[:CANDIDATES_SHOWN]
    winners = [r for r in contenders if r.get("award")]
    quotas = _award_has_quotas(data.config.get("award") or {})
    people = people_by_id(
        r["staff_id"] for r in (*found.object_list, *shown, *(winners if quotas else ()))
    )
    rows = [BoardRow(result, people[result["staff_id"]]) for result in found.object_list]
    notes = award_notes(data, shown, winners, people)
    return Board(
        data,
        Page(rows, found.number, paginator),
        len(results),
        [BoardRow(r, people[r["staff_id"]], notes[r["staff_id"]]) for r in shown],
        len(seen) - len(shown),
        len(data.results),
        units,
        _filter_choices(
            # The rules (current version, or the snapshot's) decide who participates.
            f"positions:{data.scheme.current_version_id}:{period.key}:{data.version}:{scope.key}",
            lambda: _positions(data.config, period, scope),
        ),
    )


def full_board(
    *, active: ActiveScheme, period: t.Period, scope: Scope
) -> tuple[ReportData, list[BoardRow]]:
    """The period's data and every row the reader may see, for the pages that aggregate
    them all (dashboard, inspectors); reads every participant's person."""
    data = report_data(scheme=active.scheme, key=period.key)
    people = people_by_id(row["staff_id"] for row in data.results)
    rows = [
        BoardRow(result, people[result["staff_id"]])
        for result in data.results
        if scope.covers(people[result["staff_id"]].unit_path)
    ]
    return data, rows


def _filter_choices(key: str, compute: Callable[[], list]) -> list:
    """The unit or position filter's choices, kept in the shared cache for
    FILTER_CHOICES_SECONDS: reading hundreds of units, or which positions have participants
    in scope, was a fifth of the page's time, and a new unit or position may well take a
    minute to appear in a dropdown."""
    key = f"leaderboard-choices:{key}"
    try:
        found = cache.get(key)
    except RedisError as exc:
        logger.warning("cache unavailable (%s); filter choices read without it", exc)
        return compute()
    if found is None:
        found = compute()
        try:
            cache.set(key, found, timeout=FILTER_CHOICES_SECONDS)
        except RedisError as exc:
            logger.warning("cache unavailable (%s); filter choices not cached", exc)
    return found


def _staff_kept(scope: Scope, unit_path: str | None, position_id: int | None) -> set[int] | None:
    """Ids of the staff in scope that the filters keep, from one query filtered in SQL;
    None when nothing filters (HR without filters), which needs no query."""
    if scope.paths is None and unit_path is None and position_id is None:
        return None
    query = scope.staff_q()
    if unit_path is not None:
        query &= paths_subtree_q([unit_path], field="unit__path")
    if position_id is not None:
        query &= Q(position_id=position_id)
    return set(Staff.objects.filter(query).values_list("pk", flat=True))


def _kept(results: list[dict], staff_ids: set[int] | None) -> list[dict]:
    """The results of ``staff_ids`` (None: all of them), in rank order."""
    if staff_ids is None:
        return results
    return [result for result in results if result["staff_id"] in staff_ids]


def _positions(config: dict, period: t.Period, scope: Scope) -> list[tuple[int, str]]:
    """The positions of the participants in scope, for the position filter: those held by
    someone in scope whom the scheme covers (``participants_q``), found with an EXISTS per
    position instead of reading every participant's row."""
    covered = Staff.objects.filter(
        participants_q(config, period) & scope.staff_q(), position=OuterRef("pk")
    )
    # Only the scheme's positions can qualify; naming them up front spares the database a
    # scan of every other position's staff in search of a participant.
    named = (config.get("applies_to") or {}).get("positions") or []
    positions = Position.objects.filter(Exists(covered), name__in=named)
    return list(positions.order_by("pk").values_list("pk", "name"))


def _candidate_results(data: ReportData) -> list[dict]:
    """The award's candidates: the results down to a few places past the last winner."""
    if not data.config.get("award"):
        return []
    return data.results[: _last_winner(data) + 1 + CANDIDATES_AFTER_LAST_WINNER]


# (scheme id, period key) → (the standing's results list, the index of its last winner)
_last_winners: dict[tuple[int, str], tuple[list[dict], int]] = {}


def _last_winner(data: ReportData) -> int:
    """The index of the last award winner in the results; -1 when there is none.

    Finding it reads every result: about a millisecond per 4,000 participants, the results
    being out of the CPU caches by the time a request gets there. A provisional standing hands
    every reader the same results list until it changes, so its answer is kept; the entry
    holds the list itself, so that the ``is`` check cannot be fooled by a new list at a
    reused address. A snapshot's results are read afresh for each request: not kept."""
    if data.version is not None:
        return _scan_last_winner(data.results)
    key = (data.scheme.pk, data.period_key)
    kept = _last_winners.get(key)
    if kept is not None and kept[0] is data.results:
        return kept[1]
    last = _scan_last_winner(data.results)
    if len(_last_winners) >= LAST_WINNERS_KEPT:
        _last_winners.clear()
    _last_winners[key] = (data.results, last)
    return last


def _scan_last_winner(results: list[dict]) -> int:
    return max((i for i, r in enumerate(results) if r.get("award")), default=-1)


def _award_has_quotas(award: dict) -> bool:
    return "per_position" in award or "per_unit" in award


def award_notes(
    data: ReportData, candidates: list[dict], winners: list[dict], people: dict[int, Person]
) -> dict[int, str]:
    """For each of the award's ``candidates``, by staff id: empty for a winner, else why
    they were skipped (veto, eligibility, floor, quota, places). ``winners`` are all the
    award's winners; ``people`` holds the candidates and, when the award has quotas, every
    winner (the quotas count them)."""
    award = data.config.get("award")
    if not award:
        return {}
    quotas = _award_has_quotas(award)
    per_position = Counter(people[r["staff_id"]].position for r in winners if quotas)
    per_unit = Counter(
        people[r["staff_id"]].unit_path.split(PATH_SEPARATOR)[0] for r in winners if quotas
    )
    winning_scores = {r["score"] for r in winners}
    grades = data.config.get("grades", ())
    notes = {}
    for result in candidates:
        person = people[result["staff_id"]]
        notes[result["staff_id"]] = (
            ""
            if result.get("award")
            else _skip_reason(
                result,
                person,
                award=award,
                grades=grades,
                per_position=per_position,
                per_unit=per_unit,
                winning_scores=winning_scores,
            )
        )
    return notes


def _skip_reason(result, person, *, award, grades, per_position, per_unit, winning_scores) -> str:
    if result["veto"]:
        rules = "；".join(hit["rule"] for hit in result["veto"])
        return _("one-vote veto: %(rules)s") % {"rules": rules}
    if result["ineligible"]:
        return _("not eligible: %(reasons)s") % {"reasons": "；".join(result["ineligible"])}
    score = Decimal(result["score"])
    if "min_score" in award and score < to_decimal(award["min_score"]):
        return _("below the minimum score %(min)s") % {"min": award["min_score"]}
    if "min_grade" in award:
        names = [band["name"] for band in grades]
        grade = result.get("grade")
        if grade not in names or names.index(grade) > names.index(award["min_grade"]):
            return _("below the minimum grade %(grade)s") % {"grade": award["min_grade"]}
    if "per_position" in award and per_position[person.position] >= int(award["per_position"]):
        return _("quota for %(position)s full") % {"position": person.position}
    top = person.unit_path.split(PATH_SEPARATOR)[0]
    if "per_unit" in award and per_unit[top] >= int(award["per_unit"]):
        return _("quota for %(unit)s full") % {"unit": top}
    if result["score"] in winning_scores:
        return _("lost the tie-break")
    return _("all places taken")


# ---------------------------------------------------------------- HR and unit-head dashboards


@dataclass(frozen=True)
class UnitRow:
    path: str
    participants: int
    average: Decimal
    lowest: Decimal
    highest: Decimal
    head_deduction: Decimal | None  # the roll-up's consequence, when the scheme has one


@dataclass(frozen=True)
class TrendPoint:
    key: str
    average: Decimal
    participants: int
    provisional: bool


@dataclass(frozen=True)
class ParetoRow:
    label: str
    count: int
    points: Decimal
    cumulative: Decimal  # percent of all deducted points, this item and those before it


@dataclass(frozen=True)
class ComplaintRow:
    unit_path: str
    valid: int
    invalid: int


@dataclass
class Dashboard:
    data: ReportData
    rows: list[BoardRow]
    units: list[UnitRow]
    trend: list[TrendPoint]
    pareto: list[ParetoRow]
    complaints: list[ComplaintRow]
    overdue: list[Complaint]

    @property
    def average(self) -> Decimal | None:
        if not self.rows:
            return None
        return round2(sum((row.score for row in self.rows), ZERO) / len(self.rows))

    @property
    def vetoed(self) -> int:
        return sum(1 for row in self.rows if row.result["veto"])

    @property
    def complaints_valid(self) -> int:
        return sum(row.valid for row in self.complaints)


def dashboard(*, active: ActiveScheme, period: t.Period, scope: Scope) -> Dashboard:
    data, rows = full_board(active=active, period=period, scope=scope)
    return Dashboard(
        data=data,
        rows=rows,
        units=unit_comparison(data, rows),
        trend=trend(active, period, scope, data, rows),
        pareto=pareto(rows),
        complaints=complaint_counts(period, rows),
        overdue=overdue_complaints(scope, today=timezone.localdate()),
    )


def unit_level(config: dict) -> int:
    """Units are compared at the roll-up's level, else at depth 2 (the company's units)."""
    return int((config.get("unit_rollup") or {}).get("level", 2))


def unit_comparison(data: ReportData, rows: list[BoardRow]) -> list[UnitRow]:
    level = unit_level(data.config)
    scores: dict[str, list[Decimal]] = defaultdict(list)
    for row in rows:
        segments = row.person.unit_path.split(PATH_SEPARATOR)
        scores[PATH_SEPARATOR.join(segments[:level])].append(row.score)
    rollup = {row["unit_path"]: row for row in data.rollup}
    units = []
    for path in sorted(scores):
        values = scores[path]
        rolled = rollup.get(path)
        average = (
            Decimal(rolled["average"])
            if rolled and rolled["participants"] == len(values)
            else round2(sum(values, ZERO) / len(values))
        )
        units.append(
            UnitRow(
                path,
                len(values),
                average,
                min(values),
                max(values),
                Decimal(rolled["head_deduction"]) if rolled else None,
            )
        )
    return units


def trend(
    active: ActiveScheme,
    period: t.Period,
    scope: Scope,
    current: ReportData,
    rows: list[BoardRow],
) -> list[TrendPoint]:
    """Average score in scope over the closed periods up to ``period`` (latest snapshot of
    each) and ``period`` itself, whose in-scope results are ``rows``; oldest first."""
    snapshots = (
        Snapshot.objects.filter(period__scheme=active.scheme, period__start__lt=period.start)
        .order_by("period__start", "version")
        .values_list("pk", "period__key", "period__start")
    )
    latest: dict[str, tuple[int, date]] = {}
    for pk, key, start in snapshots:
        latest[key] = (pk, start)
    chosen = sorted(latest.items(), key=lambda item: item[1][1])[-(TREND_POINTS - 1) :]
    figures = {
        snapshot_id: (total, n)
        for snapshot_id, total, n in ParticipantResult.objects.filter(
            Q(snapshot_id__in=[pk for _key, (pk, _start) in chosen]) & scope.staff_q("staff__")
        )
        .values("snapshot_id")
        .annotate(total=Sum("score"), n=Count("pk"))
        .values_list("snapshot_id", "total", "n")
    }
    points = [
        TrendPoint(key, round2(figures[pk][0] / figures[pk][1]), figures[pk][1], False)
        for key, (pk, _start) in chosen
        if pk in figures
    ]
    scores = [row.score for row in rows]
    if scores:
        points.append(
            TrendPoint(
                current.period_key,
                round2(sum(scores, ZERO) / len(scores)),
                len(scores),
                current.version is None,
            )
        )
    return points


def pareto(rows: list[BoardRow]) -> list[ParetoRow]:
    """Deducted points by item, largest first, with the cumulative share (derived manager-
    liability lines are left out: their offender's line already counts)."""
    points: dict[str, Decimal] = defaultdict(Decimal)
    counts: Counter = Counter()
    for row in rows:
        for effect in row.result["effects"]:
            value = Decimal(effect["points"])
            if value < 0 and not effect.get("derived_from"):
                points[effect["label"]] -= value
                counts[effect["label"]] += 1
    total = sum(points.values(), ZERO)
    found, running = [], ZERO
    for label, value in sorted(points.items(), key=lambda item: (-item[1], item[0])):
        running += value
        found.append(ParetoRow(label, counts[label], value, round2(running * 100 / total)))
    return found


def complaint_counts(period: t.Period, rows: list[BoardRow]) -> list[ComplaintRow]:
    """Complaints received in the period against the people in ``rows``, per unit."""
    paths = {row.person.pk: row.person.unit_path for row in rows}
    counts: dict[str, Counter] = defaultdict(Counter)
    for staff_id, code, n in (
        Record.objects.filter(
            kind=Record.Kind.COMPLAINT,
            voided=False,
            staff_id__in=list(paths),
            date__gte=period.start,
            date__lte=period.end,
        )
        .values("staff_id", "code")
        .annotate(n=Count("pk"))
        .values_list("staff_id", "code", "n")
    ):
        counts[paths[staff_id]][code] += n
    return [
        ComplaintRow(path, c[t.COMPLAINT_VALID], c[t.COMPLAINT_INVALID])
        for path, c in sorted(counts.items())
    ]


def overdue_complaints(scope: Scope, *, today: date) -> list[Complaint]:
    """Open complaints past their current step's deadline, about people in scope, the most
    overdue first (no complainant details: those are for HR's complaint pages)."""
    complaints = Complaint.objects.filter(scope.staff_q("staff__")).select_related("staff")
    return list(
        complaints_with_deadlines(complaints, today=today)
        .filter(overdue=True)
        .order_by("step_due", "pk")[:OVERDUE_SHOWN]
    )


# ---------------------------------------------------------------- inspector consistency


@dataclass(frozen=True)
class InspectorRow:
    name: str
    inspections: int
    findings: Decimal  # deduction and warning occurrences
    points: Decimal  # deducted, as the scheme counts them
    rate: Decimal  # points per inspection
    ratio: Decimal | None  # rate ÷ the median rate
    verdict: str  # "lenient", "harsh" or ""


@dataclass
class InspectorActivity:
    data: ReportData
    rows: list[InspectorRow]
    median: Decimal | None


def inspector_activity(*, active: ActiveScheme, period: t.Period, scope: Scope):
    """Inspections, findings and deducted points per inspector, from the ledger: an
    inspection is one inspector's records about one person with one 批次 (or, with 批次
    blank, one 日期), as SCHEMES.md counts them for per-inspection averaging."""
    data, board_rows = full_board(active=active, period=period, scope=scope)
    effects = {
        effect["record_id"]: Decimal(effect["points"])
        for row in board_rows
        for effect in row.result["effects"]
        if effect["record_id"]
    }
    codes = known_codes(data.config)
    conduct = codes.get(t.DEDUCTION, set()) | codes.get(t.WARNING, set())
    records = Record.objects.filter(
        voided=False,
        kind__in=[t.DEDUCTION, t.WARNING],
        code__in=sorted(conduct),
        staff_id__in=[row.person.pk for row in board_rows],
        date__gte=period.start,
        date__lte=period.end,
    ).values_list(
        "pk",
        "staff_id",
        "date",
        "batch",
        "value",
        "inspector__name",
        "inspector_name",
        "created_by__username",
    )
    visits: dict[str, set] = defaultdict(set)
    findings: dict[str, Decimal] = defaultdict(Decimal)
    points: dict[str, Decimal] = defaultdict(Decimal)
    for pk, staff_id, day, batch, value, inspector, typed, user in records:
        name = inspector or typed or user or _("(not recorded)")
        visits[name].add((staff_id, batch or day.isoformat()))
        findings[name] += Decimal(1) if value is None else value
        points[name] -= min(effects.get(pk, ZERO), ZERO)
    rates = {name: points[name] / len(visits[name]) for name in visits}
    median = statistics.median(rates.values()) if rates else None
    rows = []
    for name in sorted(visits, key=lambda n: (-len(visits[n]), n)):
        ratio = rates[name] / median if median else None
        verdict = ""
        if ratio is not None and len(visits[name]) >= MIN_INSPECTIONS_TO_FLAG:
            if ratio <= LENIENT_RATIO:
                verdict = "lenient"
            elif ratio >= HARSH_RATIO:
                verdict = "harsh"
        rows.append(
            InspectorRow(
                name,
                len(visits[name]),
                findings[name],
                round2(points[name]),
                round2(rates[name]),
                round2(ratio) if ratio is not None else None,
                verdict,
            )
        )
    return InspectorActivity(data, rows, round2(median) if median is not None else None)


def person_schemes(person: Staff) -> list[ActiveScheme]:
    return schemes_for(active_schemes(), position=person.position.name, unit_path=person.unit.path)
