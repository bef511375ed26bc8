from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import Roles
from evaluations.ledger import RecordInvalid, record_version
from evaluations.models import Record, Scheme
from evaluations.selectors import active_schemes
from inspections.models import Inspection
from inspections.photos import PhotoInvalid, photo_prepare
from inspections.selectors import (
    ItemCatalog,
    grid_codes,
    item_catalog,
    supervised_people,
)
from scoring.engine.periods import PeriodKeyError, parse_period_key, period_for_date
from staff.forms import StaffImportForm
from staff.selectors import unit_supervised_list

VALUE_DIGITS = {"max_digits": 14, "decimal_places": 4}  # Record.value
REASON_MAX = 100  # simple_history keeps a change reason of at most 100 characters
NOTE_MAX = 2000
KIND_LABELS = {
    Record.Kind.WARNING: _("Warning"),
    Record.Kind.DEDUCTION: _("Deduction"),
    Record.Kind.BONUS: _("Commendation"),
}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_ledger_error(form: forms.Form, error: RecordInvalid, fallback: str | None = None) -> None:
    """Show the ledger's refusal next to the field it names (or ``fallback``, or on top). A
    conflict with someone else's change (the hidden ``version``) goes on top."""
    if error.field == "version":
        form.add_error(None, error.message)
        return
    field = error.field if error.field in form.fields else fallback
    form.add_error(field, error.message)


