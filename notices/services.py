"""Notices (公示), objections (申诉) and awards.

A closed period's new snapshot drafts its notice (or revises the existing one) inside the
closing transaction. HR publishes it, or the scheme auto-publishes; publishing opens an
objection window of N working days. HR upholds an objection by fixing the ledger and
re-closing (a new snapshot version: the notice shows old → new per participant) or rejects
it with a written reply. When the window is over with no open objection the notice is
final and its awards are issued."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import acting_user, audit_log
from evaluations.ledger import RecordDraft, record_create, record_update, record_void
from evaluations.models import Record
from notices.content import content_hash, notice_content, rows_diff
from notices.models import Award, Notice, NoticeRevision, NoticeSettings, Objection, heading_of
from notices.selectors import notice_settings_for
from notices.workdays import add_working_days
from notifications.models import Notification
from notifications.selectors import users_of_staff
from notifications.services import notify
from scoring.models import ParticipantResult, Period, Snapshot
from scoring.services import period_close, period_reopen
from staff.models import Staff
from starservice.workbooks import XLSX_CONTENT_TYPE

# Accepted attachments: suffix → (what the first bytes must be — the name alone proves
# nothing — and the content type it is served with).
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc and .xls
ZIP = b"PK\x03\x04"  # .docx and .xlsx, told apart by the part a real file has
ATTACHMENT_KINDS = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".doc": (OLE2, "application/msword"),
    ".xls": (OLE2, "application/vnd.ms-excel"),
    ".docx": (ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": (ZIP, XLSX_CONTENT_TYPE),
}
ATTACHMENT_SUFFIXES = set(ATTACHMENT_KINDS)


def attachment_content_type(name: str) -> str:
    kind = ATTACHMENT_KINDS.get(PurePath(name).suffix.lower())
    return kind[1] if kind else "application/octet-stream"


OFFICE_MAIN_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
# simple_history keeps a change reason of at most 100 characters (Record and Period history).
REASON_MAX = 100


class NoticeError(Exception):
    """A notice or objection action that may not happen; ``field`` names the bad input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class ObjectionRefused(NoticeError):
    """An objection filed outside the notice's objection window."""


# ---------------------------------------------------------------- drafting and publishing


def notice_draft_on_close(sender, *, snapshot: Snapshot, actor=None, **kwargs) -> None:
    """``scoring.signals.period_closed`` receiver: runs inside the closing transaction."""
    notice_draft(snapshot=snapshot, actor=actor)


@transaction.atomic
def notice_draft(*, snapshot: Snapshot, actor=None) -> Notice:
    """Draft the period's notice from ``snapshot`` or, when the period already has one,
    revise it to this version with the per-participant differences. A revised notice
    that had been published is published again with a new objection window."""
    content = notice_content(snapshot)
    digest = content_hash(content)
    notice = Notice.objects.select_for_update().filter(period_id=snapshot.period_id).first()
    if notice is None:
        notice = Notice.objects.create(
            period_id=snapshot.period_id,
            snapshot=snapshot,
            content=content,
            heading=heading_of(content),
            content_hash=digest,
        )
        NoticeRevision.objects.create(
            notice=notice, snapshot=snapshot, version=snapshot.version, content_hash=digest
        )
        audit_log(
            actor=actor,
            action="notice.drafted",
            target=notice,
            summary=str(notice),
            after={"version": snapshot.version, "content_hash": digest},
        )
        if notice_settings_for(snapshot.period.scheme).auto_publish:
            _publish(notice, actor=None, action="notice.published")
        return notice
    if notice.snapshot_id == snapshot.pk:
        return notice
    changes = rows_diff(notice.content["rows"], content["rows"])
    before = {"version": notice.version, "content_hash": notice.content_hash}
    NoticeRevision.objects.create(
        notice=notice,
        snapshot=snapshot,
        version=snapshot.version,
        content_hash=digest,
        changes=changes,
    )
    notice.snapshot = snapshot
    notice.content = content
    notice.heading = heading_of(content)
    notice.content_hash = digest
    notice.save(update_fields=["snapshot", "content", "heading", "content_hash"])
    audit_log(
        actor=actor,
        action="notice.revised",
        target=notice,
        summary=str(notice),
        before=before,
        after={"version": snapshot.version, "content_hash": digest, "changed": len(changes)},
    )
    if notice.status != Notice.Status.DRAFT:
        _publish(notice, actor=actor, action="notice.republished")
    return notice


