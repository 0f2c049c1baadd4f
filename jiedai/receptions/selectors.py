"""Reads for reception requests: lists, the decision aid, the home page's upcoming visits."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from jiedai.receptions.access import receptions_visible_to
from jiedai.receptions.models import ClientContact, Reception, ReceptionClient, ReceptionStatus

PAGE_SIZE = 20


def reception_list(user, *, status: str = "", q: str = "", mine: bool = False):
    """The requests the user may see, newest first, with what a list row shows (a fixed number of queries)."""
    queryset = receptions_visible_to(user).select_related("host_department", "requester")
    if status:
        queryset = queryset.filter(status=status)
    if mine:
        queryset = queryset.filter(requester=user)
    q = (q or "").strip()[:100]
    if q:
        queryset = queryset.filter(
            Q(number__icontains=q)
            | Q(purpose__icontains=q)
            | Q(client_links__contact__name__icontains=q)
            | Q(client_links__contact__organization__name__icontains=q)
        ).distinct()
    return queryset.order_by("-id").prefetch_related(
        Prefetch("client_links", queryset=ReceptionClient.objects.select_related("contact__organization"))
    )


def reception_detail_queryset():
    return Reception.objects.select_related("host_department", "requester", "lead").prefetch_related(
        "coordinating_departments",
        Prefetch("client_links", queryset=ReceptionClient.objects.select_related("contact__organization")),
    )


def earlier_visits(reception, limit: int = 10):
    """policy 2.2.2: what the approver weighs — this client's earlier visits (same client organisations)."""
    organizations = ReceptionClient.objects.filter(reception=reception).values("contact__organization")
    return (
        Reception.objects.filter(client_links__contact__organization__in=organizations)
        .exclude(pk=reception.pk)
        .exclude(status=ReceptionStatus.DRAFT)
        .select_related("host_department")
        .distinct()
        .order_by("-visit_start")[:limit]
    )


def upcoming_visits(user, days: int = 30, limit: int = 10):
    now = timezone.now()
    return (
        receptions_visible_to(user)
        .filter(
            status=ReceptionStatus.APPROVED, visit_end__gte=now, visit_start__lte=now + timezone.timedelta(days=days)
        )
        .select_related("host_department")
        .order_by("visit_start")[:limit]
    )


def contacts_search(q: str, limit: int = 10):
    """The client directory's matches for the form's "pick from the directory" (policy 2.1.1: kept for reuse)."""
    q = (q or "").strip()[:100]
    if not q:
        return ClientContact.objects.none()
    return (
        ClientContact.objects.filter(
            Q(name__icontains=q) | Q(organization__name__icontains=q) | Q(phone__icontains=q) | Q(email__icontains=q)
        )
        .select_related("organization")
        .order_by("organization__name", "name")[:limit]
    )
