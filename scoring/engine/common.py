"""Rules every method shares (SCHEMES.md): which records count, metric values, grades,
ranking, one-vote veto, eligibility, awards and the unit roll-up. Plain data only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import attrgetter

from scoring.engine.numbers import ZERO, round2, to_decimal
from scoring.engine.types import (
    BONUS,
    COMPLAINT,
    COMPLAINT_VALID,
    DEDUCTION,
    INCIDENT,
    METRIC,
    RATING,
    RATING_BASIC,
    RATING_SATISFIED,
    RATING_UNSATISFIED,
    SCORE,
    WARNING,
    Inputs,
    Participant,
    ParticipantResult,
    Period,
    Record,
    Unit,
    UnitRollupRow,
    VetoHit,
)

# Ratings, complaints and incidents count in every scheme of the person.
ALWAYS_COUNTING_KINDS = frozenset({RATING, COMPLAINT, INCIDENT})
CODED_KINDS = (DEDUCTION, WARNING, BONUS, METRIC, SCORE)

SUM, MEAN, LAST = "sum", "mean", "last"
ONE = Decimal(1)

# --- which records count --------------------------------------------------------------


def known_codes(scheme: dict) -> dict[str, set[str]]:
    """Codes the scheme knows, per record kind (FORMATS.md's 类型 ↔ 编码 table), for all four
    methods. Kinds in ``ALWAYS_COUNTING_KINDS`` are not listed: any code of theirs counts."""
    codes: dict[str, set[str]] = {kind: set() for kind in CODED_KINDS}
    codes[BONUS].update(item["code"] for item in scheme.get("bonus_items", ()))
    codes[DEDUCTION].update(item["code"] for item in scheme.get("items", ()))  # points_bank
    for category in scheme.get("categories", ()):
        codes[DEDUCTION].update(item["code"] for item in category.get("items", ()))
        codes[METRIC].update(indicator["metric"] for indicator in category.get("indicators", ()))
    for component in scheme.get("components", ()):
        _add_component_codes(codes, component)
    for source in scheme.get("sources", ()):
        codes[METRIC if is_vote_source(source) else SCORE].add(source["code"])
    codes[METRIC].update(rule["metric"] for rule in scheme.get("veto", ()) if "metric" in rule)
    return codes


def _add_component_codes(codes: dict[str, set[str]], component: dict) -> None:
    kind = component["type"]
    if kind == "conduct":
        conduct = {component["code"], *(item["code"] for item in component.get("items", ()))}
        codes[DEDUCTION].update(conduct)
        codes[WARNING].update(conduct)
    elif kind == "ranked":
        codes[METRIC].add(component["metric"])
    elif kind == "manual":
        codes[BONUS].add(component["code"])


def is_vote_source(source: dict) -> bool:
    return source.get("from") == "votes"


def counts_in_scheme(record: Record, codes: Mapping[str, set[str]]) -> bool:
    return record.kind in ALWAYS_COUNTING_KINDS or record.code in codes.get(record.kind, ())


# (date, id): a record's place in the ledger, read in C.
record_order: Callable[[Record], tuple[date, int]] = attrgetter("date", "id")


def counting_records(inputs: Inputs) -> dict[int, list[Record]]:
    """Each participant's records that count in the scheme, in date order. History outside
    the period is kept (points_bank looks back into it); methods filter to the period."""
    codes = known_codes(inputs.scheme)
    by_staff: dict[int, list[Record]] = {p.staff_id: [] for p in inputs.participants}
    for record in sorted(inputs.records, key=record_order):
        if record.staff_id in by_staff and counts_in_scheme(record, codes):
            by_staff[record.staff_id].append(record)
    return by_staff


def in_period(record: Record, period: Period) -> bool:
    return period.start <= record.date <= period.end


def period_records(records: Iterable[Record], period: Period) -> list[Record]:
    start, end = period.start, period.end  # in_period, without a call per record
    return [record for record in records if start <= record.date <= end]


# --- record values --------------------------------------------------------------------


def count_of(record: Record) -> Decimal:
    """A count-like 数值 (deductions, warnings, bonuses, ratings): default 1."""
    return ONE if record.value is None else record.value


def aggregate(values: Sequence[Decimal], how: str) -> Decimal | None:
    """sum / mean / last of values in date order; None when there are none."""
    if not values:
        return None
    if how == SUM:
        return sum(values, ZERO)
    if how == MEAN:
        return sum(values, ZERO) / len(values)
    if how == LAST:
        return values[-1]
    raise ValueError(f"unknown aggregate {how!r}; expected sum, mean or last")


def metric_records(records: Iterable[Record], metric: str) -> list[Record]:
    found = (r for r in records if r.kind == METRIC and r.code == metric and r.value is not None)
    return sorted(found, key=record_order)


def metric_value(records: Iterable[Record], metric: str, *, how: str) -> Decimal | None:
    """The metric's value from the given records (the caller passes the period's)."""
    return aggregate([r.value for r in metric_records(records, metric)], how)


def is_valid_complaint(record: Record) -> bool:
    return record.kind == COMPLAINT and record.code == COMPLAINT_VALID


def valid_complaints(records: Iterable[Record]) -> list[Record]:
    return [r for r in records if is_valid_complaint(r)]


def complaint_points(record: Record, config: dict) -> Decimal:
    """Points one valid complaint deducts: its level's points when the level is listed."""
    levels = config.get("levels", {})
    if record.level in levels:
        return to_decimal(levels[record.level])
    return to_decimal(config.get("deduct_per_valid", 0))


