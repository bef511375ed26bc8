"""Throttling the public forms: counters in Django's cache (Redis when REDIS_URL is set) per
device cookie and per client address, both kept only as hashes keyed with SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "starservice_device"
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
DEVICE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class Client:
    """Who submitted a public form, as far as throttling needs to know."""

    address_hash: str
    device_hash: str


def keyed_hash(kind: str, value: str) -> str:
    message = f"{kind}:{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def client_address(request) -> str:
    header = settings.PUBLIC_CLIENT_ADDRESS_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def device_id(request) -> str | None:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if DEVICE_PATTERN.fullmatch(value) else None


def client_for(request) -> Client:
    """A browser without the device cookie counts as one device per address."""
    address = client_address(request)
    device = device_id(request) or f"address:{address}"
    return Client(keyed_hash("address", address), keyed_hash("device", device))


def device_cookie_ensure(request, response) -> None:
    if device_id(request) is None:
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


def throttle_allows(
    *, scope: str, client: Client, per_device: int, per_address: int, seconds: int
) -> bool:
    """Count one submission; False when its device or its address is over the limit within
    ``seconds`` of its first counted submission. With the cache down nothing is throttled."""
    try:
        if not _count(f"throttle:{scope}:device:{client.device_hash}", per_device, seconds):
            return False
        return _count(f"throttle:{scope}:address:{client.address_hash}", per_address, seconds)
    except RedisError as exc:
        logger.warning("throttle cache unavailable (%s); submission accepted", exc)
        return True


def _count(key: str, limit: int, seconds: int) -> bool:
    """Fixed window from the first counted submission. The window's start is kept in the value
    and judged by the app's clock, so it means the same on local memory and on Redis; the TTL
    only cleans up. Read-then-write may let a simultaneous duplicate through, which is fine
    for an abuse throttle."""
    now = timezone.now().timestamp()
    entry = cache.get(key)
    if entry is None or now - entry[0] >= seconds:
        start, count = now, 1
    else:
        start, count = entry[0], entry[1] + 1
    cache.set(key, (start, count), timeout=max(1, int(seconds - (now - start)) + 1))
    return count <= limit
