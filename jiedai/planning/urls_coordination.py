"""URLs of the plan's coordination part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import coordination

plan_patterns = [
    path("coordination/", coordination.coordination_view, name="coordination"),
]

site_patterns = []
