"""The plan's logistics page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiedai.core.web import domain_errors
from jiedai.planning.views.common import plan_context


@login_required
@require_GET
@domain_errors(back="receptions:list")
def logistics_view(request, pk):
    return render(request, "planning/logistics.html", plan_context(request, pk, tab="logistics"))
