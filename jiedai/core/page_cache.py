"""Read pages served again from the cache while nothing has changed: the same bytes the view would render.

A page is stored under a key of everything its bytes depend on: the user, the full path and query, the language,
the htmx headers (a partial is not the page), the user's CSRF secret (the page's forms carry a token for it),
today's date, and the change stamp (core.change_stamp), which moves with every write to the data. So a page is
served from the cache only to the user it was rendered for and only while no data has changed since: a request
decided, a plan edited, a person moved to another department, a setting changed — each moves the stamp, and the
next read renders afresh. What the stamp cannot see is the clock: relative times ("5 分钟前") may lag by up to
PAGE_CACHE_SECONDS (default 60), which is also how long an entry lives.

Only what is safe to replay is stored: a 200 answer to a GET with no cookies of its own and no flash messages.
The CSP nonce is never replayed: each answer gets a fresh one in the page and in its header.
"""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language
from ninja.responses import NinjaJSONEncoder

from jiedai.core import change_stamp

NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"  # NUL never appears in a rendered page (inputs with NUL are refused)
# "hit" (replayed) or "miss" (rendered and stored) on the pages the cache serves: the hit rate, read off an access
# log, tells whether the stamp moves too often for the company's pace of work.
STATUS_HEADER = "X-Page-Cache"


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0) or 0)


def _has_pending_messages(request) -> bool:
    if request.COOKIES.get(CookieStorage.cookie_name):
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SessionStorage.session_key))


def _key(request, user, stamp: int) -> str:
    htmx = sorted((name, value) for name, value in request.META.items() if name.startswith("HTTP_HX_"))
    parts = (
        request.get_full_path(),
        user.pk,
        get_language(),
        htmx,
        request.META.get("CSRF_COOKIE", ""),
        timezone.localdate().isoformat(),
        stamp,
    )
    return "page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _tiers() -> list:
    """This process's memory first, then the shared cache if there is one (CACHE_URL): a key names one page's
    bytes for ever (the stamp is in it), so two tiers can never disagree."""
    tiers = [caches["pages"]]
    if not isinstance(caches["default"], LocMemCache):
        tiers.append(caches["default"])
    return tiers


def _lookup(key: str):
    local, *shared = _tiers()
    entry = local.get(key)
    if entry is None and shared:
        entry = shared[0].get(key)
        if entry is not None:
            local.set(key, entry, _seconds())
    return entry


def _replay(request, entry) -> HttpResponse:
    status, headers, body = entry
    if NONCE_PLACEHOLDER in body:
        body = body.replace(NONCE_PLACEHOLDER, str(request._csp_nonce).encode())  # generated now: a new one
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    if "CSRF_COOKIE" in request.META:
        get_token(request)  # as rendering {% csrf_token %} would: the middleware keeps the cookie fresh
    return response


def _storable(request, response, csrf_secret: str) -> tuple | None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    if request.META.get("CSRF_COOKIE", "") != csrf_secret:
        return None  # the page was given a new CSRF secret: its forms are for a cookie the key does not name
    if getattr(request, "_messages", None) is not None and request._messages._queued_messages:
        return None
    body = response.content
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:  # the page used it
        body = body.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
    return response.status_code, list(response.items()), body


def serve(request, render, *, user=None):
    """`render()`'s answer, or the same bytes from the cache when nothing has changed since it was rendered for
    this user. `user` defaults to request.user (the API passes the token's user)."""
    user = user or request.user
    seconds = _seconds()
    if not seconds or request.method != "GET" or not user.is_authenticated or _has_pending_messages(request):
        return render()
    csrf_secret = request.META.get("CSRF_COOKIE", "")
    key = _key(request, user, change_stamp.current())
    entry = _lookup(key)
    if entry is not None:
        response = _replay(request, entry)
        response[STATUS_HEADER] = "hit"
        return response
    response = render()
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()  # a TemplateResponse: its bytes are what is stored
    entry = _storable(request, response, csrf_secret)
    if entry is not None:
        for tier in _tiers():
            tier.set(key, entry, seconds)
        response[STATUS_HEADER] = "miss"
    return response


def cached_page(view):
    """A read view's decorator (inside the login and method checks: the page is rendered for the user, so a hit
    needs no access check of its own — any change to who may see what moves the stamp)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return serve(request, lambda: view(request, *args, **kwargs))

    return wrapper


def serve_api(request, schema, compute):
    """The same for a JSON endpoint of django-ninja: `compute()`'s result checked against `schema` (as ninja checks
    a response) and rendered as ninja's JSON renderer would, or those bytes again from the cache."""

    def render():
        data = schema.model_validate(compute()).model_dump()
        return HttpResponse(
            json.dumps(data, cls=NinjaJSONEncoder), content_type=f"application/json; charset={settings.DEFAULT_CHARSET}"
        )

    return serve(request, render, user=request.auth)
