from jiedai.approvals.selectors import pending_tasks_for
from jiedai.notify.selectors import unread_count


def navigation(request):
    """Counts for the navigation bar (pending tasks, unread notifications): two cheap COUNT queries."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav": {"pending_tasks": pending_tasks_for(user).count(), "unread_notifications": unread_count(user)}}
