"""Reads for the notice pages: who may see which notice, what a notice shows to whom, the
objection targets of a staff member and HR's queues. A notice publishes only what it
publishes (winners, ranks, grades, the veto count and the unit roll-up); scores are shown
to HR and to each person for their own line only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import Roles
from evaluations.models import Record, Scheme
from evaluations.scheme_schema import item_names
from evaluations.selectors import active_schemes
from notices.content import content_hash
from notices.models import Notice, NoticeRevision, NoticeSettings, Objection
from notices.workdays import is_working_day
from scoring.models import ParticipantResult
from scoring.selectors import snapshot_verify
from staff.models import Staff, paths_subtree_q

VISIBLE_STATUSES = (Notice.Status.PUBLISHED, Notice.Status.FINAL)
# The fields of a revision's changes everyone who may see the notice may see.
PUBLISHED_CHANGE_FIELDS = ("rank", "grade", "award", "promotion")
CHANGE_LABELS = {
    "score": _("score"),
    "rank": _("rank"),
    "grade": _("grade"),
    "award": _("award"),
    "promotion": _("promotion"),
}


def notice_settings_for(scheme) -> NoticeSettings:
    """The scheme's notice settings, or the defaults (unsaved) when HR set none."""
    return NoticeSettings.objects.filter(scheme=scheme).first() or NoticeSettings(scheme=scheme)


def notice_settings_list() -> list[NoticeSettings]:
    """Every scheme that is not archived with its settings (defaults where none were set)."""
    schemes = Scheme.objects.filter(archived=False).order_by("code")
    stored = {row.scheme_id: row for row in NoticeSettings.objects.filter(scheme__in=schemes)}
    return [stored.get(scheme.pk) or NoticeSettings(scheme=scheme) for scheme in schemes]


# ---------------------------------------------------------------- who sees which notice


def _in_snapshot(staff_q: Q) -> Exists:
    return Exists(
        ParticipantResult.objects.filter(Q(snapshot_id=OuterRef("snapshot_id")) & staff_q)
    )


def _scheme_ids_of(person: Staff) -> list[int]:
    """The schemes the person takes part in now (position and unit)."""
    return [
        active.scheme.pk
        for active in active_schemes()
        if active.takes_part(position=person.position.name, unit_path=person.unit.path)
    ]


def _staff_q(person: Staff) -> Q:
    """The notices of the schemes a staff member takes part in, and every notice that
    lists them (they may have moved unit or position since)."""
    return Q(period__scheme_id__in=_scheme_ids_of(person)) | Q(_in_snapshot(Q(staff_id=person.pk)))


def _headed_q(paths: tuple[str, ...]) -> Q:
    """The notices that list anyone in the units a unit head heads."""
    return Q(_in_snapshot(paths_subtree_q(paths, field="staff__unit__path")))


def notices_visible(*, roles: Roles, drafts: bool = False) -> QuerySet[Notice]:
    """The notices this user may open: HR all (drafts too when asked), staff those of the
    schemes they take part in, unit heads those listing anyone in their units."""
    notices = Notice.objects.select_related("period__scheme")
    if not drafts or not roles.sees_everyone:
        notices = notices.filter(status__in=VISIBLE_STATUSES)
    if roles.sees_everyone:
        return notices
    query = Q(pk__in=[])
    if roles.staff_id:
        person = Staff.objects.select_related("position", "unit").get(pk=roles.staff_id)
        query |= _staff_q(person)
    if roles.headed_unit_paths:
        query |= _headed_q(roles.headed_unit_paths)
    return notices.filter(query)


def notice_board(*, roles: Roles) -> QuerySet[Notice]:
    return (
        notices_visible(roles=roles)
        .headings_only()
        .order_by("-period__end", "period__scheme__code", "-pk")
    )


def notice_get(*, roles: Roles, pk: int) -> Notice:
    """One notice the user may open (HR: drafts too), or Notice.DoesNotExist."""
    return (
        notices_visible(roles=roles, drafts=True)
        .select_related("snapshot__scheme_version", "published_by")
        .get(pk=pk)
    )


def notice_drafts() -> QuerySet[Notice]:
    return (
        Notice.objects.filter(status=Notice.Status.DRAFT)
        .headings_only()
        .select_related("period__scheme")
        .order_by("-period__end", "period__scheme__code")
    )


# ---------------------------------------------------------------- one notice


def notice_verify(notice: Notice) -> bool:
    """Recomputed on every view: the snapshot's stored results still hash to what was
    frozen at closing, the notice's JSON still hashes to its content hash, and it was
    drafted from that very snapshot."""
    return (
        content_hash(notice.content) == notice.content_hash
        and notice.content.get("snapshot_hash") == notice.snapshot.content_hash
        and snapshot_verify(notice.snapshot)
    )


