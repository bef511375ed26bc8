"""Login throttling that is ours rather than django-axes': the backend, the client label axes
logs, and the lockout page."""

from __future__ import annotations

import hashlib

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins made through a page.

    Django's login form always passes the request; ``authenticate()`` without one (the test
    client's ``login()``, scripts) has no client to count failures for, so it is left to the
    next backend instead of failing with AxesBackendRequestParameterRequired."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def axes_client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in the log: keyed hashes, never the username or address."""

    def digest(value) -> str:
        if not value:
            return "-"
        key = settings.SECRET_KEY.encode()
        return hashlib.blake2b(str(value).encode(), key=key[:64], digest_size=6).hexdigest()

    return f"{{user: {digest(username)}, address: {digest(ip_address)}, path: {path_info}}}"


def login_locked_out(request, original_response=None, credentials=None):
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): 429, in the user's language."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
