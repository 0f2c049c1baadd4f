"""The client's itinerary behind an unguessable, revocable link (no login), its calendar file, creating and
revoking those links (listed on the materials page, 分享与导出), and each staff member's own calendar
(policy 3.1.1, 3.2.1).

The public page shows the day-by-day schedule and our contact people only: no internal notes, material, costs or
other staffing. It is not indexed, sends no referrer (the token is in the URL) and is never cached."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.web import client_ip, domain_errors
from jiedai.planning.access import get_reception_with_plan
from jiedai.planning.calendars import CONTENT_TYPE, client_calendar, staff_calendar
from jiedai.planning.services.links import link_create, link_revoke, plan_for_token, public_itinerary

PUBLIC_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _language(request) -> str:
    """?lang=en (or zh-hans, zh-hant) chooses; otherwise what the browser asks for (LocaleMiddleware)."""
    asked = request.GET.get("lang", "")
    if asked in PUBLIC_LANGUAGES:
        return asked
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in PUBLIC_LANGUAGES else settings.LANGUAGE_CODE


def _public_headers(response, language: str):
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = language
    add_never_cache_headers(response)  # a revoked link must not live on in a cache
    return response


def _plan_or_404(token: str):
    plan = plan_for_token(token)
    if plan is None:
        raise Http404(_("该行程链接无效或已作废。"))
    return plan


@require_GET
def public_itinerary_view(request, token):
    plan = _plan_or_404(token)
    language = _language(request)
    with translation.override(language):
        itinerary = public_itinerary(plan)
        response = render(
            request,
            "planning/public_itinerary.html",
            {
                "itinerary": itinerary,
                "reception": itinerary.reception,
                "token": token,
                "language": language,
                "languages": [
                    (code, name, f"?lang={code}") for code, name in settings.LANGUAGES if code in PUBLIC_LANGUAGES
                ],
                "ics_url": reverse("planning:public_itinerary_ics", args=[token]) + f"?lang={language}",
            },
        )
    return _public_headers(response, language)


@require_GET
def public_itinerary_ics_view(request, token):
    plan = _plan_or_404(token)
    language = _language(request)
    with translation.override(language):
        itinerary = public_itinerary(plan)
        body = client_calendar(plan, itinerary.items)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="itinerary.ics"'
    return _public_headers(response, language)


def link_urls(request, links) -> list:
    """The absolute address of each link, as the editors copy it for the client."""
    for link in links:
        link.url = request.build_absolute_uri(reverse("planning:public_itinerary", args=[link.token]))
    return links


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="planning:materials")
def links_view(request, pk):
    """POST: a new client link. GET: the links live on the materials page (分享与导出)."""
    if request.method == "POST":
        link_create(reception_id=pk, by=request.user, ip=client_ip(request))
        messages.success(request, _("已生成客户行程链接，请复制后发给客户。"))
    else:
        get_reception_with_plan(request.user, pk)  # outsiders: 404 here too
    return redirect(reverse("planning:materials", args=[pk]) + "#share")


@login_required
@require_POST
@domain_errors(back="planning:materials")
def link_revoke_view(request, pk, link_id):
    link_revoke(reception_id=pk, link_id=link_id, by=request.user, ip=client_ip(request))
    messages.success(request, _("链接已作废，客户将无法再打开。"))
    return redirect(reverse("planning:materials", args=[pk]) + "#share")


@login_required
@require_GET
def my_calendar_view(request):
    """The logged-in person's own duties on the plans they may read, as an .ics file."""
    response = HttpResponse(staff_calendar(request.user), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="my-receptions.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
