"""Plan pages live under their request (/receptions/<id>/plan/...); the company-wide pages (logistics queue,
emergency templates, resources) and the client's public itinerary have their own prefixes. Each part of the plan
has its own urls/views modules."""

from django.urls import include, path

from jiedai.planning.views import coordination, emergency, itinerary, logistics, materials, overview

app_name = "planning"

plan_patterns = [
    path("", overview.plan_overview_view, name="overview"),
    path("submit/", overview.plan_submit_view, name="submit"),
    path("withdraw/", overview.plan_withdraw_view, name="withdraw"),
    path("itinerary/", itinerary.itinerary_view, name="itinerary"),
    path("materials/", materials.materials_view, name="materials"),
    path("logistics/", logistics.logistics_view, name="logistics"),
    path("coordination/", coordination.coordination_view, name="coordination"),
    path("emergency/", emergency.emergency_view, name="emergency"),
]

urlpatterns = [
    path("receptions/<int:pk>/plan/", include(plan_patterns)),
]