def bonus_points(record: Record, item: dict) -> Decimal:
    return to_decimal(item["add"]) * count_of(record)


def rating_counts(records: Iterable[Record]) -> tuple[Decimal, Decimal]:
    """(满意 ratings, all ratings); a rating record's 数值 is its number of ratings."""
    ratings = [r for r in records if r.kind == RATING]
    satisfied = sum((count_of(r) for r in ratings if r.code == RATING_SATISFIED), ZERO)
    return satisfied, sum((count_of(r) for r in ratings), ZERO)


def add_flag(result: ParticipantResult, flag: str) -> None:
    if flag not in result.flags:
        result.flags.append(flag)


# --- grades and ranking ---------------------------------------------------------------


def grade_for(score: Decimal, grades: Sequence[dict]) -> str | None:
    """The first band (highest first) whose min the rounded score reaches."""
    for band in grades:
        if score >= to_decimal(band["min"]):
            return band["name"]
    return None


_score_of = attrgetter("score")


def rank_results(
    results: Mapping[int, ParticipantResult], participants: Mapping[int, Participant]
) -> list[ParticipantResult]:
    """Sets ranks (1, 2, 2, 4 by rounded score) and returns rows in rank order, equal
    ranks by 工号."""
    # By 工号, then (stably) by score, highest first: the order of the key (-score, 工号),
    # with the score compared in C rather than through a Python key per row.
    by_number = sorted(results.values(), key=lambda r: participants[r.staff_id].employee_no)
    ordered = sorted(by_number, key=_score_of, reverse=True)
    for position, result in enumerate(ordered):
        previous = ordered[position - 1] if position else None
        tied = previous is not None and previous.score == result.score
        result.rank = previous.rank if tied else position + 1
    return ordered


# --- one-vote veto (一票否决) ---------------------------------------------------------


def veto_hits(rules: Iterable[dict], records: Iterable[Record]) -> list[VetoHit]:
    """The rules that hold on the period's counting records; a missing value never vetoes."""
    records = list(records)
    hits = (_veto_check(rule)(rule, records) for rule in rules)
    return [hit for hit in hits if hit is not None]


VetoCheck = Callable[[dict, list[Record]], VetoHit | None]


def _veto_check(rule: dict) -> VetoCheck:
    for key, check in _VETO_CHECKS.items():
        if key in rule:
            return check
    raise ValueError(f"unknown veto rule {rule!r}")


def _hit(rule: str, records: Sequence[Record]) -> VetoHit | None:
    return VetoHit(rule, tuple(r.id for r in records)) if records else None


def _complaint_veto(rule: dict, records: list[Record]) -> VetoHit | None:
    return _hit("有责投诉", valid_complaints(records))


