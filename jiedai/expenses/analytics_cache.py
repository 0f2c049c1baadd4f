"""Finance's figures (policy 5.3.2), kept between two money events. The analytics read every visit of their range:
at 100,000 visits that is about a second, and finance opens the same page many times between two changes. So the
figures are cached under a stamp of the data they are made of — the newest row of each append-only history the
money writes (claims, budgets, supplementary budgets) and of the approval engine's events (claims moving between
steps) — read in one query of four index lookups. Any change the services make writes one of those rows, so a
cached page is never older than the last change; what no stamp sees (a department or a category renamed, the age
of the claims waiting) is at most CACHE_SECONDS old. The same key in every web process, with CACHE_URL=redis://."""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from jiedai.approvals.models import ApprovalEvent
from jiedai.expenses.models import BudgetHistory, ClaimHistory, SupplementaryHistory
from jiedai.expenses.selectors_analytics import Analytics, AnalyticsFilter, analytics_for

CACHE_SECONDS = 300
STAMPED = (ClaimHistory, BudgetHistory, SupplementaryHistory, ApprovalEvent)


def money_stamp() -> tuple:
    """The newest id of each history the figures depend on (one query)."""
    selects = ", ".join(
        f"(SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) FROM "
        f"{connection.ops.quote_name(model._meta.db_table)})"
        for model in STAMPED
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return tuple(cursor.fetchone())


def _key(f: AnalyticsFilter, stamp: tuple) -> str:
    departments = None if f.departments is None else sorted(f.departments)
    parts = (f.granularity, f.start, f.end, f.department_id, f.importance, f.category_id, departments)
    raw = repr((parts, translation.get_language(), stamp)).encode()
    return "jiedai:analytics:" + hashlib.sha256(raw).hexdigest()


def cached_analytics(f: AnalyticsFilter) -> Analytics:
    """analytics_for(f), from the cache while nothing it is made of has changed."""
    key = _key(f, money_stamp())
    figures = cache.get(key)
    if figures is None:
        figures = analytics_for(f)
        cache.set(key, figures, CACHE_SECONDS)
    return figures
