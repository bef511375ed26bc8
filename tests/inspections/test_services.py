"""Inspection services: starting, recording findings through the ledger, co-signing,
disputing, photos and grid entry."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from evaluations.ledger import RecordDraft, RecordInvalid
from evaluations.models import Record
from evaluations.selectors import active_schemes
from inspections.models import Inspection
from inspections.photos import MAX_SIDE, PhotoInvalid, photo_prepare
from inspections.selectors import grid_codes, item_catalog
from inspections.services import (
    InspectionError,
    finding_dispute,
    finding_record,
    inspection_cosign,
    inspection_start,
    records_grid_save,
)
from scoring.services import standing_compute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size=(2400, 1200), mode="RGB") -> bytes:
    buffer = BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 0).save(buffer, format=fmt)
    return buffer.getvalue()


def late(inspection, actor, person, kind=Record.Kind.WARNING, **extra):
    fields = {"value": Decimal(1)} | extra
    return finding_record(
        inspection=inspection, actor=actor, staff=person, kind=kind, code="PATROL-LATE", **fields
    )


# ---------------------------------------------------------------- starting


def test_start_refuses_future_dates_and_units_not_supervised(inspector_a, org):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(InspectionError) as future:
        inspection_start(actor=inspector_a, date=tomorrow, unit=org.unit_a, type="daily")
    assert future.value.field == "date"
    with pytest.raises(InspectionError) as elsewhere:
        inspection_start(
            actor=inspector_a, date=timezone.localdate(), unit=org.unit_b, type="daily"
        )
    assert elsewhere.value.field == "unit"
    assert Inspection.objects.count() == 0


# ---------------------------------------------------------------- findings


def test_finding_is_a_ledger_record_in_the_inspection_batch(
    inspection, inspector_a, schemes, staff_a
):
    finding = late(inspection, inspector_a, staff_a, note="8:40 到岗")

    record = finding.record
    assert (record.staff, record.date, record.kind, record.code, record.value) == (
        staff_a,
        inspection.date,
        Record.Kind.WARNING,
        "PATROL-LATE",
        Decimal(1),
    )
    assert record.batch == inspection.batch_key == f"INS-{inspection.pk}"
    assert (record.inspector_name, record.source, record.created_by) == (
        "inspector_a",
        Record.Source.APP,
        inspector_a,
    )
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"inspection.started", "record.created", "inspection.finding_added"} <= actions


def test_findings_move_the_provisional_standing(
    inspection, inspector_a, schemes, staff_a, django_capture_on_commit_callbacks
):
    stars = schemes["property-weekly-stars"]

    def net():
        _bounds, outcome = standing_compute(scheme=stars, day=inspection.date)
        return next(r.score for r in outcome.results if r.staff_id == staff_a.pk)

    assert net() == 3
    with django_capture_on_commit_callbacks(execute=True):
        late(inspection, inspector_a, staff_a)
    assert net() == 2
    with django_capture_on_commit_callbacks(execute=True):
        late(inspection, inspector_a, staff_a, kind=Record.Kind.DEDUCTION)
    assert net() == -1


def test_finding_for_someone_outside_the_inspectors_units_is_refused(
    inspection, inspector_a, schemes, staff_b
):
    with pytest.raises(RecordInvalid) as refused:
        late(inspection, inspector_a, staff_b)
    assert refused.value.field == "staff"
    assert Record.objects.count() == 0


def test_ledger_refusals_write_nothing(inspection, inspector_a, schemes, staff_a):
    with pytest.raises(RecordInvalid) as out_of_range:
        finding_record(
            inspection=inspection,
            actor=inspector_a,
            staff=staff_a,
            kind=Record.Kind.DEDUCTION,
            code="ATT-02",
            value=Decimal(9),
        )
    assert out_of_range.value.field == "value"
    assert inspection.findings.count() == Record.objects.count() == 0


def test_photo_is_kept_as_a_resized_jpeg(
    inspection, inspector_a, schemes, staff_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    photo = photo_prepare(SimpleUploadedFile("p.png", image_bytes("PNG", mode="RGBA")))

    finding = late(inspection, inspector_a, staff_a, photo=photo)

    with Image.open(finding.photo.open("rb")) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == MAX_SIDE
    assert finding.photo.name.startswith("private/inspections/")


@pytest.mark.parametrize(
    "data",
    [b"not an image", image_bytes("GIF", size=(10, 10), mode="P"), image_bytes("PNG")[:200]],
    ids=["text", "gif", "truncated png"],
)
def test_photo_that_is_not_a_jpeg_or_png_is_refused(data):
    with pytest.raises(PhotoInvalid):
        photo_prepare(SimpleUploadedFile("p.jpg", data))


def test_photo_over_the_size_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(PhotoInvalid, match="最大只能 1.0.KB"):
        photo_prepare(SimpleUploadedFile("p.jpg", image_bytes("JPEG", size=(800, 800))))


# ---------------------------------------------------------------- co-sign and dispute


def test_head_of_the_unit_cosigns_and_closes_the_inspection(
    inspection, inspector_a, head_a, schemes, staff_a
):
    late(inspection, inspector_a, staff_a)

    inspection = inspection_cosign(inspection=inspection, actor=head_a.user)

    assert inspection.status == Inspection.Status.COSIGNED
    assert inspection.cosigned_by == head_a.user
    with pytest.raises(InspectionError):
        late(inspection, inspector_a, staff_a)


def test_dispute_is_kept_and_marks_the_cosigned_inspection(
    inspection, inspector_a, head_a, schemes, staff_a
):
    finding = late(inspection, inspector_a, staff_a)
    with pytest.raises(InspectionError):
        finding_dispute(finding=finding, actor=head_a.user, comment="  ")

    finding_dispute(finding=finding, actor=head_a.user, comment="当天调休，未迟到")
    inspection = inspection_cosign(inspection=inspection, actor=head_a.user)

    finding.refresh_from_db()
    assert finding.dispute_comment == "当天调休，未迟到"
    assert finding.disputed_by == head_a.user
    assert inspection.status == Inspection.Status.DISPUTED
    assert AuditEntry.objects.filter(action="inspection.finding_disputed").exists()


def test_only_a_head_above_the_unit_other_than_the_inspector_may_cosign(
    inspection, inspector_a, head_b, org
):
    with pytest.raises(InspectionError):
        inspection_cosign(inspection=inspection, actor=head_b.user)
    with pytest.raises(InspectionError):
        inspection_cosign(inspection=inspection, actor=inspector_a)
    company_head = UserFactory(username="ceo")
    from tests.factories import StaffFactory

    ceo = StaffFactory(unit=org.company, position=org.position, user=company_head)
    org.company.head = ceo
    org.company.save()
    assert inspection_cosign(inspection=inspection, actor=company_head).is_open is False


# ---------------------------------------------------------------- item catalog


def test_catalog_groups_items_and_infers_the_kinds(schemes, staff_a):
    catalog = item_catalog(person=staff_a)

    assert catalog.option("PATROL-LATE").kinds == [Record.Kind.WARNING, Record.Kind.DEDUCTION]
    assert catalog.option("CLEAN-01").kinds == [Record.Kind.DEDUCTION]
    assert catalog.option("TEAM").kinds == [Record.Kind.BONUS]
    assert catalog.option("ATT-02").points_range == (Decimal(2), Decimal(5))
    assert catalog.option("free_card_signups") is None  # metrics go through the grid
    labels = [group.label for group in catalog.groups]
    assert "客服部每周服务之星 · 日巡场记录" in labels
    assert [o.code for g in catalog.matching("迟到").groups for o in g.options] == ["PATROL-LATE"]


# ---------------------------------------------------------------- grid


def test_grid_save_is_all_or_nothing(schemes, staff_a, colleague_a, hr):
    stars = next(s for s in active_schemes() if s.scheme.code == "property-weekly-stars")
    assert "metric:free_card_signups" in {c.value for c in grid_codes(stars)}
    day = timezone.localdate()
    people = {staff_a.pk: staff_a, colleague_a.pk: colleague_a}

    def drafts(second):
        return {
            staff_a.pk: RecordDraft(
                staff_a.pk, day, Record.Kind.METRIC, "free_card_signups", Decimal(4)
            ),
            colleague_a.pk: RecordDraft(
                colleague_a.pk, day, Record.Kind.METRIC, second, Decimal(2)
            ),
        }

    problems = records_grid_save(drafts=drafts("nope"), people=people, schemes=[stars], actor=hr)
    assert list(problems) == [colleague_a.pk]
    assert Record.objects.count() == 0

    assert (
        records_grid_save(
            drafts=drafts("free_card_signups"), people=people, schemes=[stars], actor=hr
        )
        == {}
    )
    assert Record.objects.filter(source=Record.Source.APP).count() == 2
