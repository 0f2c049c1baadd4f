"""Every page of a plan opens on a plan that was just created (nothing in it yet), for its editor and for a reader,
in every language the UI speaks."""

import pytest
from django.urls import reverse

from jiedai.planning.tests.factories import plan_for

pytestmark = pytest.mark.django_db

PAGES = ["overview", "itinerary", "materials", "logistics", "coordination", "emergency", "print"]


@pytest.mark.parametrize("language", ["zh-hans", "en", "zh-hant"])
@pytest.mark.parametrize("username", ["sales_rep", "fin_clerk"])
def test_every_page_of_an_empty_plan_opens(people, client, username, language):
    plan = plan_for(people)
    client.force_login(people[username])
    client.cookies["django_language"] = language
    for page in PAGES:
        response = client.get(reverse(f"planning:{page}", args=[plan.reception_id]))
        assert response.status_code == 200, (page, response.status_code)
    for page in ("queue", "resources", "emergency_templates", "my_calendar"):
        response = client.get(reverse(f"planning:{page}"))
        assert response.status_code in (200, 403), (page, response.status_code)
