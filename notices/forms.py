from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from evaluations.models import Record
from notices.models import NoticeSettings
from notices.selectors import ObjectionTargets
from notices.services import ATTACHMENT_KINDS

TEXT_MAX = 4000
RESULT = "result"
VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}  # Record.value


def record_label(record: Record) -> str:
    value = "" if record.value is None else f" × {record.value.normalize():f}"
    return f"{record.date:%Y-%m-%d} · {record.get_kind_display()} · {record.item_name}{value}" + (
        f" · {record.note}" if record.note else ""
    )


def _reply_field() -> forms.CharField:
    return forms.CharField(
        label=_("written reply to the staff member"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ObjectionForm(forms.Form):
    target = forms.ChoiceField(
        label=_("what you object to"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your result or one of your records.")},
    )
    text = forms.CharField(
        label=_("what is wrong, and why"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachment = forms.FileField(
        label=_("attachment (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ATTACHMENT_KINDS)}),
    )

    def __init__(self, *args, targets: ObjectionTargets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.fields["attachment"].help_text = _(
            "A PDF, a photo (JPEG or PNG), or a Word or Excel file; at most %(size)s."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        choices = []
        if targets.result is not None:
            choices.append(
                (
                    RESULT,
                    _("My result: rank %(rank)s, score %(score)s")
                    % {"rank": targets.result.rank, "score": targets.result.score},
                )
            )
        choices += [(str(record.pk), record_label(record)) for record in targets.records]
        self.fields["target"].choices = choices

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload and upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The attachment is %(size)s; the largest accepted is %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
                }
            )
        return upload or None

    def target_kwargs(self) -> dict:
        """``result=`` or ``record=`` for objection_create."""
        chosen = self.cleaned_data["target"]
        if chosen == RESULT:
            return {"result": self.targets.result}
        return {"record": next(r for r in self.targets.records if str(r.pk) == chosen)}


class UpholdForm(forms.Form):
    VOID, CORRECT, AS_IS = "void", "correct", "as_is"

    action = forms.ChoiceField(
        label=_("how the objection is upheld"),
        widget=forms.RadioSelect,
        choices=[
            (VOID, _("Void the record")),
            (CORRECT, _("Correct the record's value")),
            (AS_IS, _("No record change: close the period again with the records as they are")),
        ],
        initial=VOID,
        help_text=_(
            "Choose “no record change” after reopening the period and correcting its records "
            "yourself."
        ),
    )
    record = forms.ChoiceField(label=_("record"), required=False)
    value = forms.DecimalField(label=_("corrected value"), required=False, **VALUE_DIGITS)
    reply = _reply_field()

    def __init__(self, *args, records: list[Record], **kwargs):
        super().__init__(*args, **kwargs)
        self.records = records
        self.fields["record"].choices = [
            ("", _("— choose the record —")),
            *((str(record.pk), record_label(record)) for record in records),
        ]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (self.VOID, self.CORRECT) and not data.get("record"):
            self.add_error("record", _("Choose the record to void or correct."))
        if action == self.CORRECT and data.get("value") is None:
            self.add_error("value", _("Enter the corrected value."))
        return data

    def chosen_record(self) -> Record | None:
        chosen = self.cleaned_data.get("record")
        return next((r for r in self.records if str(r.pk) == chosen), None)


class RejectForm(forms.Form):
    reply = _reply_field()


class NoticeSettingsForm(forms.ModelForm):
    class Meta:
        model = NoticeSettings
        fields = ["auto_publish", "objection_days"]
