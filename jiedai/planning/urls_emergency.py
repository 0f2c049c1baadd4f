"""URLs of the plan's emergency part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import emergency

plan_patterns = [
    path("emergency/", emergency.emergency_view, name="emergency"),
]

site_patterns = []
