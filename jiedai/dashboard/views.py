from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiedai.core.page_cache import cached_page
from jiedai.dashboard.selectors import home_for


@login_required
@require_GET
@cached_page
def home(request):
    return render(request, "dashboard/home.html", {"home": home_for(request.user)})
