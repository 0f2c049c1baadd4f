"""URLs of the plan's logistics part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import logistics

plan_patterns = [
    path("logistics/", logistics.logistics_view, name="logistics"),
]

site_patterns = []
