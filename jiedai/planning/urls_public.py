"""URLs of the client's itinerary link, the calendar exports and the print view."""

from django.urls import path

from jiedai.planning.views import print as print_views
from jiedai.planning.views import public

plan_patterns = [
    path("print/", print_views.plan_print_view, name="print"),
    path("links/", public.links_view, name="links"),
    path("links/<int:link_id>/revoke/", public.link_revoke_view, name="link_revoke"),
]

site_patterns = [
    # No login: the token is the key (policy 3.1.1 / 3.2.1, the client's itinerary).
    path("itinerary/<str:token>/", public.public_itinerary_view, name="public_itinerary"),
    path("itinerary/<str:token>/itinerary.ics", public.public_itinerary_ics_view, name="public_itinerary_ics"),
    path("calendar/mine.ics", public.my_calendar_view, name="my_calendar"),
]