_RATING_VETOES = {
    "basic": ("评价为基本满意或不满意", {RATING_BASIC, RATING_UNSATISFIED}),
    "unsatisfied": ("评价为不满意", {RATING_UNSATISFIED}),
}


def _rating_veto(rule: dict, records: list[Record]) -> VetoHit | None:
    label, codes = _RATING_VETOES[rule["rating"]]
    return _hit(label, [r for r in records if r.kind == RATING and r.code in codes and count_of(r)])


def _incident_veto(rule: dict, records: list[Record]) -> VetoHit | None:
    found = [r for r in records if r.kind == INCIDENT and r.code in rule["incident"]]
    names = "、".join(dict.fromkeys(r.code for r in found))
    return _hit(f"发生{names}", found)


_AGGREGATE_NAMES = {SUM: "合计", MEAN: "平均", LAST: "最后"}


def _metric_veto(rule: dict, records: list[Record]) -> VetoHit | None:
    how = rule.get("aggregate", MEAN)
    found = metric_records(records, rule["metric"])
    value = aggregate([r.value for r in found], how)
    below = to_decimal(rule["below"])
    if value is None or value >= below:
        return None
    label = f"{rule['metric']}低于{below}（{_AGGREGATE_NAMES[how]}{round2(value)}）"
    return _hit(label, found)


def _deduction_veto(rule: dict, records: list[Record]) -> VetoHit | None:
    return _hit("有扣分记录", [r for r in records if r.kind == DEDUCTION])


_VETO_CHECKS: dict[str, VetoCheck] = {
    "complaint": _complaint_veto,
    "rating": _rating_veto,
    "incident": _incident_veto,
    "metric": _metric_veto,
    "deduction": _deduction_veto,
}


# --- eligibility ----------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """Same calendar day ``years`` later (or earlier); 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def ineligibility_reasons(
    config: dict, participant: Participant, *, period: Period, records: Iterable[Record]
) -> list[str]:
    """Why the participant may not win (empty: eligible). ``records`` are the person's
    records including the look-back history."""
    reasons = []
    years = config.get("min_tenure_years")
    if years is not None and add_years(participant.hire_date, int(years)) > period.end:
        reasons.append(f"入职未满{years}年（{participant.hire_date.isoformat()}入职）")
    missing = [c for c in config.get("certificates", ()) if c not in participant.certificates]
    if missing:
        reasons.append(f"缺少证书：{'、'.join(missing)}")
    no_incident = config.get("no_incident_years")
    if no_incident:
        reason = _recent_incidents_reason(no_incident, period=period, records=records)
        if reason:
            reasons.append(reason)
    return reasons


def _recent_incidents_reason(
    config: dict, *, period: Period, records: Iterable[Record]
) -> str | None:
    years = int(config["years"])
    first_day = add_years(period.end, -years) + timedelta(days=1)
    found = sorted(
        (
            r
            for r in records
            if r.kind == INCIDENT
            and r.code in config["incidents"]
            and first_day <= r.date <= period.end
        ),
        key=record_order,
    )
    if not found:
        return None
    listed = "、".join(f"{r.code}（{r.date.isoformat()}）" for r in found)
    return f"{years}年内发生{listed}"


# --- awards ---------------------------------------------------------------------------

TieBreak = Callable[[ParticipantResult], tuple]

_TIE_BREAKS: dict[str, Callable[[ParticipantResult], Decimal]] = {
    "fewer_green": lambda result: result.parts.get("green", ZERO),
    "more_red": lambda result: -result.parts.get("red", ZERO),
}


def tie_break_key(order: Sequence[str]) -> TieBreak | None:
    """Award tie-break from ``award.tie_break`` (stars: fewer_green, more_red, read from
    parts["green"] and parts["red"]); None when the award has none."""
    if not order:
        return None
    unknown = [name for name in order if name not in _TIE_BREAKS]
    if unknown:
        raise ValueError(f"unknown tie_break {unknown}; expected fewer_green or more_red")
    return lambda result: tuple(_TIE_BREAKS[name](result) for name in order)