@transaction.atomic
def notice_publish(*, notice: Notice, actor) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.DRAFT:
        raise NoticeError(_("%(notice)s is already published") % {"notice": notice})
    return _publish(notice, actor=actor, action="notice.published")


def _publish(notice: Notice, *, actor, action: str) -> Notice:
    days = notice_settings_for(notice.period.scheme).objection_days
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = timezone.now()
    notice.published_by = acting_user(actor)
    notice.window_end = add_working_days(timezone.localdate(), days)
    notice.finalized_at = None
    notice.save(
        update_fields=["status", "published_at", "published_by", "window_end", "finalized_at"]
    )
    audit_log(
        actor=actor,
        action=action,
        target=notice,
        summary=str(notice),
        after={"version": notice.version, "window_end": notice.window_end.isoformat()},
    )
    notify(
        users=users_of_staff(row["staff_id"] for row in notice.content["rows"]),
        kind=Notification.Kind.NOTICE_PUBLISHED,
        title=_("Notice published: %(notice)s") % {"notice": notice},
        body=_("Version %(v)s. Objections are accepted until %(date)s.")
        % {"v": notice.version, "date": notice.window_end.isoformat()},
        url=reverse("notices:detail", args=[notice.pk]),
    )
    return notice


# ---------------------------------------------------------------- objections


@transaction.atomic
def objection_create(
    *,
    notice: Notice,
    actor,
    text: str,
    result: ParticipantResult | None = None,
    record: Record | None = None,
    attachment: File | None = None,
) -> Objection:
    notice = Notice.objects.select_for_update().select_related("period").get(pk=notice.pk)
    _check_window(notice)
    person = Staff.objects.filter(user=actor).first() if actor.is_authenticated else None
    if person is None:
        raise NoticeError(_("only staff members may file an objection"))
    if not text.strip():
        raise NoticeError(_("please say what is wrong and why"), "text")
    if result is None and record is None:
        raise NoticeError(_("choose the result or the record you object to"), "result")
    if result is not None and result.snapshot_id != notice.snapshot_id:
        raise NoticeError(_("this result is not part of the notice"), "result")
    if record is not None and not (
        record.staff_id == person.pk
        and notice.period.start <= record.date <= notice.period.end
        and not record.voided
    ):
        raise NoticeError(_("you may object only to your own records of this period"), "record")
    if attachment is not None:
        _check_attachment(attachment)
    objection = Objection.objects.create(
        notice=notice,
        author=actor,
        staff=person,
        result=result,
        record=record,
        text=text.strip(),
        attachment=attachment,
    )
    audit_log(actor=actor, action="objection.filed", target=objection, summary=str(objection))
    return objection


def _check_window(notice: Notice) -> None:
    if notice.status == Notice.Status.DRAFT:
        raise ObjectionRefused(_("%(notice)s is not published yet") % {"notice": notice})
    if notice.status == Notice.Status.FINAL or timezone.localdate() > notice.window_end:
        raise ObjectionRefused(
            _(
                "The objection window of %(notice)s closed on %(date)s; objections can no "
                "longer be filed."
            )
            % {"notice": notice, "date": notice.window_end.isoformat()}
        )


