"""The home page's reads: what waits for the user, what they asked for, what was copied to them, what is coming,
their preparation tasks and the plans they still have to write (administration: every overdue plan).
A fixed number of queries whatever the number of rows (each list is one query with its joins; the lists' totals
come with their rows)."""

from dataclasses import dataclass, field

from jiedai.approvals.selectors import copied_to, pending_tasks_for
from jiedai.notify.selectors import notifications_for, unread_count
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.planning.selectors_coordination import my_open_tasks, overdue_plans, plans_to_write
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
    prep_tasks: list = field(default_factory=list)  # policy 3.2.2: my open preparation tasks
    plans_due: list = field(default_factory=list)  # policy 3.1.2: plans I edit, due soon or overdue
    overdue_plans: list | None = None  # administration: every overdue plan of the company (None: not shown)

    @property
    def prep_task_count(self) -> int:
        return self.prep_tasks[0].total if self.prep_tasks else 0

    @property
    def plans_due_count(self) -> int:
        return self.plans_due[0].total if self.plans_due else 0

    @property
    def overdue_plan_count(self) -> int:
        return self.overdue_plans[0].total if self.overdue_plans else 0


def sees_all_overdue_plans(user) -> bool:
    """policy 3.1.2 / 3.2.3: administration follows the plans of the whole company. The roles were read (and
    remembered on the user) by the access layer earlier in the request: no query."""
    return user.is_superuser or user_has_role(user, Role.ADMINISTRATION)


def home_for(user) -> Home:
    tasks = pending_tasks_for(user)
    copies = copied_to(user, DOCUMENT_TYPE)
    mine = reception_list(user, mine=True)
    my_requests = list(mine[:LIST_SIZE])
    for reception in my_requests:
        # each client organisation once, however many of its people visit (as the request list shows them)
        names = (link.contact.organization.name for link in reception.client_links.all())
        reception.client_organisations = list(dict.fromkeys(names))
    home = Home(
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
    home.prep_tasks = my_open_tasks(user, limit=LIST_SIZE)
    home.plans_due = plans_to_write(user, limit=LIST_SIZE)
    if sees_all_overdue_plans(user):
        home.overdue_plans = overdue_plans(limit=LIST_SIZE)
    return home
