from functools import partial

from jiedai.approvals.selectors import pending_tasks_for
from jiedai.expenses.access import shows_analytics_link
from jiedai.notify.selectors import unread_count
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role


def navigation(request):
    """Counts for the navigation bar (pending tasks, unread notifications: two cheap COUNT queries) and whether the
    user carries out logistics (administration's queue, policy 3.2.3: the user's roles, read once per request).
    `finance` (the analytics link, policy 5.3.2) is asked by the template only, once the menu has loaded the user's
    department anyway: no query of its own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "pending_tasks": pending_tasks_for(user).count(),
            "unread_notifications": unread_count(user),
            "logistics": user.is_superuser or user_has_role(user, Role.ADMINISTRATION),
            "finance": partial(shows_analytics_link, user),
        }
    }
