"""policy 5.3.2 on the web and the API: the anomaly list (filters, a fixed number of queries at one row and at
many), one anomaly with its investigation (finance records and closes it; bad input comes back on the form with
nothing saved; a stale version is a conflict), the yearly business-entertainment tax summary and the revenue form;
the API gives the same figures and errors in the shared shape."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from jiedai.expenses.models import (
    Anomaly,
    AnomalyStatus,
    CostStandard,
    ExpenseCategory,
    Investigation,
    InvestigationHistory,
    YearRevenue,
)
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.anomalies import anomalies_scan, investigation_save
from jiedai.expenses.tests.oversight_factories import spent_visit
from jiedai.org.models import ApiToken
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

LIST_QUERIES = 9  # session, user, roles, departments led, the filter's departments, count, one page of rows…


@pytest.fixture(autouse=True)
def standard(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()
    venue = ExpenseCategory.objects.get(code="venue")
    return CostStandard.objects.create(category=venue, unit="per_line", limit=Decimal("3000.00"))


def _flagged(people, count=1):
    receptions = [spent_visit(people, [("venue", "3500.00")]) for _n in range(count)]
    anomalies_scan()
    return receptions


def _api(client, people, who, method, path, body=None):
    token = ApiToken.issue(people[who])
    data = json.dumps(body) if body is not None else ""
    return client.generic(
        method, f"/api/v1{path}", data, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def test_the_list_shows_what_was_found_with_a_fixed_number_of_queries(client, people, django_assert_num_queries):
    _flagged(people)
    client.force_login(people["fin_clerk"])
    url = reverse("expenses:anomalies")
    client.get(url)  # warm the session
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(url)
    assert page.status_code == 200 and "场地布置费" in page.content.decode() and "¥3,500.00" in page.content.decode()
    _flagged(people, 3)
    investigation_save(anomaly_id=Anomaly.objects.first().pk, by=people["fin_clerk"], findings="核查中")
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(url)
    assert page.content.decode().count(reverse("expenses:anomaly", kwargs={"pk": Anomaly.objects.first().pk})) >= 1
    assert len(page.context["page_obj"].object_list) == 4


def test_the_list_filters_by_kind_status_and_department(client, people):
    _flagged(people, 2)
    first = Anomaly.objects.order_by("pk").first()
    investigation_save(anomaly_id=first.pk, by=people["fin_clerk"], findings="核查中")
    client.force_login(people["gm"])
    url = reverse("expenses:anomalies")
    assert len(client.get(url, {"status": "investigating"}).context["page_obj"].object_list) == 1
    assert len(client.get(url, {"kind": "invoice_date"}).context["page_obj"].object_list) == 0
    sales = first.reception.host_department_id
    assert len(client.get(url, {"department": sales}).context["page_obj"].object_list) == 2
    bad = client.get(url, {"kind": "nonsense"})  # a bad filter is shown on the form, the list unfiltered
    assert bad.status_code == 200 and "没有该异常类型" in bad.content.decode()


def test_finance_records_and_closes_the_investigation_on_the_page(client, people):
    _flagged(people)
    anomaly = Anomaly.objects.get()
    url = reverse("expenses:anomaly", kwargs={"pk": anomaly.pk})
    client.force_login(people["fin_clerk"])
    page = client.get(url)
    assert "立案调查" in page.content.decode()
    assert client.post(url, {"findings": "场地两天", "outcome": "", "actions": ""}).status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.INVESTIGATING
    # Closing without an outcome: the form says so and nothing changes.
    refused = client.post(url, {"findings": "场地两天", "outcome": "", "version": "1", "close": "1"})
    assert refused.status_code == 400 and "结案前请选择处理结论" in refused.content.decode()
    assert Investigation.objects.get().version == 1 and InvestigationHistory.objects.count() == 1
    # A stale version: a conflict, told on the page.
    investigation_save(anomaly_id=anomaly.pk, by=people["fin_clerk"], findings="另一人更新", expected_version=1)
    stale = client.post(url, {"findings": "覆盖", "outcome": "no_issue", "version": "1", "close": "1"}, follow=True)
    assert "调查记录已在别处被修改" in stale.content.decode()
    closed = client.post(url, {"findings": "属实", "outcome": "corrected", "version": "2", "close": "1"})
    assert closed.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.CLOSED
    page = client.get(url).content.decode()
    assert "已纠正" in page and "结案" in page and 'name="findings"' not in page


def test_the_gm_and_the_department_read_without_the_form(client, people):
    _flagged(people)
    anomaly = Anomaly.objects.get()
    investigation_save(anomaly_id=anomaly.pk, by=people["fin_clerk"], findings="核查中")
    url = reverse("expenses:anomaly", kwargs={"pk": anomaly.pk})
    for who in ("gm", "sales_head"):
        client.force_login(people[who])
        page = client.get(url).content.decode()
        assert "核查中" in page and 'name="findings"' not in page
        assert client.post(url, {"findings": "x"}).status_code == 403
    client.force_login(people["sales_rep"])
    assert client.get(url).status_code == 404


def test_the_tax_page_shows_the_year_and_takes_the_revenue(client, people):
    reception = spent_visit(people, [("catering", "1000.00"), ("materials", "200.00")])
    year = reception.visit_start.astimezone(LOCAL_TZ).year
    url = reverse("expenses:entertainment_tax")
    client.force_login(people["fin_clerk"])
    page = client.get(url).content.decode()
    assert "¥1,000.00" in page and "¥600.00" in page and "上限未知" in page
    refused = client.post(url, {"year": str(year), "revenue": "-5"})
    assert refused.status_code == 400 and "不小于 0" in refused.content.decode()
    refused = client.post(url, {"year": str(year), "revenue": "1.005"})
    assert refused.status_code == 400 and "最多两位小数" in refused.content.decode()
    assert not YearRevenue.objects.exists()
    assert client.post(url, {"year": str(year), "revenue": "100000.00"}).status_code == 302
    page = client.get(url).content.decode()
    assert "¥500.00" in page  # 5‰ of the revenue, below 60 %: deductible ¥500, ¥500 not
    client.force_login(people["gm"])
    page = client.get(url).content.decode()
    assert "¥500.00" in page and 'name="revenue"' not in page
    assert client.post(url, {"year": str(year), "revenue": "1.00"}).status_code == 403
    client.force_login(people["sales_head"])  # a department sees its anomalies, not the company's tax summary
    assert client.get(url).status_code == 404


def test_a_revenue_corrected_meanwhile_is_not_overwritten(client, people):
    """Two finance clerks at the same year: the one who saves on a page older than the other's entry is told, and
    the other's figure stands (the same version check as the API's expected_version)."""
    from jiedai.expenses.services.tax import revenue_set

    year = 2026
    url = reverse("expenses:entertainment_tax")
    client.force_login(people["fin_clerk"])
    page = client.get(url).content.decode()
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    assert f"{year}:0" in seen
    revenue_set(year=year, revenue="200000.00", by=people["fin_clerk"])  # the same clerk, in another tab
    response = client.post(url, {"year": str(year), "revenue": "100000.00", "seen": seen}, follow=True)
    assert "该年度的营业收入已在别处被修改" in response.content.decode()
    assert YearRevenue.objects.get(year=year).revenue == Decimal("200000.00")
    fresh = re.search(r'name="seen" value="([^"]*)"', response.content.decode()).group(1)
    assert f"{year}:1" in fresh
    assert client.post(url, {"year": str(year), "revenue": "100000.00", "seen": fresh}).status_code == 302
    assert YearRevenue.objects.get(year=year).revenue == Decimal("100000.00")


def test_the_tabs_show_the_tax_summary_to_finance_only(client, people):
    _flagged(people)
    client.force_login(people["sales_head"])
    page = client.get(reverse("expenses:anomalies")).content.decode()
    assert reverse("expenses:analytics") in page and reverse("expenses:entertainment_tax") not in page
    client.force_login(people["fin_clerk"])
    assert reverse("expenses:entertainment_tax") in client.get(reverse("expenses:anomalies")).content.decode()


# ------------------------------------------------------------------------------------------------------- the API


def test_the_api_lists_pages_and_shows_one(client, people):
    _flagged(people, 3)
    first = _api(client, people, "fin_clerk", "GET", "/finance/anomalies?limit=2").json()
    assert len(first["items"]) == 2 and first["next_before"]
    rest = _api(client, people, "fin_clerk", "GET", f"/finance/anomalies?limit=2&before={first['next_before']}")
    assert len(rest.json()["items"]) == 1 and rest.json()["next_before"] is None
    item = first["items"][0]
    assert item["kind"] == "over_standard" and item["figures"]["amount"] == "3500.00" and item["summary"]
    detail = _api(client, people, "gm", "GET", f"/finance/anomalies/{item['id']}").json()
    assert detail["investigation"] is None and detail["history"] == []
    bad = _api(client, people, "fin_clerk", "GET", "/finance/anomalies?kind=nonsense")
    assert bad.status_code == 422 and set(bad.json()) == {"detail", "errors"}


def test_the_api_records_the_investigation_with_clear_errors(client, people):
    _flagged(people)
    anomaly = Anomaly.objects.get()
    path = f"/finance/anomalies/{anomaly.pk}/investigation"
    refused = _api(client, people, "fin_clerk", "POST", path, {"findings": "", "outcome": "no_issue", "close": True})
    assert refused.status_code == 422 and refused.json()["errors"]["findings"]
    assert not Investigation.objects.exists()
    opened = _api(client, people, "fin_clerk", "POST", path, {"findings": "核查中"})
    assert opened.status_code == 200 and opened.json()["investigation"]["version"] == 1
    again = _api(client, people, "fin_clerk", "POST", path, {"findings": "我也立案"})
    assert again.status_code == 409 and again.json()["detail"]
    body = {"findings": "属实", "outcome": "recovered", "actions": "已追回", "close": True, "expected_version": 1}
    closed = _api(client, people, "fin_clerk", "POST", path, body)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [h["action"] for h in closed.json()["history"]] == ["opened", "closed"]
    assert _api(client, people, "gm", "POST", path, body).status_code == 403
    assert _api(client, people, "sales_rep", "POST", path, body).status_code == 404
    assert _api(client, people, "fin_clerk", "POST", path, {"findings": 1}).status_code == 422


def test_the_api_tax_summary_and_revenue(client, people):
    reception = spent_visit(people, [("catering", "0.10"), ("gifts", "0.20")])
    year = reception.visit_start.astimezone(LOCAL_TZ).year
    summary = _api(client, people, "gm", "GET", f"/finance/entertainment-tax?year={year}").json()
    assert summary["actual"] == "0.30" and summary["sixty_percent"] == "0.18"
    assert summary["cap_known"] is False and summary["cap"] is None and summary["deductible"] is None
    for bad in ("-1", "1.001", "很多", ""):
        response = _api(client, people, "fin_clerk", "PUT", f"/finance/revenue/{year}", {"revenue": bad})
        assert response.status_code == 422 and response.json()["errors"]["revenue"], bad
    assert _api(client, people, "fin_clerk", "PUT", f"/finance/revenue/{year}", {"revenue": 5}).status_code == 422
    assert not YearRevenue.objects.exists()
    put = _api(client, people, "fin_clerk", "PUT", f"/finance/revenue/{year}", {"revenue": "20.00"})
    assert put.status_code == 200 and put.json()["version"] == 1
    summary = _api(client, people, "fin_clerk", "GET", f"/finance/entertainment-tax?year={year}").json()
    assert (summary["cap"], summary["deductible"], summary["non_deductible"]) == ("0.10", "0.10", "0.20")
    stale = _api(
        client, people, "fin_clerk", "PUT", f"/finance/revenue/{year}", {"revenue": "1", "expected_version": 0}
    )
    assert stale.status_code == 409
    assert _api(client, people, "gm", "PUT", f"/finance/revenue/{year}", {"revenue": "1.00"}).status_code == 403
    assert _api(client, people, "sales_head", "GET", "/finance/entertainment-tax").status_code == 404
    assert _api(client, people, "fin_clerk", "PUT", "/finance/revenue/1999", {"revenue": "1.00"}).status_code == 422


@pytest.mark.parametrize("model", ["anomaly", "investigation", "yearrevenue"])
def test_the_oversight_records_are_read_only_in_the_admin(client, people, model):
    _flagged(people)
    investigation_save(anomaly_id=Anomaly.objects.get().pk, by=people["fin_clerk"], findings="核查中")
    client.force_login(people["sysadmin"])
    assert client.get(reverse(f"admin:expenses_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:expenses_{model}_add")).status_code == 403
