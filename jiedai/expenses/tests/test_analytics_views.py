"""policy 5.3.2: the finance analytics page, its Excel export and its API — the same figures for the same
filters; finance and the GM see all money, a department head their department, others 404; a bad filter is a
clear 400, never a 500; the page renders in every language in a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiedai.dashboard.context_processors import navigation
from jiedai.expenses.access import analytics_departments_for, shows_analytics_link
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.tests.analytics_factories import budget, claim, visit
from jiedai.org.models import ApiToken, Department
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

PAGE = reverse("expenses:analytics")
EXPORT = reverse("expenses:analytics_export")
API = "/api/v1/finance/analytics"


@pytest.fixture(autouse=True)
def _setup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()


def _range() -> dict:
    today = timezone.now().astimezone(LOCAL_TZ).date()
    return {"start": today.isoformat(), "end": (today + timedelta(days=400)).isoformat()}


@pytest.fixture
def spent(people):
    """One sales visit: budget 0.40, claims of 0.10 + 0.20 approved (exact money, policy 5.2.1)."""
    reception = visit(people)
    budget(people, reception, {"catering": "0.10", "transport": "0.20", "gifts": "0.10"})
    claim(people, reception, {"catering": "0.10", "transport": "0.20"}, stage="paid")
    return reception


def _api(client, user, **params):
    return client.get(API, params, headers={"Authorization": f"Bearer {ApiToken.issue(user)}"})


def test_who_may_analyse_what(people):
    """Finance, the GM and the superuser: all (None); a head: their department; a supervising leader: what they
    supervise; anyone else: nothing."""
    sales, tech = Department.objects.get(code="sales"), Department.objects.get(code="tech")
    for username in ("fin_clerk", "gm", "sysadmin"):
        assert analytics_departments_for(people[username]) is None
    assert analytics_departments_for(people["sales_head"]) == {sales.pk}
    assert analytics_departments_for(people["vp_ops"]) >= {tech.pk} and sales.pk not in analytics_departments_for(
        people["vp_ops"]
    )
    assert analytics_departments_for(people["sales_rep"]) == frozenset()
    assert analytics_departments_for(people["admin_clerk"]) == frozenset()


@pytest.mark.parametrize("language", ["zh-hans", "en", "zh-hant"])
def test_the_page_renders_the_figures_in_every_language(client, people, spent, language):
    client.force_login(people["fin_clerk"])
    client.post("/i18n/setlang/", {"language": language, "next": PAGE})
    response = client.get(PAGE, _range())
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "¥0.30" in html and "¥0.40" in html  # actual and budget, exact
    assert 'id="analytics-charts"' in html and "vendor/echarts/echarts.min.js" in html
    assert "<script>" not in html.replace('<script id="analytics-charts" type="application/json">', "")
    assert response.context["analytics"].totals.actual == Decimal("0.30")


def test_a_department_head_sees_their_department_only(client, people, spent):
    tech = Department.objects.get(code="tech")
    client.force_login(people["sales_head"])
    response = client.get(PAGE, _range())
    assert response.status_code == 200 and response.context["analytics"].totals.actual == Decimal("0.30")
    response = client.get(PAGE, {**_range(), "department": tech.pk})  # not theirs: a form error, no figures
    assert response.status_code == 400 and "department" in response.context["form"].errors
    client.force_login(people["tech_head"])
    assert client.get(PAGE, _range()).context["analytics"].totals.actual == Decimal("0.00")


@pytest.mark.parametrize("username", ["sales_rep", "admin_clerk", "tech_eng"])
def test_everyone_else_gets_404(client, people, username):
    client.force_login(people[username])
    assert client.get(PAGE).status_code == 404
    assert client.get(EXPORT).status_code == 404
    assert _api(client, people[username]).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"granularity": "week"}, "granularity"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-05-01", "end": "2026-04-30"}, "end"),
        ({"start": "0001-01-01"}, "start"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, "end"),  # more than ten years
        ({"department": "abc"}, "department"),
        ({"department": "99999999999999999999999"}, "department"),
        ({"category": "-1"}, "category"),
        ({"importance": "urgent"}, "importance"),
    ],
)
def test_a_bad_filter_is_a_clear_400_everywhere(client, people, params, field):
    client.force_login(people["fin_clerk"])
    for url in (PAGE, EXPORT):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert field in response.context["form"].errors
    response = _api(client, people["fin_clerk"], **params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and field in body["errors"] and body["errors"][field][0]


def test_the_default_range_is_the_current_year(client, people):
    client.force_login(people["fin_clerk"])
    filters = client.get(PAGE).context["analytics"].filters
    year = timezone.now().astimezone(LOCAL_TZ).year
    assert (filters.start.isoformat(), filters.end.isoformat()) == (f"{year}-01-01", f"{year}-12-31")
    assert filters.granularity == "month"


def test_the_export_has_the_same_numbers(client, people, spent):
    client.force_login(people["fin_clerk"])
    page = client.get(PAGE, _range()).context["analytics"]
    response = client.get(EXPORT, _range())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [
        "概览", "按期间", "按部门", "按费用类别", "按重要程度", "按客户单位", "各次接待", "追加预算", "待审批报销",
    ]  # fmt: skip
    summary = {row[0]: row[1] for row in book["概览"].iter_rows(values_only=True)}
    assert summary["实际支出（元）"] == pytest.approx(0.30) and summary["预算（元）"] == pytest.approx(0.40)
    departments = list(book["按部门"].iter_rows(values_only=True))
    assert departments[0][:4] == ("部门", "接待次数", "预算（元）", "实际支出（元）")
    assert departments[1][:4] == ("销售部", 1, 0.4, 0.3)
    money_cell = book["按部门"]["D2"]
    assert "¥" in money_cell.number_format
    visits = list(book["各次接待"].iter_rows(values_only=True))
    assert len(visits) == 2 and visits[1][0] == spent.number
    assert sum(r[3] for r in list(book["按期间"].iter_rows(values_only=True))[1:-1]) == pytest.approx(
        float(page.totals.actual)
    )


def test_the_export_speaks_the_users_language(client, people, spent):
    client.force_login(people["fin_clerk"])
    client.post("/i18n/setlang/", {"language": "en", "next": PAGE})
    response = client.get(EXPORT, _range())
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert len(book.sheetnames) == 9


def test_the_api_gives_the_figures_as_decimal_strings(client, people, spent):
    response = _api(client, people["fin_clerk"], **_range(), granularity="quarter")
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["actual"] == "0.30" and body["totals"]["budget"] == "0.40"
    assert body["totals"]["variance"] == "-0.10" and body["filters"]["granularity"] == "quarter"
    assert body["by_department"][0]["label"] == "销售部"
    assert {row["label"]: row["actual"] for row in body["by_category"]}["交通费"] == "0.20"
    assert client.get(API).status_code == 401
    head = _api(client, people["sales_head"], **_range()).json()
    assert head["totals"]["actual"] == "0.30"


def test_the_navigation_links_to_the_analytics_without_a_query(client, people, django_assert_num_queries):
    """policy 5.3.2: "财务" in the top bar for finance, the GM, department heads and supervising leaders (vp_sales
    heads no department of their own); whether someone leads a department is read with their roles, which the bar
    reads anyway."""
    assert shows_analytics_link(people["fin_clerk"]) and shows_analytics_link(people["gm"])
    assert shows_analytics_link(people["sales_head"]) and shows_analytics_link(people["vp_sales"])
    assert not shows_analytics_link(people["sales_rep"]) and not shows_analytics_link(people["admin_clerk"])
    for username, linked in (("sales_rep", False), ("vp_sales", True)):
        request = RequestFactory().get("/")
        request.user = people[username]
        nav = navigation(request)
        assert request.user.department is not None  # the menu shows it: loaded before the bar asks
        with django_assert_num_queries(0):
            html = render_to_string("_nav.html", {**nav, "user": request.user, "request": request})
        assert (PAGE in html) is linked, username
    client.force_login(people["fin_clerk"])
    assert PAGE in client.get(reverse("home")).content.decode()


def _rows(people, count):
    for i in range(count):
        reception = visit(people, days_ahead=40 + i, organization=f"单位{i}")
        budget(people, reception, {"catering": "100.00"})
        claim(people, reception, {"catering": "90.00"})
        claim(people, reception, {"catering": "1.00"}, stage="pending")


PAGE_QUERIES = 14  # on a cache miss (the worst case): the shell, the stamp, the figures


@pytest.mark.parametrize(("username", "extra"), [("fin_clerk", 0), ("sales_head", 1)])
def test_the_page_reads_a_fixed_number_of_queries(client, people, django_assert_num_queries, username, extra):
    """The same count at one visit and at many (a department head's departments add one)."""
    client.force_login(people[username])
    _rows(people, 1)
    with django_assert_num_queries(PAGE_QUERIES + extra):
        assert client.get(PAGE, _range()).status_code == 200
    _rows(people, 5)
    with django_assert_num_queries(PAGE_QUERIES + extra):
        response = client.get(PAGE, _range())
    assert response.context["analytics"].totals.visits == 6


def test_the_figures_come_from_the_cache_until_the_money_changes(client, people, django_assert_num_queries):
    """policy 5.3.2: a second look costs the stamp, not the figures; a claim paid in between shows at once."""
    client.force_login(people["fin_clerk"])
    _rows(people, 2)
    client.get(PAGE, _range())
    with django_assert_num_queries(PAGE_QUERIES - 5):  # the five queries of the figures are not made
        cached = client.get(PAGE, _range())
    assert cached.context["analytics"].totals.visits == 2
    reception = visit(people, days_ahead=60, organization="新单位")
    budget(people, reception, {"catering": "100.00"})
    claim(people, reception, {"catering": "0.10"})
    fresh = client.get(PAGE, _range()).context["analytics"]
    assert fresh.totals.visits == 3