def working_days_left(window_end: date | None, today: date) -> int | None:
    """Working days from today to the window's end, today included when it is one; None
    when there is no window or it is over."""
    if window_end is None or today > window_end:
        return None
    days, day = 0, today
    while day <= window_end:
        days += is_working_day(day)
        day += timedelta(days=1)
    return days


def window_open(notice: Notice, today: date) -> bool:
    return (
        notice.status == Notice.Status.PUBLISHED
        and notice.window_end is not None
        and today <= notice.window_end
    )


@dataclass(frozen=True)
class ChangedPerson:
    name: str
    employee_no: str
    own: bool
    changes: list[tuple[str, object, object]]  # (field label, old, new)


@dataclass(frozen=True)
class RevisionView:
    revision: NoticeRevision
    people: list[ChangedPerson]


def notice_revisions(
    notice: Notice, *, roles: Roles, staff_id: int | None = None
) -> list[RevisionView]:
    """Each revision after the first with its old → new per changed person. Everyone sees
    the published fields; scores only HR, and each person their own."""
    views = []
    for revision in notice.revisions.filter(version__gt=1).order_by("-version"):
        people = []
        for person in revision.changes:
            own = staff_id is not None and person["staff_id"] == staff_id
            fields = (
                ("score", *PUBLISHED_CHANGE_FIELDS)
                if roles.sees_everyone or own
                else PUBLISHED_CHANGE_FIELDS
            )
            changes = [
                (
                    CHANGE_LABELS[name],
                    person["changes"][name]["old"],
                    person["changes"][name]["new"],
                )
                for name in fields
                if name in person["changes"]
            ]
            if changes:
                people.append(ChangedPerson(person["name"], person["employee_no"], own, changes))
        views.append(RevisionView(revision, people))
    return views


def notice_winners(notice: Notice) -> list[dict]:
    return [row for row in notice.content["rows"] if row["award"] or row["promotion"]]


# ---------------------------------------------------------------- objections


@dataclass(frozen=True)
class ObjectionTargets:
    result: ParticipantResult | None
    records: list[Record]

    def __bool__(self) -> bool:
        return self.result is not None or bool(self.records)


def period_records(notice: Notice, staff_id: int) -> list[Record]:
    """The person's counted records of the notice's period, each with an ``item_name``."""
    period = notice.period
    records = list(
        Record.objects.filter(
            staff_id=staff_id, date__range=(period.start, period.end), voided=False
        ).order_by("date", "pk")
    )
    names = item_names(notice.snapshot.scheme_version.config) if records else {}
    for record in records:
        record.item_name = names.get(record.code, record.code)
    return records


def objection_targets(notice: Notice, staff_id: int) -> ObjectionTargets:
    """What a staff member may object to: their result in the notice and their records."""
    result = ParticipantResult.objects.filter(snapshot_id=notice.snapshot_id, staff_id=staff_id)
    return ObjectionTargets(result.first(), period_records(notice, staff_id))


def objections_of(*, user) -> QuerySet[Objection]:
    return Objection.objects.filter(author=user).select_related(
        "notice__period__scheme", "notice__snapshot__scheme_version", "record", "result", "revision"
    )


def label_objection_records(objections) -> None:
    """Give each objected record an ``item_name`` from its notice's scheme version."""
    names: dict[int, dict[str, str]] = {}
    for objection in objections:
        if objection.record is None:
            continue
        version = objection.notice.snapshot.scheme_version
        if version.pk not in names:
            names[version.pk] = item_names(version.config)
        objection.record.item_name = names[version.pk].get(
            objection.record.code, objection.record.code
        )


def objections_queue(*, status: str | None) -> QuerySet[Objection]:
    objections = Objection.objects.select_related(
        "notice__period__scheme", "staff__unit", "record", "result"
    ).order_by("created_at", "pk")
    return objections.filter(status=status) if status else objections


def objection_get(*, pk: int) -> Objection:
    return Objection.objects.select_related(
        "notice__period__scheme",
        "notice__snapshot__scheme_version",
        "staff__unit",
        "author",
        "record",
        "result",
        "revision",
        "decided_by",
    ).get(pk=pk)


def objection_attachment_get(*, roles: Roles, user, pk: int) -> Objection:
    """An objection with an attachment that HR or its author may download."""
    objection = Objection.objects.exclude(attachment="").get(pk=pk)
    if not (roles.sees_everyone or objection.author_id == user.pk):
        raise Objection.DoesNotExist
    return objection
