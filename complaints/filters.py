import django_filters
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, ThrottleDecision
from staff.models import Unit
from starservice.filters import BootstrapFilterSet


class ComplaintFilter(BootstrapFilterSet):
    status = django_filters.ChoiceFilter(
        choices=Complaint.Status.choices, label=_("status"), empty_label=_("Any status")
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("Overdue only"))],
        method="only_overdue",
        label=_("deadline"),
        empty_label=_("Any deadline"),
    )
    channel = django_filters.ChoiceFilter(
        choices=Complaint.Channel.choices, label=_("channel"), empty_label=_("Any channel")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        method="in_unit_subtree",
        label=_("unit"),
        empty_label=_("All units"),
    )

    class Meta:
        model = Complaint
        fields = ["status", "overdue", "channel", "unit"]

    def only_overdue(self, queryset, name, value):
        return queryset.filter(overdue=True)

    def in_unit_subtree(self, queryset, name, value: Unit):
        return queryset.filter(value.subtree_q(prefix="staff__unit__"))


class ThrottleDecisionFilter(BootstrapFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=ThrottleDecision.Kind.choices, label=_("kind"), empty_label=_("Any kind")
    )
    outcome = django_filters.ChoiceFilter(
        choices=ThrottleDecision.Outcome.choices,
        label=_("outcome"),
        empty_label=_("Any outcome"),
    )

    class Meta:
        model = ThrottleDecision
        fields = ["kind", "outcome"]
