import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import roles_for
from staff.models import Position, Staff, Unit
from staff.selectors import staff_search_q, unit_supervised_list
from starservice.filters import BootstrapFilterSet


def _units_for(request):
    return unit_supervised_list(roles=roles_for(request.user))


class StaffFilter(BootstrapFilterSet):
    """Search and filters of the staff list; pass ``request`` so units are scoped by role."""

    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"placeholder": _("employee number, name or pinyin initials"), "type": "search"}
        ),
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=_units_for,
        method="in_unit_subtree",
        label=_("unit"),
        empty_label=_("All units"),
    )
    position = django_filters.ModelChoiceFilter(
        queryset=Position.objects.all(), label=_("position"), empty_label=_("All positions")
    )
    status = django_filters.ChoiceFilter(
        choices=Staff.Status.choices, label=_("status"), empty_label=_("Any status")
    )

    class Meta:
        model = Staff
        fields = ["q", "unit", "position", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(staff_search_q(value))

    def in_unit_subtree(self, queryset, name, value: Unit):
        return queryset.filter(value.subtree_q(prefix="unit__"))
