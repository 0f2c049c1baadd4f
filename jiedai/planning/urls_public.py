"""URLs of the client's itinerary link, the calendar exports and the print view."""

plan_patterns = []

site_patterns = []