def _check_attachment(attachment: File) -> None:
    """The suffix must be an accepted one and the content must be what the suffix says."""
    suffix = PurePath(attachment.name or "").suffix.lower()
    wrong_type = NoticeError(_("attach a PDF, an image, or a Word or Excel file"), "attachment")
    if suffix not in ATTACHMENT_SUFFIXES:
        raise wrong_type
    if attachment.size > settings.UPLOAD_MAX_BYTES:
        raise NoticeError(
            _("the attachment is larger than %(mb)s MB")
            % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            "attachment",
        )
    attachment.seek(0)
    signature, _content_type = ATTACHMENT_KINDS[suffix]
    head = attachment.read(len(signature))
    matches = head == signature
    if matches and suffix in OFFICE_MAIN_PART:
        attachment.seek(0)
        try:
            with zipfile.ZipFile(attachment) as archive:
                matches = OFFICE_MAIN_PART[suffix] in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            matches = False
    attachment.seek(0)
    if not matches:
        raise NoticeError(
            _("the attachment's content is not a %(type)s file") % {"type": suffix[1:].upper()},
            "attachment",
        )


@transaction.atomic
def objection_uphold(
    *,
    objection: Objection,
    actor,
    reply: str,
    record: Record | None = None,
    draft: RecordDraft | None = None,
    ledger_as_is: bool = False,
) -> Objection:
    """Fix the ledger and recompute: void ``record`` (default: the record objected to),
    correct it to ``draft``, or with no record add ``draft`` as a missing record. The
    period is reopened, fixed and closed again in this transaction, so the notice moves
    to the next version (shown with its changes) or nothing changes at all.

    ``ledger_as_is`` changes no record: the period is closed again with the ledger as HR
    already corrected it (after reopening the period by hand); refused when that changes
    no result, since an upheld objection must show in a new version."""
    objection = _open_objection(objection)
    reply = _required_reply(reply)
    target = None if ledger_as_is else record or objection.record
    if target is None and draft is None and not ledger_as_is:
        raise NoticeError(
            _("choose the record to void or correct, or enter the missing record"), "record"
        )
    period = Period.objects.select_related("scheme").get(pk=objection.notice.period_id)
    if target is not None and not period.start <= target.date <= period.end:
        raise NoticeError(_("this record is not in the notice's period"), "record")
    reason = (_("objection #%(id)s upheld: %(reply)s") % {"id": objection.pk, "reply": reply})[
        :REASON_MAX
    ]
    if period.status == Period.Status.CLOSED:
        period_reopen(period=period, actor=actor, reason=reason)
    if target is not None and draft is not None:
        record_update(record=target, draft=draft, actor=actor, reason=reason)
    elif target is not None:
        record_void(record=target, actor=actor, reason=reason)
    elif draft is not None:
        record_create(draft=draft, actor=actor)
    outcome = period_close(scheme=period.scheme, key=period.key, actor=actor, reason=reason)
    if ledger_as_is and not outcome.created:
        raise NoticeError(
            _(
                "no result changed: reopen the period and correct its records first, or "
                "reject the objection"
            ),
            "action",
        )
    if outcome.created:
        objection.revision = NoticeRevision.objects.get(
            notice_id=objection.notice_id, snapshot=outcome.snapshot
        )
    return _decide(objection, actor=actor, status=Objection.Status.UPHELD, reply=reply)


@transaction.atomic
def objection_reject(*, objection: Objection, actor, reply: str) -> Objection:
    objection = _open_objection(objection)
    return _decide(
        objection, actor=actor, status=Objection.Status.REJECTED, reply=_required_reply(reply)
    )


def _open_objection(objection: Objection) -> Objection:
    objection = Objection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if objection.status != Objection.Status.OPEN:
        raise NoticeError(_("this objection has already been answered"))
    return objection


def _required_reply(reply: str) -> str:
    if not reply.strip():
        raise NoticeError(_("a written reply is required"), "reply")
    return reply.strip()


def _decide(objection: Objection, *, actor, status: str, reply: str) -> Objection:
    objection.status = status
    objection.reply = reply
    objection.decided_by = actor
    objection.decided_at = timezone.now()
    objection.save(update_fields=["status", "reply", "decided_by", "decided_at", "revision"])
    audit_log(
        actor=actor,
        action=f"objection.{status}",
        target=objection,
        summary=str(objection),
        reason=reply,
        after={"revision": objection.revision.version if objection.revision else None},
    )
    title = (
        _("Your objection to %(notice)s was upheld")
        if status == Objection.Status.UPHELD
        else _("Your objection to %(notice)s was rejected")
    )
    notify(
        users=[objection.author],
        kind=Notification.Kind.OBJECTION_ANSWERED,
        title=title % {"notice": objection.notice},
        body=reply,
        url=reverse("notices:mine"),
    )
    return objection


