from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from jiedai.workdays.selectors import month_calendar, parse_month


@login_required
def calendar(request):
    today = timezone.localdate()
    # A malformed ?month= shows the current month rather than an error: it is only navigation.
    first = parse_month(request.GET.get("month"), default=today)
    month = month_calendar(year=first.year, month=first.month, today=today)
    return render(request, "workdays/calendar.html", {"month": month, "today": today})
