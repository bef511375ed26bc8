"""The baseline page: same middleware, login and base template as the app's pages, a
50-row table from one query."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from staff.models import Staff


@login_required
def bare(request):
    rows = list(
        Staff.objects.order_by("employee_no").values_list(
            "employee_no", "name", "unit__path", "position__name", "hire_date"
        )[:50]
    )
    return render(request, "bench/bare.html", {"rows": rows})
