"""URLs of the plan's itinerary part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root."""

from django.urls import path

from jiedai.planning.views import itinerary

plan_patterns = [
    path("itinerary/", itinerary.itinerary_view, name="itinerary"),
    path("itinerary/items/new/", itinerary.item_create_view, name="item_create"),
    path("itinerary/items/<int:item_id>/edit/", itinerary.item_edit_view, name="item_edit"),
    path("itinerary/items/<int:item_id>/delete/", itinerary.item_delete_view, name="item_delete"),
    path("itinerary/staff/new/", itinerary.staff_create_view, name="staff_create"),
    path("itinerary/staff/<int:staff_id>/edit/", itinerary.staff_edit_view, name="staff_edit"),
    path("itinerary/staff/<int:staff_id>/delete/", itinerary.staff_delete_view, name="staff_delete"),
]

site_patterns = []
