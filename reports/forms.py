from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.engine.periods import MONTHLY, PeriodKeyError, parse_period_key, period_for_date

PERIOD_HELP = gettext_lazy(
    "weekly 2026-W47, monthly 2026-11, quarterly 2026-Q4, half-yearly 2026-H2, yearly 2026"
)


def _scheme_choices(schemes) -> list[tuple[str, str]]:
    return [(a.scheme.code, a.scheme.name) for a in schemes]


class PeriodReportForm(forms.Form):
    """One scheme's period report, downloaded at once (GET)."""

    scheme = forms.ChoiceField(label=gettext_lazy("Scheme"))
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=16,
        required=False,
    )

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.schemes = {a.scheme.code: a for a in schemes}
        self.fields["scheme"].choices = _scheme_choices(schemes)
        self.fields["period"].help_text = _("Empty: the current period. Keys: %(keys)s") % {
            "keys": PERIOD_HELP
        }

    def clean(self):
        data = super().clean()
        active = self.schemes.get(data.get("scheme"))
        if active is None:
            return data
        key = (data.get("period") or "").strip()
        try:
            data["bounds"] = (
                parse_period_key(active.scheme.period, key)
                if key
                else period_for_date(active.scheme.period, timezone.localdate())
            )
        except PeriodKeyError as exc:
            self.add_error("period", str(exc))
        data["active"] = active
        return data


class PeriodsExportForm(forms.Form):
    """Several schemes' period reports for one period key, built in the background."""

    schemes = forms.MultipleChoiceField(
        label=gettext_lazy("Schemes"), widget=forms.CheckboxSelectMultiple
    )
    period = forms.CharField(label=gettext_lazy("Period"), max_length=16, help_text=PERIOD_HELP)

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.by_code = {a.scheme.code: a for a in schemes}
        self.fields["schemes"].choices = _scheme_choices(schemes)

    def clean(self):
        data = super().clean()
        key = (data.get("period") or "").strip()
        chosen = [self.by_code[code] for code in data.get("schemes", ())]
        if not key or not chosen:
            return data
        for active in chosen:
            try:
                data["period"] = parse_period_key(active.scheme.period, key).key
            except PeriodKeyError:
                self.add_error(
                    "period",
                    _("%(key)s is not a period of %(scheme)s (a %(kind)s scheme)")
                    % {
                        "key": key,
                        "scheme": active.scheme.name,
                        "kind": active.scheme.get_period_display(),
                    },
                )
        data["chosen"] = chosen
        return data


class BundleForm(forms.Form):
    """The monthly HR bundle, built in the background."""

    month = forms.CharField(
        label=gettext_lazy("Month"), max_length=7, help_text=gettext_lazy("e.g. 2026-11")
    )

    def clean_month(self):
        try:
            return parse_period_key(MONTHLY, self.cleaned_data["month"]).key
        except PeriodKeyError as exc:
            raise forms.ValidationError(str(exc)) from None
