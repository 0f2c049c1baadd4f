"""URLs of the plan's itinerary part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import itinerary

plan_patterns = [
    path("itinerary/", itinerary.itinerary_view, name="itinerary"),
]

site_patterns = []
