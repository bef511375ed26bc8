from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from staff.models import Position, Staff, Unit
from staff.services import certificates_from_text
from starservice.workbooks import upload_too_large

# The uploaded workbook waits in the session between preview and confirm; keep that small.
IMPORT_KEEP_MAX_BYTES = 2 * 1024 * 1024
XLSX_SUFFIX = ".xlsx"


def _label(field_name: str):
    return Staff._meta.get_field(field_name).verbose_name


class StaffForm(forms.Form):
    """Create or edit a person; ``person`` is the one being edited (for the uniqueness check)."""

    employee_no = forms.CharField(label=_label("employee_no"), max_length=50)
    name = forms.CharField(label=_label("name"), max_length=100)
    unit = forms.ModelChoiceField(label=_label("unit"), queryset=Unit.objects.all())
    position = forms.ModelChoiceField(label=_label("position"), queryset=Position.objects.all())
    hire_date = forms.DateField(
        label=_label("hire_date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    certificates = forms.CharField(
        label=_label("certificates"),
        required=False,
        help_text=_("Separate certificate names with ;"),
    )

    def __init__(self, *args, person: Staff | None = None, **kwargs):
        if person is not None:
            kwargs["initial"] = {
                "employee_no": person.employee_no,
                "name": person.name,
                "unit": person.unit_id,
                "position": person.position_id,
                "hire_date": person.hire_date,
                "certificates": ";".join(c.name for c in person.certificates.all()),
            }
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_employee_no(self) -> str:
        employee_no = self.cleaned_data["employee_no"].strip()
        others = Staff.objects.filter(employee_no=employee_no)
        if self.person is not None:
            others = others.exclude(pk=self.person.pk)
        if others.exists():
            raise forms.ValidationError(_("Another person already has this employee number."))
        return employee_no

    def clean_certificates(self) -> list[str]:
        return certificates_from_text(self.cleaned_data["certificates"])


class StaffLeaveForm(forms.Form):
    left_date = forms.DateField(
        label=_label("left_date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Without a date the person is left out of every period not yet closed."),
    )
    reason = forms.CharField(
        label=_("reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        validators=[get_user_model().username_validator],
    )
    password = forms.CharField(
        label=_("initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Tell the person this password; they can change it after logging in."),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            user = get_user_model()(username=cleaned.get("username", ""))
            try:
                password_validation.validate_password(cleaned["password"], user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("staff workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_SUFFIX}),
    )

    @staticmethod
    def max_bytes() -> int:
        return min(settings.UPLOAD_MAX_BYTES, IMPORT_KEEP_MAX_BYTES)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(XLSX_SUFFIX):
            raise forms.ValidationError(_("Only .xlsx workbooks can be imported."))
        if upload_too_large(upload.size) or upload.size > IMPORT_KEEP_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest accepted is %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(self.max_bytes())}
            )
        return upload
