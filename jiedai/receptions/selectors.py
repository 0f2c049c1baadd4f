"""Reads for reception requests: lists, the decision aid, the home page's upcoming visits."""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch, Q
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, CcRecord
from jiedai.receptions.access import receptions_visible_to, visible_ids
from jiedai.receptions.models import ClientContact, Reception, ReceptionClient, ReceptionStatus

PAGE_SIZE = 20
# A list's total is remembered this long at most; any change that can alter what someone sees changes the stamp
# (visibility_stamp) and so the key, which makes this only the bound for what the stamp does not see (people moved
# between departments, a department's head changed, a client renamed under a search).
COUNT_CACHE_SECONDS = 300
# Below this many visible requests the id form (a UNION of the user's own ids) is cheaper than testing rows one by
# one from the newest down; above it, the row form stops after a page of matches.
SPARSE_BELOW = 2000


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


def visibility_stamp() -> str:
    """Changes whenever a request is added or changed (submitted, decided, its lead edited), a task is created or a
    copy is made: everything but organisation changes that can alter which requests someone sees. One query of four
    index lookups (newest id of each table, newest change of a request)."""
    reception, task, copy = (model._meta.db_table for model in (Reception, ApprovalTask, CcRecord))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {reception}), (SELECT MAX(updated_at) FROM {reception}), "
            f"(SELECT MAX(id) FROM {task}), (SELECT MAX(id) FROM {copy})"
        )
        return ":".join(str(value) for value in cursor.fetchone())


class ReceptionListing:
    """A list of the requests a user may see, paged with a fixed number of queries whatever the number of rows.

    The total is counted through the access layer's id form (visible_ids) and remembered under a key that changes
    with every change that could alter it (see visibility_stamp), so a list read again costs no count. Pages are
    reached by keyset (`before`/`after` an id, what the page links carry), so a deep page costs what page 1 costs;
    a bare page number still works (by offset) for links typed by hand and for the API."""

    def __init__(self, user, *, status: str = "", q: str = "", mine: bool = False, decorate=None):
        self.user = user
        self.filters = (status, (q or "").strip()[:100], mine)
        self.filtered = _filtered(user, status=status, q=q, mine=mine)
        self.decorate = decorate or (lambda queryset: queryset)

    def _cache_key(self) -> str:
        status, q, mine = self.filters
        digest = hashlib.sha256(f"{status}|{q}|{mine}|{visibility_stamp()}".encode()).hexdigest()[:32]
        return f"reception-count:{self.user.pk}:{digest}"

    def count(self) -> int:
        key = self._cache_key()
        count = cache.get(key)
        if count is None:
            count = visible_ids(self.user, self.filtered).count()
            cache.set(key, count, COUNT_CACHE_SECONDS)
        self._count = count
        return count

    def _sparse(self) -> bool:
        return getattr(self, "_count", None) is not None and self._count < SPARSE_BELOW

    def _page(self, queryset, order: str, limit: int) -> list[Reception]:
        """`limit` rows of `queryset` (already narrowed to a keyset range) that the user may see, in `order`."""
        if self._sparse():
            ids = visible_ids(self.user, queryset).order_by(order.replace("id", "pk"))[:limit]
            queryset = Reception.objects.filter(pk__in=ids)  # a subquery: the same number of queries either way
        else:
            queryset = receptions_visible_to(self.user, queryset)
        return list(self.decorate(_with_list_parts(queryset)).order_by(order)[:limit])

    def rows(self, bottom: int, top: int) -> list[Reception]:
        if bottom == 0:
            return self._page(self.filtered, "-id", top)
        ids = list(visible_ids(self.user, self.filtered).order_by("-pk")[bottom:top])
        return list(self.decorate(_with_list_parts(Reception.objects.filter(pk__in=ids))).order_by("-id"))

    def rows_before(self, pk: int, limit: int) -> list[Reception]:
        """The next page down the list (older requests than `pk`)."""
        return self._page(self.filtered.filter(pk__lt=pk), "-id", limit)

    def rows_after(self, pk: int, limit: int) -> list[Reception]:
        """The page above (newer than `pk`), newest first."""
        return self._page(self.filtered.filter(pk__gt=pk), "id", limit)[::-1]


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
