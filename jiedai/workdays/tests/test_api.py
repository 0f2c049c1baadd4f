import pytest
from django.test import Client

from jiedai.org.models import ApiToken

pytestmark = pytest.mark.django_db

URL = "/api/v1/workdays/shift"


@pytest.fixture
def api_client(django_user_model):
    user = django_user_model.objects.create_user(username="planner", password="unused-password-123")
    return Client(headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def test_shift_needs_a_token():
    response = Client().get(URL, {"date": "2026-10-09", "days": "-3"})
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_shift_rejects_an_unknown_token():
    response = Client(headers={"Authorization": "Bearer not-a-token"}).get(URL, {"date": "2026-10-09", "days": "1"})
    assert response.status_code == 401


def test_shift_plan_due_before_national_day__3_1_2(api_client):
    response = api_client.get(URL, {"date": "2026-10-09", "days": "-3"})
    assert response.status_code == 200
    assert response.json() == {"date": "2026-09-29", "provisional": False}


def test_shift_into_unpublished_year_is_provisional(api_client):
    response = api_client.get(URL, {"date": "2028-09-29", "days": "1"})
    assert response.status_code == 200
    assert response.json() == {"date": "2028-10-05", "provisional": True}


def test_shift_by_zero_returns_the_date(api_client):
    response = api_client.get(URL, {"date": "2026-10-01", "days": "0"})
    assert response.json() == {"date": "2026-10-01", "provisional": False}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-13-01", "days": "1"}, "date"),
        ({"date": "yesterday", "days": "1"}, "date"),
        ({"date": "2026-10-09", "days": "three"}, "days"),
        ({"date": "2026-10-09", "days": "1.5"}, "days"),
        ({"date": "2026-10-09"}, "days"),
        ({"days": "1"}, "date"),
        ({"date": "2026-10-09", "days": "3661"}, "days"),
        ({"date": "2026-10-09", "days": "-99999999999999999999"}, "days"),
        ({"date": "9999-12-30", "days": "3"}, "date"),
    ],
)
def test_shift_bad_input_is_422_with_field_errors(api_client, params, field):
    response = api_client.get(URL, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body
    assert all(isinstance(message, str) and message for message in body["errors"][field])
