"""A per-IP limit on public verification, counted in the shared cache (fixed one-period windows).

The rate is the API's "verify" throttle rate in settings (e.g. "60/min"), so the page, its JSON
variant and the API endpoint share one number and one counter.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from accounts.request_context import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def verify_rate() -> tuple[int, int]:
    rates: dict[str, str] = dict(getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {}))
    rate = rates.get("verify") or "60/min"
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period[0].lower()]


def verify_allowed(request: HttpRequest) -> bool:
    """Count this request; False once the IP has used up its allowance for the current period."""
    limit, seconds = verify_rate()
    window = int(time.time() // seconds)
    key = f"certificates:verify:{client_ip(request) or 'unknown'}:{window}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 5)
        used = 1
    return used <= limit


def retry_after() -> int:
    _, seconds = verify_rate()
    return seconds - int(time.time()) % seconds
