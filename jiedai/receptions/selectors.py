"""Reads for reception requests: lists, the decision aid, the home page's upcoming visits."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from jiedai.receptions.access import receptions_visible_to, visible_ids
from jiedai.receptions.models import ClientContact, Reception, ReceptionClient, ReceptionStatus

PAGE_SIZE = 20


def _filtered(user, *, status: str = "", q: str = "", mine: bool = False):
    queryset = Reception.objects.all()
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
    return queryset


def _with_list_parts(queryset):
    return queryset.select_related("host_department", "requester").prefetch_related(
        Prefetch("client_links", queryset=ReceptionClient.objects.select_related("contact__organization"))
    )


def reception_list(user, *, status: str = "", q: str = "", mine: bool = False):
    """The requests the user may see, newest first, with what a list row shows. For pages, use ReceptionListing."""
    return _with_list_parts(receptions_visible_to(user, _filtered(user, status=status, q=q, mine=mine))).order_by("-id")


class ReceptionListing:
    """A list of the requests a user may see, paged with a fixed number of queries whatever the number of rows:
    the count and deep pages go through the access layer's id form (visible_ids), page 1 through the row form."""

    def __init__(self, user, *, status: str = "", q: str = "", mine: bool = False, decorate=None):
        self.user = user
        self.filtered = _filtered(user, status=status, q=q, mine=mine)
        self.decorate = decorate or (lambda queryset: queryset)

    def count(self) -> int:
        return visible_ids(self.user, self.filtered).count()

    def rows(self, bottom: int, top: int) -> list[Reception]:
        if bottom == 0:
            queryset = receptions_visible_to(self.user, self.filtered)
            return list(self.decorate(_with_list_parts(queryset)).order_by("-id")[:top])
        ids = list(visible_ids(self.user, self.filtered).order_by("-pk")[bottom:top])
        return list(self.decorate(_with_list_parts(Reception.objects.filter(pk__in=ids))).order_by("-id"))


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
