"""Reads: a person's notifications. Everything here is narrowed to the caller: nobody reads another's inbox."""

from django.db.models import QuerySet
from django.http import Http404

from jiedai.notify.models import Notification


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (served by the (recipient, -created_at) index)."""
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user) -> int:
    """One COUNT query (the (recipient, read_at) index); the navigation badge calls this."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_notification_for_user(user, pk: int) -> Notification:
    """The user's own notification or 404 (someone else's is indistinguishable from a missing one)."""
    notification = Notification.objects.filter(pk=pk, recipient=user).first()
    if notification is None:
        raise Http404("notification not found")
    return notification
