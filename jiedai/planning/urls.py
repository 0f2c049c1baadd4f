"""Plan pages live under their request (/receptions/<id>/plan/...); the company-wide pages (logistics queue,
emergency templates, resources) and the client's public itinerary have their own prefixes. Each part of the plan
has its own urls_<part>.py (plan_patterns and site_patterns) and views/<part>.py."""

from django.urls import include, path

from jiedai.planning import (
    urls_coordination,
    urls_emergency,
    urls_itinerary,
    urls_logistics,
    urls_materials,
    urls_public,
)
from jiedai.planning.views import overview

app_name = "planning"

PARTS = [urls_itinerary, urls_materials, urls_logistics, urls_coordination, urls_emergency, urls_public]

plan_patterns = [
    path("", overview.plan_overview_view, name="overview"),
    path("submit/", overview.plan_submit_view, name="submit"),
    path("withdraw/", overview.plan_withdraw_view, name="withdraw"),
]
for part in PARTS:
    plan_patterns += part.plan_patterns

urlpatterns = [path("receptions/<int:pk>/plan/", include(plan_patterns))]
for part in PARTS:
    urlpatterns += part.site_patterns
