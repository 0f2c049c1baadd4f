"""The home page's reads: what waits for the user, what they asked for, what was copied to them, what is coming.
A fixed number of queries whatever the number of rows (each list is one query with its joins)."""

from dataclasses import dataclass

from jiedai.approvals.selectors import copied_to, pending_tasks_for
from jiedai.notify.selectors import notifications_for, unread_count
from jiedai.receptions.access import DOCUMENT_TYPE
from jiedai.receptions.models import ReceptionStatus
from jiedai.receptions.selectors import reception_list, upcoming_visits

LIST_SIZE = 5


@dataclass
class Home:
    pending_count: int
    pending_tasks: list
    my_pending_count: int
    my_requests: list
    cc_unread_count: int
    copied: list
    unread_count: int
    notifications: list
    upcoming: list


def home_for(user) -> Home:
    tasks = pending_tasks_for(user)
    copies = copied_to(user, DOCUMENT_TYPE)
    mine = reception_list(user, mine=True)
    my_requests = list(mine[:LIST_SIZE])
    for reception in my_requests:
        # each client organisation once, however many of its people visit (as the request list shows them)
        names = (link.contact.organization.name for link in reception.client_links.all())
        reception.client_organisations = list(dict.fromkeys(names))
    return Home(
        pending_count=tasks.count(),
        pending_tasks=list(tasks[:LIST_SIZE]),
        my_pending_count=mine.filter(status=ReceptionStatus.PENDING_APPROVAL).count(),
        my_requests=my_requests,
        cc_unread_count=copies.filter(read_at__isnull=True).count(),
        copied=list(copies[:LIST_SIZE]),
        unread_count=unread_count(user),
        notifications=list(notifications_for(user, unread_only=True)[:LIST_SIZE]),
        upcoming=list(upcoming_visits(user, limit=LIST_SIZE)),
    )
