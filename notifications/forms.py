from django import forms
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("also send my notifications by e-mail"),
        required=False,
        help_text=_("In-app notifications are always kept here."),
    )