def _version_field() -> forms.IntegerField:
    """The record's version when the form was opened (optimistic locking): a change saved
    by someone else meanwhile makes the ledger refuse this one instead of overwriting it."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


def _reason_field(label) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=REASON_MAX, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )


class InspectionStartForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=date_input())
    unit = forms.ModelChoiceField(label=_("unit inspected"), queryset=None)
    type = forms.ChoiceField(label=_("type"), choices=Inspection.Type.choices)
    place = forms.CharField(label=_("place"), max_length=200, required=False)

    def __init__(self, *args, roles: Roles, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate(), "type": Inspection.Type.DAILY})
        super().__init__(*args, **kwargs)
        units = unit_supervised_list(roles=roles)
        self.fields["unit"].queryset = units
        if not self.is_bound and "unit" not in self.initial:
            self.initial["unit"] = units.values_list("pk", flat=True).first()


class FindingForm(forms.Form):
    """One finding: the person (chosen by search), the item from that person's schemes, what
    kind of finding, count or points, responsibility, note and photo."""

    staff = forms.ModelChoiceField(
        label=_("person"),
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose the person first."),
            "invalid_choice": _("Choose one of the people you supervise."),
        },
    )
    code = forms.ChoiceField(label=_("item"))
    kind = forms.ChoiceField(label=_("finding"), widget=forms.RadioSelect)
    value = forms.DecimalField(label=_("count"), required=False, min_value=0, **VALUE_DIGITS)
    responsibility = forms.ChoiceField(
        label=_("responsibility"),
        choices=Record.Responsibility.choices,
        initial=Record.Responsibility.STAFF,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photo = forms.FileField(
        label=_("photo"),
        required=False,
        help_text=_("JPEG or PNG; it is resized before it is kept."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )

    def __init__(self, *args, roles: Roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = supervised_people(roles=roles).select_related(
            "unit", "position"
        )
        self.person = self._person()
        self.catalog = item_catalog(person=self.person) if self.person else ItemCatalog([])
        self.fields["code"].choices = [("", _("— choose the item —")), *self.catalog.choices()]
        self.fields["code"].widget.attrs["class"] = "form-select form-select-lg"
        self.option = self.catalog.option(str(self._raw("code") or ""))
        kinds = self.option.kinds if self.option else list(KIND_LABELS)
        self.fields["kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        if not self.is_bound and self.initial.get("kind") not in kinds:
            self.initial["kind"] = kinds[0]
        value = self.fields["value"]
        if self.option and self.option.points_range:
            low, high = self.option.points_range
            value.label = _("points (%(low)s–%(high)s)") % {"low": low, "high": high}
            value.required = True
            value.widget.attrs.update({"min": low, "max": high, "step": "any"})
            if not self.is_bound:
                self.initial["value"] = None
        else:
            value.widget.attrs.update({"min": 0, "step": "any"})
            if not self.is_bound and not self.initial.get("value"):
                self.initial["value"] = 1

    def _raw(self, name: str):
        source = self.data if self.is_bound else self.initial
        return source.get(name)

    def _person(self):
        raw = self._raw("staff")
        if raw in (None, ""):
            return None
        try:
            return self.fields["staff"].clean(raw)
        except forms.ValidationError:
            return None

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            return photo_prepare(upload)
        except PhotoInvalid as exc:
            raise forms.ValidationError(exc.message) from None

    def finding_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "staff": data["staff"],
            "kind": data["kind"],
            "code": data["code"],
            "value": data["value"],
            "responsibility": data["responsibility"],
            "note": data["note"].strip(),
            "photo": data["photo"],
        }


class DisputeForm(forms.Form):
    comment = forms.CharField(
        label=_("what is wrong with this finding"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecordCorrectForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=date_input())
    kind = forms.ChoiceField(label=_("kind"), choices=Record.Kind.choices)
    code = forms.CharField(label=_("code"), max_length=100)
    value = forms.DecimalField(label=_("value"), required=False, **VALUE_DIGITS)
    responsibility = forms.ChoiceField(
        label=_("responsibility"), choices=Record.Responsibility.choices
    )
    note = forms.CharField(
        label=_("note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = _reason_field(_("reason for the correction"))
    version = _version_field()

    @classmethod
    def for_record(cls, record: Record, data=None) -> RecordCorrectForm:
        initial = {
            "version": record_version(record),
            "date": record.date,
            "kind": record.kind,
            "code": record.code,
            "value": None if record.value is None else record.value.normalize(),
            "responsibility": record.responsibility,
            "note": record.note,
        }
        return cls(data, initial=initial)


class RecordVoidForm(forms.Form):
    reason = _reason_field(_("reason for voiding"))
    version = _version_field()

    @classmethod
    def for_record(cls, record: Record, data=None) -> RecordVoidForm:
        return cls(data, initial={"version": record_version(record)})


class RecordFilterForm(forms.Form):
    """Filters of the records list; every field is optional."""

    STATUS_CHOICES = [("", _("all")), ("valid", _("valid")), ("voided", _("voided"))]

    scheme = forms.ModelChoiceField(label=_("scheme"), queryset=None, required=False)
    period = forms.CharField(
        label=_("period"), required=False, max_length=20, help_text=_("e.g. 2026-W47 or 2026-11")
    )
    date_from = forms.DateField(label=_("from"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("to"), required=False, widget=date_input())
    unit = forms.ModelChoiceField(label=_("unit"), queryset=None, required=False)
    person = forms.CharField(
        label=_("person"),
        required=False,
        max_length=100,
        help_text=_("employee number, name or pinyin initials"),
    )
    inspector = forms.CharField(label=_("inspector"), required=False, max_length=100)
    code = forms.CharField(label=_("item code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("kind"), required=False, choices=[("", _("all")), *Record.Kind.choices]
    )
    status = forms.ChoiceField(label=_("status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, roles: Roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = Scheme.objects.filter(
            archived=False, current_version__isnull=False
        )
        self.fields["unit"].queryset = unit_supervised_list(roles=roles)

    def clean(self):
        cleaned = super().clean()
        scheme, key = cleaned.get("scheme"), cleaned.get("period", "").strip()
        cleaned["bounds"] = None
        if key and scheme is None and "scheme" not in self.errors:
            self.add_error("period", _("Choose the scheme whose period this is."))
        elif key and scheme is not None:
            try:
                cleaned["bounds"] = parse_period_key(scheme.period, key)
            except PeriodKeyError:
                self.add_error(
                    "period",
                    _("%(key)s is not a period of %(scheme)s (%(example)s)")
                    % {
                        "key": key,
                        "scheme": scheme.name,
                        "example": period_for_date(scheme.period, timezone.localdate()).key,
                    },
                )
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end is before the start."))
        return cleaned


class GridSetupForm(forms.Form):
    """Which unit, scheme, period and code a grid enters values for."""

    unit = forms.ModelChoiceField(label=_("unit"), queryset=None)
    scheme = forms.ChoiceField(label=_("scheme"))
    period = forms.CharField(label=_("period"), max_length=20)
    code = forms.ChoiceField(label=_("what to enter"))

    def __init__(self, *args, roles: Roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.schemes = {str(s.scheme.pk): s for s in active_schemes()}
        self.fields["unit"].queryset = unit_supervised_list(roles=roles)
        self.fields["scheme"].choices = [("", "—")] + [
            (pk, s.scheme.name) for pk, s in self.schemes.items()
        ]
        chosen = self.schemes.get(str((self.data if self.is_bound else self.initial).get("scheme")))
        self.codes = {c.value: c for c in grid_codes(chosen)} if chosen else {}
        kinds = dict(Record.Kind.choices)
        self.fields["code"].choices = [("", "—")] + [
            (value, f"{kinds[c.kind]} · {c.name}（{c.code}）") for value, c in self.codes.items()
        ]
        if chosen is not None and not self.is_bound:
            self.initial.setdefault(
                "period", period_for_date(chosen.scheme.period, timezone.localdate()).key
            )

    def clean(self):
        cleaned = super().clean()
        scheme = self.schemes.get(cleaned.get("scheme", ""))
        cleaned["active_scheme"] = scheme
        cleaned["grid_code"] = self.codes.get(cleaned.get("code", ""))
        key = cleaned.get("period", "").strip()
        if scheme is None or not key:
            return cleaned
        try:
            bounds = parse_period_key(scheme.scheme.period, key)
        except PeriodKeyError:
            self.add_error(
                "period",
                _("%(key)s is not a period of %(scheme)s (%(example)s)")
                % {
                    "key": key,
                    "scheme": scheme.scheme.name,
                    "example": period_for_date(scheme.scheme.period, timezone.localdate()).key,
                },
            )
            return cleaned
        if bounds.start > timezone.localdate():
            self.add_error("period", _("This period has not started yet."))
        cleaned["bounds"] = bounds
        return cleaned

    @property
    def record_date(self):
        """A grid value is dated the period's last day, or today while the period runs."""
        return min(self.cleaned_data["bounds"].end, timezone.localdate())


class GridValuesForm(forms.Form):
    """One optional value per person of the grid; empty cells write nothing."""

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        for person in people:
            self.fields[self.field_name(person.pk)] = forms.DecimalField(
                label=person.name,
                required=False,
                **VALUE_DIGITS,
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )

    @staticmethod
    def field_name(staff_id: int) -> str:
        return f"value_{staff_id}"

    def values(self) -> dict[int, Decimal]:
        return {
            int(name.removeprefix("value_")): value
            for name, value in self.cleaned_data.items()
            if value is not None
        }


class RecordsImportForm(StaffImportForm):
    file = forms.FileField(
        label=_("records workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
