from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry
from audit.selectors import action_choices, action_q, target_type_choices
from starservice.filters import BootstrapFilterSet


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilter(BootstrapFilterSet):
    """HR's search over the audit log: who, what, on which object, when, and free text."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("summary or reason"), "type": "search"}),
    )
    actor = django_filters.CharFilter(
        method="by_actor",
        label=_("actor"),
        widget=forms.TextInput(attrs={"placeholder": _("login or name")}),
    )
    action = django_filters.ChoiceFilter(
        choices=action_choices, method="by_action", label=_("action"), empty_label=_("Any action")
    )
    target_type = django_filters.ChoiceFilter(
        choices=target_type_choices, label=_("target type"), empty_label=_("Any target")
    )
    target_id = django_filters.CharFilter(
        label=_("target"), widget=forms.TextInput(attrs={"placeholder": _("id")})
    )
    date_from = django_filters.DateFilter(
        method="since", label=_("from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        method="until", label=_("to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEntry
        fields = ["q", "actor", "action", "target_type", "target_id", "date_from", "date_to"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(summary__icontains=value) | Q(reason__icontains=value))

    def by_actor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor__username__icontains=value) | Q(actor__staff__name__icontains=value)
        )

    def by_action(self, queryset, name, value):
        return queryset.filter(action_q(value)) if value else queryset

    def since(self, queryset, name, value):
        return queryset.filter(at__gte=_start_of(value))

    def until(self, queryset, name, value):
        return queryset.filter(at__lt=_start_of(value + timedelta(days=1)))
