"""Helpers for server-rendered views: one place that turns domain errors into pages, messages and redirects."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from jiedai.core.errors import DomainError, Forbidden, NotFound, ValidationFailed


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def client_ip(request) -> str | None:
    """The address the history rows record. Only REMOTE_ADDR: X-Forwarded-For is whatever the client says."""
    return request.META.get("REMOTE_ADDR") or None


def safe_next(request, fallback: str) -> str:
    """A same-site `next` from the form or query string, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def redirect_to(request, to, *args, **kwargs) -> HttpResponse:
    """A redirect that htmx follows as a full page load (HX-Redirect) instead of swapping the page into a div."""
    url = resolve_url(to, *args, **kwargs)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def describe(exc: DomainError, limit: int = 3) -> str:
    """The error's message and, for validation errors, its first few field messages (for a flash message)."""
    details = [str(m) for messages_ in exc.errors.values() for m in messages_][:limit]
    return " ".join([str(exc.message), *details]) if details else str(exc.message)


def domain_errors(back: str | Callable | None = None):
    """Map DomainError raised by a view: NotFound → 404, Forbidden → 403; ConflictError and any other rule that
    forbids the action (a ValidationFailed the view did not handle itself) → a flash message and a redirect to
    `back` (a URL name reversed with the view's kwargs, or a callable(request, **kwargs) returning a URL)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                level = messages.WARNING if isinstance(exc, ValidationFailed) else messages.ERROR
                messages.add_message(request, level, describe(exc))
                return redirect_to(request, _back_url(request, back, args, kwargs))

        return wrapper

    return decorator


def _back_url(request, back, args, kwargs) -> str:
    if callable(back):
        try:
            return back(request, *args, **kwargs)
        except DomainError:
            return resolve_url("home")
    if back:
        return resolve_url(back, *args, **kwargs)
    return safe_next(request, resolve_url("home"))


def add_domain_errors(form, exc: ValidationFailed, field_map: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Put a ValidationFailed's per-field messages on a Django form. Keys the form has become field errors;
    `field_map` renames keys first; the rest are returned (e.g. "clients.0.name" for the client rows) and, if no
    field took them, shown as the form's non-field errors."""
    rest: dict[str, list[str]] = {}
    field_map = field_map or {}
    for key, messages_ in (exc.errors or {}).items():
        name = field_map.get(key, key)
        if name in form.fields:
            for message in messages_:
                form.add_error(name, str(message))
        else:
            rest.setdefault(key, []).extend(str(m) for m in messages_)
    if not exc.errors:
        form.add_error(None, str(exc.message))
    return rest
