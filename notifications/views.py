"""The notification centre: the list, marking read, and the e-mail opt-out."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from notifications.forms import PreferenceForm
from notifications.selectors import email_enabled_for, notifications_for
from notifications.services import (
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
)

PAGE_SIZE = 30


@login_required
def notification_list_view(request):
    notifications = notifications_for(user=request.user)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read_view(request, pk: int):
    """Mark one notification read; with ``open`` set, go on to the page it links to."""
    notification = get_object_or_404(notifications_for(user=request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    link = notification.url
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(link)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all_view(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("%(n)s notification marked read.", "%(n)s notifications marked read.", count)
        % {"n": count},
    )
    return redirect("notifications:list")


@login_required
def preferences_view(request):
    initial = {"email_enabled": email_enabled_for(user=request.user)}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notification_preference_set(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preference was saved."))
        return redirect("notifications:list")
    return render(request, "notifications/preferences.html", {"form": form})
