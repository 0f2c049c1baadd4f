"""URLs of the plan's materials part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import materials

plan_patterns = [
    path("materials/", materials.materials_view, name="materials"),
]

site_patterns = []