def choose_awards(
    ranked: Sequence[ParticipantResult],
    *,
    award: dict,
    participants: Mapping[int, Participant],
    grades: Sequence[dict],
    tie_break: TieBreak | None = None,
    in_rank_order: bool = False,
) -> None:
    """Goes down the ranking setting ``award`` on the winners. Candidates tied on score (and
    tie-break) are admitted together: a group enters whole when the winners limit is not
    yet reached, each member subject to the quotas as they stood before the group.
    ``in_rank_order``: ``ranked`` is sorted by score and 工号 (rank_results' order), which
    with no tie-break is the award order, so candidates are read lazily, as far as needed."""
    limit = award.get("winners")
    key = _award_order(participants, tie_break)
    candidates = (r for r in ranked if _may_win(r, award=award, grades=grades))
    if not (in_rank_order and tie_break is None):
        candidates = sorted(candidates, key=key)
    per_position, per_unit = Counter(), Counter()
    chosen = 0
    for _, group in groupby(candidates, key=lambda r: key(r)[:2]):
        if limit is not None and chosen >= int(limit):
            break
        admitted = [
            r
            for r in group
            if _quota_open(award, "per_position", per_position, participants[r.staff_id].position)
            and _quota_open(award, "per_unit", per_unit, top_unit(participants[r.staff_id]))
        ]
        for result in admitted:
            result.award = award["title"]
            per_position[participants[result.staff_id].position] += 1
            per_unit[top_unit(participants[result.staff_id])] += 1
        chosen += len(admitted)


def _award_order(
    participants: Mapping[int, Participant], tie_break: TieBreak | None
) -> Callable[[ParticipantResult], tuple]:
    def key(result: ParticipantResult) -> tuple:
        tie = tie_break(result) if tie_break else ()
        return (-result.score, tie, participants[result.staff_id].employee_no)

    return key


def _may_win(result: ParticipantResult, *, award: dict, grades: Sequence[dict]) -> bool:
    if result.veto or result.ineligible:
        return False
    if "min_score" in award and result.score < to_decimal(award["min_score"]):
        return False
    return "min_grade" not in award or _grade_reaches(result.grade, award["min_grade"], grades)


def _grade_reaches(grade: str | None, floor: str, grades: Sequence[dict]) -> bool:
    """That grade or better: grades are listed highest first."""
    names = [band["name"] for band in grades]
    return grade in names and names.index(grade) <= names.index(floor)


def _quota_open(award: dict, quota: str, counts: Counter, key: str) -> bool:
    return quota not in award or counts[key] < int(award[quota])


def top_unit(participant: Participant) -> str:
    """The depth-1 unit: the unit path's first segment."""
    return participant.unit_path.split("/")[0]


# --- unit roll-up ---------------------------------------------------------------------


def unit_rollup(
    results: Iterable[ParticipantResult],
    *,
    config: dict,
    participants: Mapping[int, Participant],
    units: Mapping[str, Unit],
) -> list[UnitRollupRow]:
    """One row per unit at depth ``level`` that has participants in its subtree, by path.
    The average is of exact scores; average and head deduction are each rounded on their
    own."""
    level = int(config["level"])
    scores: dict[str, list[Decimal]] = defaultdict(list)
    for result in results:
        segments = participants[result.staff_id].unit_path.split("/")
        if len(segments) >= level:
            scores["/".join(segments[:level])].append(result.raw_score)
    return [_rollup_row(path, scores[path], config, units.get(path)) for path in sorted(scores)]


def _rollup_row(path: str, scores: list[Decimal], config: dict, unit: Unit | None) -> UnitRollupRow:
    average = sum(scores, ZERO) / len(scores)
    shortfall = ZERO
    if "threshold" in config:
        shortfall = max(ZERO, to_decimal(config["threshold"]) - average)
    per_point = to_decimal(config.get("head_deduct_per_point", 1))
    return UnitRollupRow(
        unit_path=path,
        participants=len(scores),
        average=round2(average),
        head_staff_id=unit.head_staff_id if unit else None,
        head_deduction=round2(shortfall * per_point),
    )