# ---------------------------------------------------------------- settings


@transaction.atomic
def notice_settings_set(
    *, scheme, actor, auto_publish: bool, objection_days: int
) -> NoticeSettings:
    """Set how the scheme's notices are published (applies to notices published from now)."""
    if not 1 <= objection_days <= 30:
        raise NoticeError(_("the objection window is 1 to 30 working days"), "objection_days")
    settings_row, _created = NoticeSettings.objects.select_for_update().get_or_create(scheme=scheme)
    before = {
        "auto_publish": settings_row.auto_publish,
        "objection_days": settings_row.objection_days,
    }
    settings_row.auto_publish = auto_publish
    settings_row.objection_days = objection_days
    settings_row.save(update_fields=["auto_publish", "objection_days"])
    audit_log(
        actor=actor,
        action="notice.settings_set",
        target=settings_row,
        summary=str(scheme),
        before=before,
        after={"auto_publish": auto_publish, "objection_days": objection_days},
    )
    return settings_row


# ---------------------------------------------------------------- finalising


@transaction.atomic
def notice_finalize(*, notice: Notice, actor=None) -> Notice:
    """Make a published notice final once its window is over with no open objection, and
    issue its awards (idempotent: a final notice is returned as it is)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Notice.Status.FINAL:
        return notice
    if notice.status != Notice.Status.PUBLISHED:
        raise NoticeError(_("%(notice)s is not published") % {"notice": notice})
    if timezone.localdate() <= notice.window_end:
        raise NoticeError(
            _("objections are accepted until %(date)s") % {"date": notice.window_end.isoformat()}
        )
    if notice.objections.filter(status=Objection.Status.OPEN).exists():
        raise NoticeError(_("%(notice)s has open objections") % {"notice": notice})
    notice.status = Notice.Status.FINAL
    notice.finalized_at = timezone.now()
    notice.save(update_fields=["status", "finalized_at"])
    issued, revoked = _awards_sync(notice)
    audit_log(
        actor=actor,
        action="notice.finalized",
        target=notice,
        summary=str(notice),
        after={"version": notice.version, "awards_issued": issued, "awards_revoked": revoked},
    )
    return notice


def notices_finalize_due() -> int:
    """Finalise every published notice whose window is over and has no open objection."""
    today = timezone.localdate()
    due = (
        Notice.objects.filter(status=Notice.Status.PUBLISHED, window_end__lt=today)
        .exclude(objections__status=Objection.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in due:
        try:
            notice_finalize(notice=Notice(pk=pk))
        except NoticeError:  # an objection was filed meanwhile
            continue
        count += 1
    return count


def _awards_sync(notice: Notice) -> tuple[int, int]:
    """Issue the awards the notice's version shows; revoke issued ones it no longer shows."""
    wanted: dict[tuple[int, str], tuple[str, Decimal]] = {}
    for row in notice.content["rows"]:
        if row["award"]:
            wanted[(row["staff_id"], Award.Kind.AWARD)] = (row["award"], Decimal(0))
        if row["promotion"]:
            wanted[(row["staff_id"], Award.Kind.PROMOTION)] = (
                row["promotion"],
                Decimal(row["prize"]),
            )
    revoked = 0
    for award in notice.awards.filter(revoked_at__isnull=True):
        if wanted.get((award.staff_id, award.kind)) == (award.title, award.prize):
            del wanted[(award.staff_id, award.kind)]
        else:
            award.revoked_at = timezone.now()
            award.save(update_fields=["revoked_at"])
            revoked += 1
    Award.objects.bulk_create(
        [
            Award(notice=notice, staff_id=staff_id, kind=kind, title=title, prize=prize)
            for (staff_id, kind), (title, prize) in wanted.items()
        ]
    )
    return len(wanted), revoked
