from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.roles import STAFF, roles_for
from staff.selectors import staff_supervised_count


@login_required
def home(request):
    """Landing page: one card per thing the user's roles allow."""
    roles = roles_for(request.user)
    if roles.names == {STAFF}:  # staff only: they land on their standing
        return redirect("dashboards:me")
    supervised = roles.sees_everyone or bool(roles.supervised_unit_paths)
    context = {
        "supervised_count": staff_supervised_count(roles=roles) if supervised else None,
        "has_no_role": not (supervised or roles.staff_id),
    }
    return render(request, "accounts/home.html", context)
