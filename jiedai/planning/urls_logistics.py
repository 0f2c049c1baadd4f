"""URLs of the plan's logistics part: plan_patterns under /receptions/<pk>/plan/, site_patterns at the site root
(administration's queue and the rooms', cars' and drivers' free/busy page)."""

from django.urls import path

from jiedai.planning.views import logistics, queue

plan_patterns = [
    path("logistics/", logistics.logistics_view, name="logistics"),
    path("logistics/bookings/new/", logistics.booking_create_view, name="booking_create"),
    path("logistics/bookings/<int:booking_id>/edit/", logistics.booking_edit_view, name="booking_edit"),
    path("logistics/bookings/<int:booking_id>/status/", logistics.booking_status_view, name="booking_status"),
    path("logistics/setup/", logistics.setup_checklist_view, name="setup_checklist"),
    path("logistics/setup/<int:task_id>/", logistics.setup_toggle_view, name="setup_toggle"),
    path("logistics/meals/new/", logistics.meal_create_view, name="meal_create"),
    path("logistics/meals/<int:meal_id>/edit/", logistics.meal_edit_view, name="meal_edit"),
    path("logistics/meals/<int:meal_id>/status/", logistics.meal_status_view, name="meal_status"),
    path("logistics/hotels/new/", logistics.hotel_create_view, name="hotel_create"),
    path("logistics/hotels/<int:stay_id>/edit/", logistics.hotel_edit_view, name="hotel_edit"),
    path("logistics/hotels/<int:stay_id>/status/", logistics.hotel_status_view, name="hotel_status"),
]

site_patterns = [
    path("logistics/", queue.queue_view, name="queue"),
    path("logistics/resources/", queue.resources_view, name="resources"),
]
