"""Forms of the complaint workflow (HR) and of the public pages. Every check names its field."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.selectors import assignable_users
from complaints.services import RATING_CODES
from staff.models import Staff

EARLIEST_DATE = date(2000, 1, 1)
PHONE = re.compile(r"\+?[\d\s()\-]+")
PHONE_DIGITS = (5, 20)
STAFF_OPTIONS_ID = "staff-options"
LEVEL_OPTIONS_ID = "level-options"
CONTENT_MAX = 2000
REASON_MAX = 1000
NOTE_MAX = 500


def _label(field_name: str):
    return Complaint._meta.get_field(field_name).verbose_name


def _text(*, max_length: int, rows: int = 3, required: bool = True, **kwargs) -> forms.CharField:
    return forms.CharField(
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def validate_contact(value: str) -> None:
    """A phone number (5–20 digits) or an e-mail address."""
    if PHONE.fullmatch(value):
        digits = sum(character.isdigit() for character in value)
        if PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            return
    else:
        try:
            validate_email(value)
            return
        except ValidationError:
            pass
    raise ValidationError(_("Enter a phone number or an e-mail address."), code="contact")


class StaffNumberField(forms.CharField):
    """A staff member picked by employee number (the text may go on with the name)."""

    default_error_messages = {
        "unknown": _("No staff member has the employee number %(number)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("help_text", _("Type the employee number or pick from the list."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"list": STAFF_OPTIONS_ID, "autocomplete": "off"})

    def clean(self, value) -> Staff | None:
        text = super().clean(value)
        if not text:
            return None
        number = text.split()[0]
        person = Staff.objects.select_related("unit", "position").filter(employee_no=number).first()
        if person is None:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"number": number}
            )
        return person


def _level_field() -> forms.CharField:
    field = forms.CharField(
        label=_label("level"),
        max_length=50,
        required=False,
        help_text=_("How far the complaint went: 网点, 分行, 总行, 媒体…"),
    )
    field.widget.attrs.update({"list": LEVEL_OPTIONS_ID, "autocomplete": "off"})
    return field


class ComplaintIntakeForm(forms.Form):
    """HR enters a complaint received by phone, letter, in person or from the suggestion book."""

    channel = forms.ChoiceField(label=_label("channel"), choices=Complaint.Channel.choices)
    received_on = forms.DateField(
        label=_label("received_on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    staff = StaffNumberField(label=_label("staff"), required=False)
    level = _level_field()
    content = _text(label=_label("content"), max_length=CONTENT_MAX, rows=4)
    complainant_name = forms.CharField(
        label=_label("complainant_name"), max_length=100, required=False
    )
    complainant_contact = forms.CharField(
        label=_label("complainant_contact"),
        max_length=100,
        required=False,
        validators=[validate_contact],
        help_text=_("Shown to HR only."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_received_on(self) -> date:
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        if day < EARLIEST_DATE:
            raise ValidationError(
                _("The date cannot be before %(date)s.") % {"date": EARLIEST_DATE.isoformat()}
            )
        return day


class StepForm(forms.Form):
    """A workflow step's form, bound to the complaint it acts on."""

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint


class AssignForm(StepForm):
    assignee = forms.ModelChoiceField(label=_label("assignee"), queryset=assignable_users())
    note = forms.CharField(label=_("note"), max_length=NOTE_MAX, required=False)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("initial", {"assignee": complaint.assignee_id})
        super().__init__(*args, complaint=complaint, **kwargs)
        self.fields["assignee"].label_from_instance = _user_label


def _user_label(user) -> str:
    person = getattr(user, "staff", None)
    return f"{user.get_username()} · {person.name}" if person else user.get_username()


class NoteForm(StepForm):
    """Starting the investigation or closing: an optional note."""

    note = forms.CharField(label=_("note"), max_length=NOTE_MAX, required=False)


class DecideForm(StepForm):
    """认定: 有责 (the staff member is at fault, the complaint counts) or 无责."""

    decision = forms.ChoiceField(
        label=_label("decision"), choices=Complaint.Decision.choices, widget=forms.RadioSelect
    )
    staff = StaffNumberField(label=_label("staff"), required=False)
    level = _level_field()
    reason = _text(label=_label("decision_reason"), max_length=REASON_MAX, rows=2)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("initial", _staff_initial(complaint))
        super().__init__(*args, complaint=complaint, **kwargs)

    def clean(self):
        cleaned = super().clean()
        at_fault = cleaned.get("decision") == Complaint.Decision.VALID
        if at_fault and "staff" in cleaned and not cleaned["staff"] and not self.complaint.staff_id:
            self.add_error("staff", _("Choose the staff member at fault."))
        return cleaned


class ReverseForm(StepForm):
    """Flip the decision; to 有责 it asks for the staff member at fault and the level."""

    staff = StaffNumberField(label=_label("staff"), required=False)
    level = _level_field()
    reason = _text(label=_("reason"), max_length=REASON_MAX, rows=2)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        kwargs.setdefault("initial", _staff_initial(complaint))
        super().__init__(*args, complaint=complaint, **kwargs)
        if complaint.decision == Complaint.Decision.VALID:
            del self.fields["staff"]
            del self.fields["level"]

    def clean(self):
        cleaned = super().clean()
        if "staff" in cleaned and not cleaned["staff"] and not self.complaint.staff_id:
            self.add_error("staff", _("Choose the staff member at fault."))
        return cleaned


def _staff_initial(complaint: Complaint) -> dict:
    return {
        "staff": complaint.staff.employee_no if complaint.staff_id else "",
        "level": complaint.level,
    }


class ResolveForm(StepForm):
    resolution = _text(label=_label("resolution"), max_length=CONTENT_MAX, rows=3)


class FollowUpForm(StepForm):
    result = forms.ChoiceField(
        label=_label("follow_up_result"),
        choices=Complaint.FollowUp.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_label("follow_up_note"), max_length=NOTE_MAX, required=False)


# ---------------------------------------------------------------- public pages


RATING_LABELS = {
    "satisfied": _("Satisfied"),
    "basic": _("Fairly satisfied"),
    "unsatisfied": _("Dissatisfied"),
}
RATING_CHOICES = [(value, RATING_LABELS[value]) for value in RATING_CODES]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the service?"),
        choices=RATING_CHOICES,
        error_messages={"required": _("Tap one of the three buttons.")},
    )
    comment = _text(label=_("Comment (optional)"), max_length=200, rows=2, required=False)


class PublicComplaintForm(forms.Form):
    content = _text(
        label=_("What happened?"),
        max_length=CONTENT_MAX,
        min_length=5,
        rows=5,
        help_text=_("When and where it happened, and what went wrong."),
    )
    staff_description = forms.CharField(
        label=_("Who served you? (optional)"),
        max_length=200,
        required=False,
        help_text=_("A window number, a name on a badge, or a description."),
    )
    complainant_name = forms.CharField(
        label=_("Your name (optional)"), max_length=100, required=False
    )
    complainant_contact = forms.CharField(
        label=_("Phone or e-mail (optional)"),
        max_length=100,
        required=False,
        validators=[validate_contact],
        help_text=_("Only the complaints office sees it, to tell you the outcome."),
    )

    def __init__(self, *args, about_known_staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if about_known_staff:
            del self.fields["staff_description"]
