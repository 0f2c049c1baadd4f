"""The measured endpoints (their URLs are a contract with the app). Imported by both sides: no Django here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    method: str
    path: str  # may use {deep_page}, {deep_before}, {id}, {task_id}
    auth: str  # "none", "session" or "bearer"
    read: bool = True  # the bars apply to read pages


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
]
APPROVE = Endpoint(
    "approve", "approve decision (API)", "POST", "/api/v1/approvals/tasks/{task_id}/decide", "bearer", read=False
)
ALL = [BARE, FLOOR, *READS, APPROVE]
APPROVE_BODY = {"decision": "approve", "comment": "bench"}
# core.views.placeholder answers this while a page is still being built: report such a page as missing.
PLACEHOLDER_BODY = "…".encode()
