"""The plan's materials page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jiedai.core.web import domain_errors
from jiedai.planning.views.common import plan_context


@login_required
@require_GET
@domain_errors(back="receptions:list")
def materials_view(request, pk):
    return render(request, "planning/materials.html", plan_context(request, pk, tab="materials"))
