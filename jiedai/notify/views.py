"""The inbox page. Thin: parse, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiedai.notify.selectors import get_notification_for_user, notifications_for, unread_count
from jiedai.notify.services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 25


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back_to_inbox(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notify:inbox")


@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    paginator = Paginator(notifications_for(request.user, unread_only=unread_only), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {
            "page_obj": page,
            "notifications": list(page.object_list),
            "unread_only": unread_only,
            "unread_total": unread_count(request.user),
        },
    )


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification's link; opening it is reading it."""
    notification = get_notification_for_user(request.user, pk)
    notification_mark_read(user=request.user, notification_id=notification.pk)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notify:inbox")


@login_required
@require_POST
def notification_read(request, pk: int):
    notification_mark_read(user=request.user, notification_id=pk)
    if _is_htmx(request):
        notification = get_notification_for_user(request.user, pk)
        return render(
            request,
            "notify/inbox.html#item",
            {"n": notification, "unread_total": unread_count(request.user), "oob": True},
        )
    return _back_to_inbox(request)


@login_required
@require_POST
def notification_read_all(request):
    updated = notifications_mark_all_read(user=request.user)
    if updated:
        messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": updated})
    return redirect(reverse("notify:inbox"))
