"""The measured endpoints (their URLs are a contract with the app). Imported by both sides: no Django here."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    method: str
    # may use {deep_page}, {deep_before}, {id}, {plan_id}, {queue_query}, {analytics_query},
    # {analytics_cold_query}, {task_id},
    # {reception_id}
    path: str
    auth: str  # "none", "session" or "bearer"
    read: bool = True  # the bars apply to read pages
    # who the clients are: "reader" (the deputies), "logistics" (administration's clerk) or "finance" (finance's
    # clerk, who sees all the money)
    user: str = "reader"


BARE = Endpoint("bare", "bare Django view", "GET", "/bench/bare", "none", read=False)
# Not a page of the app: the base template around an empty body, logged in (the least any app page costs).
FLOOR = Endpoint("floor", "empty page on base.html (logged in)", "GET", "/bench/floor", "session", read=False)
READS = [
    Endpoint("list", "reception list, first page", "GET", "/receptions/", "session"),
    # As a user reaches it: through the "next" links, which carry the last id of the page before (keyset).
    Endpoint(
        "list_deep", "reception list, deep page", "GET", "/receptions/?page={deep_page}&before={deep_before}", "session"
    ),
    Endpoint("detail", "reception detail", "GET", "/receptions/{id}/", "session"),
    Endpoint("todo", "to-do page", "GET", "/approvals/tasks/", "session"),
    Endpoint("api_list", "API reception list", "GET", "/api/v1/receptions", "bearer"),
    # The plan's day-by-day itinerary with its staff and their clashes (policy 3.1.1), rotating over plans.
    Endpoint("day_view", "plan itinerary (day view)", "GET", "/receptions/{plan_id}/plan/itinerary/", "session"),
    # Administration's queue (policy 3.2.3): today and the next 14 days, first page (see README: queue_query).
    Endpoint("queue", "logistics queue", "GET", "/logistics/{queue_query}", "session", user="logistics"),
    # Finance's analytics (policy 5.3.2) over the seed's last 365 days, and the same as an Excel workbook (a
    # download: measured, but the read-page bars do not apply).
    Endpoint(
        "analytics", "finance analytics", "GET", "/finance/analytics/{analytics_query}", "session", user="finance"
    ),
    # The same page on a cache miss (the figures are cached under a stamp of the money's histories): each request
    # asks for another range (its start moved by up to 300 days), as the first look after a change would.
    Endpoint(
        "analytics_cold",
        "finance analytics, uncached",
        "GET",
        "/finance/analytics/{analytics_cold_query}",
        "session",
        user="finance",
    ),
    Endpoint(
        "export",
        "finance analytics Excel export",
        "GET",
        "/finance/analytics/export.xlsx{analytics_query}",
        "session",
        read=False,
        user="finance",
    ),
]
APPROVE = Endpoint(
    "approve", "approve decision (API)", "POST", "/api/v1/approvals/tasks/{task_id}/decide", "bearer", read=False
)
# Each request books a different free slot of a room or a car (with its driver), from a pool made before the run.
BOOK = Endpoint(
    "book", "booking (API)", "POST", "/api/v1/receptions/{reception_id}/plan/bookings", "bearer", read=False
)
WRITES = [APPROVE, BOOK]
ALL = [BARE, FLOOR, *READS, *WRITES]
APPROVE_BODY = {"decision": "approve", "comment": "bench"}
# A well-formed booking (the body is validated before the request is looked up), sent for request 0 to probe.
PROBE_BOOKING = {"kind": "venue", "venue": 1, "start": "2030-01-07T09:00:00+08:00", "end": "2030-01-07T10:00:00+08:00"}
# core.views.placeholder answers this while a page is still being built: report such a page as missing.
PLACEHOLDER_BODY = "…".encode()


def read_path(
    endpoint: Endpoint,
    reader: dict,
    logistics: dict | None = None,
    *,
    n: int = 0,
    index: int = 0,
    finance: dict | None = None,
) -> str:
    """The URL of a read page for client `index`'s n-th request: ids rotate over what the reader may see."""
    details = reader.get("detail_ids") or [0]
    plans = reader.get("plan_ids") or [0]
    turn = n * 7 + index
    return endpoint.path.format(
        deep_page=reader.get("deep_page", 1),
        deep_before=reader.get("deep_before", 0),
        id=details[turn % len(details)],
        plan_id=plans[turn % len(plans)],
        queue_query=(logistics or {}).get("queue_query", ""),
        analytics_query=(finance or {}).get("analytics_query", ""),
        analytics_cold_query=_cold_query(finance or {}, turn),
    )


def _cold_query(finance: dict, turn: int) -> str:
    if not finance.get("analytics_start"):
        return finance.get("analytics_query", "")
    start = date.fromisoformat(finance["analytics_start"]) + timedelta(days=turn % 300)
    return f"?start={start.isoformat()}&end={finance['analytics_end']}"
