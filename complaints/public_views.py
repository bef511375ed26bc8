"""The public pages: rating a staff member through their QR code, and filing a complaint. No
login; Chinese unless the visitor chose another language; nothing shown back but the rated
person's name and position."""

from functools import wraps

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from complaints.forms import PublicComplaintForm, RatingForm
from complaints.models import RatingLink, ThrottleDecision
from complaints.selectors import rating_link_by_token
from complaints.services import complaint_submit_public, rating_submit
from complaints.throttle import client_for, device_cookie_ensure

TOO_MANY_REQUESTS = 429
TOKEN_PARAMETER = "t"


def public_page(view):
    """Chinese by default (a phone's Accept-Language is not a choice); a visitor who picked a
    language with the switcher keeps it. Every response carries the device cookie."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        known = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = view(request, *args, **kwargs)
        device_cookie_ensure(request, response)
        return response

    return wrapper


def _link(token: str) -> RatingLink | None:
    try:
        return rating_link_by_token(token=token)
    except RatingLink.DoesNotExist:
        return None


def _invalid_link(request):
    return render(request, "complaints/public_invalid_link.html", status=404)


def _done(
    request,
    *,
    title: str,
    text: str,
    ok: bool = True,
    status: int = 200,
    link: RatingLink | None = None,
):
    context = {"title": title, "text": text, "link": link, "ok": ok}
    return render(request, "complaints/public_done.html", context, status=status)


@public_page
def rate_view(request, token: str):
    link = _link(token)
    if link is None:
        return _invalid_link(request)
    form = RatingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        decision = rating_submit(
            link=link,
            code=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            client=client_for(request),
        )
        if decision.outcome == ThrottleDecision.Outcome.ACCEPTED:
            return redirect("complaints:rate_thanks", token=token)
        if decision.outcome == ThrottleDecision.Outcome.THROTTLED:
            return _done(
                request,
                title=_("You have already rated"),
                text=_("Thank you. A recent rating from this phone has already been counted."),
                ok=False,
                status=TOO_MANY_REQUESTS,
                link=link,
            )
        return _done(
            request,
            title=_("Your rating could not be recorded"),
            text=_("Ratings are closed for the moment. Please try again later."),
            ok=False,
            link=link,
        )
    return render(request, "complaints/public_rate.html", {"form": form, "link": link})


@public_page
def rate_thanks_view(request, token: str):
    link = _link(token)
    if link is None:
        return _invalid_link(request)
    return _done(
        request,
        title=_("Thank you for your rating"),
        text=_("Your rating helps us serve you better."),
        link=link,
    )


@public_page
def complaint_public_view(request):
    token = request.POST.get(TOKEN_PARAMETER) or request.GET.get(TOKEN_PARAMETER) or ""
    link = _link(token) if token else None
    form = PublicComplaintForm(
        request.POST if request.method == "POST" else None, about_known_staff=link is not None
    )
    if request.method == "POST" and form.is_valid():
        decision = complaint_submit_public(
            client=client_for(request), link=link, **form.cleaned_data
        )
        if decision.outcome == ThrottleDecision.Outcome.THROTTLED:
            return _done(
                request,
                title=_("Too many complaints from this phone"),
                text=_("Please try again later, or call us."),
                ok=False,
                status=TOO_MANY_REQUESTS,
            )
        return redirect("complaints:public_thanks")
    return render(request, "complaints/public_complaint.html", {"form": form, "link": link})


@public_page
def complaint_public_thanks_view(request):
    return _done(
        request,
        title=_("Your complaint was received"),
        text=_(
            "We will look into it. If you left a phone number or e-mail, we will tell you "
            "the outcome."
        ),
    )
