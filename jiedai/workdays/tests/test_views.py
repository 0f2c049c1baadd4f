import datetime

import pytest
from django.urls import reverse

from jiedai.workdays.models import CalendarOverride
from jiedai.workdays.selectors import month_calendar, parse_month

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def user_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="viewer", password="unused-password-123"))
    return client


def test_calendar_redirects_anonymous_users_to_login(client):
    url = reverse("workdays:calendar")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert "next=" in response.url


def test_calendar_shows_national_day_and_adjusted_workday(user_client):
    response = user_client.get(reverse("workdays:calendar"), {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026年10月" in html
    assert "国庆节" in html
    assert "调休上班" in html
    assert "badge text-bg-warning align-middle" not in html  # not provisional
    assert "?month=2026-09" in html and "?month=2026-11" in html


def test_calendar_marks_fallback_month_provisional(user_client):
    response = user_client.get(reverse("workdays:calendar"), {"month": "2028-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂定" in html
    assert "国庆节" in html


def test_calendar_shows_overrides(user_client):
    CalendarOverride.objects.create(date=D(2026, 11, 20), is_workday=False, name="公司年会")
    html = user_client.get(reverse("workdays:calendar"), {"month": "2026-11"}).content.decode()
    assert "公司年会" in html
    assert "已调整" in html


@pytest.mark.parametrize("month", ["", "2026-13", "garbage", "0001-01", "99999-01"])
def test_calendar_bad_month_shows_current_month(user_client, month):
    assert user_client.get(reverse("workdays:calendar"), {"month": month}).status_code == 200


def test_parse_month():
    today = D(2026, 5, 17)
    assert parse_month("2026-10", default=today) == D(2026, 10, 1)
    assert parse_month("2026-1", default=today) == D(2026, 1, 1)
    assert parse_month(None, default=today) == D(2026, 5, 1)
    assert parse_month("2026-00", default=today) == D(2026, 5, 1)
    assert parse_month("1800-01", default=today) == D(2026, 5, 1)


def test_month_calendar_grid_is_whole_weeks_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        month = month_calendar(year=2026, month=10, today=D(2026, 10, 9))
    assert all(len(week) == 7 for week in month.weeks)
    assert month.weeks[0][0].info.date == D(2026, 9, 28)  # Monday before Thursday 10-01
    assert month.weeks[-1][-1].info.date == D(2026, 11, 1)
    assert not month.provisional
    # 22 weekdays, minus 10-01, 02, 05, 06, 07 off, plus Saturday 10-10 worked.
    assert month.workday_count == 18
    assert month.previous == D(2026, 9, 1) and month.next == D(2026, 11, 1)
    cells = {cell.info.date: cell for week in month.weeks for cell in week}
    assert cells[D(2026, 10, 9)].is_today
    assert not cells[D(2026, 9, 30)].in_month


def test_month_calendar_edges():
    assert month_calendar(year=1950, month=1, today=D(2026, 1, 1)).previous is None
    assert month_calendar(year=2099, month=12, today=D(2026, 1, 1)).next is None
