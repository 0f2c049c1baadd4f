"""policy 5.3.2: the analytics' Excel export as a background job — asked for on the page or the API, built once by
a worker with the requester's access as it is then, downloaded by its requester only, pruned after a week."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.expenses.models import AnalyticsExport, ExportStatus
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.exports import (
    KEEP_DAYS,
    MAX_OPEN_PER_USER,
    analytics_export_build,
    analytics_export_request,
    analytics_exports_prune,
)
from jiedai.expenses.tests.analytics_factories import budget, claim, visit
from jiedai.org.models import ApiToken, Department
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db
API = "/api/v1/finance/analytics/exports"


@pytest.fixture(autouse=True)
def _setup(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()


@pytest.fixture
def spent(people):
    reception = visit(people)
    budget(people, reception, {"catering": "0.10", "transport": "0.20"})
    claim(people, reception, {"catering": "0.10", "transport": "0.20"}, stage="paid")
    return reception


def _query(**extra) -> QueryDict:
    today = timezone.now().astimezone(LOCAL_TZ).date()
    query = QueryDict(mutable=True)
    query.update({"start": today.isoformat(), "end": (today + timedelta(days=400)).isoformat(), **extra})
    return query


def _requested(people, django_capture_on_commit_callbacks, username="fin_clerk", **extra) -> AnalyticsExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = analytics_export_request(by=people[username], query=_query(**extra))
    export.refresh_from_db()
    return export


def _sheets(data: bytes) -> dict:
    workbook = load_workbook(BytesIO(data), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_the_worker_builds_the_workbook_once(people, spent, django_capture_on_commit_callbacks):
    export = _requested(people, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.DONE and export.finished_at and export.size > 0
    assert export.filename.startswith("reception-spending-") and export.filename.endswith(".xlsx")
    with export.file.open("rb") as handle:
        sheets = _sheets(handle.read())
    assert "按部门" in sheets and any("销售部" in str(cell) for row in sheets["按部门"] for cell in row)
    assert analytics_export_build(export.pk) == "skipped"  # a repeated task does nothing
    assert analytics_export_build(999_999) == "skipped"


def test_a_bad_filter_or_an_outsider_is_refused_and_nothing_is_queued(people):
    with pytest.raises(ValidationFailed) as exc:
        analytics_export_request(by=people["fin_clerk"], query=_query(granularity="week"))
    assert "granularity" in exc.value.errors
    with pytest.raises(NotFound):
        analytics_export_request(by=people["sales_rep"], query=_query())
    assert not AnalyticsExport.objects.exists()


def test_a_double_click_does_not_queue_a_pile(people):
    for _ in range(MAX_OPEN_PER_USER):
        analytics_export_request(by=people["fin_clerk"], query=_query())  # not built: the commit never comes
    with pytest.raises(ValidationFailed):
        analytics_export_request(by=people["fin_clerk"], query=_query())
    assert AnalyticsExport.objects.count() == MAX_OPEN_PER_USER


def test_access_is_read_again_when_the_workbook_is_built(people, spent):
    """A head moved out of their department between asking and building gets a failed job, not the figures."""
    export = analytics_export_request(by=people["sales_head"], query=_query())
    sales = Department.objects.get(code="sales")
    sales.head = None
    sales.save(update_fields=["head"])
    assert analytics_export_build(export.pk) == ExportStatus.FAILED
    export.refresh_from_db()
    assert export.error and not export.file


def test_old_jobs_and_their_files_are_pruned_and_lost_ones_failed(people, spent, django_capture_on_commit_callbacks):
    done = _requested(people, django_capture_on_commit_callbacks)
    path = done.file.path
    lost = analytics_export_request(by=people["fin_clerk"], query=_query())
    AnalyticsExport.objects.filter(pk=lost.pk).update(status=ExportStatus.RUNNING)
    later = timezone.now() + timedelta(hours=2)
    assert analytics_exports_prune(now=later) == {"stuck": 1, "deleted": 0}
    assert AnalyticsExport.objects.get(pk=lost.pk).status == ExportStatus.FAILED
    assert analytics_exports_prune(now=timezone.now() + timedelta(days=KEEP_DAYS + 1)) == {"stuck": 0, "deleted": 2}
    assert not AnalyticsExport.objects.exists()
    import os

    assert not os.path.exists(path)


def test_the_page_asks_shows_and_downloads(client, people, spent, django_capture_on_commit_callbacks):
    client.force_login(people["fin_clerk"])
    page = client.get(reverse("expenses:analytics"), _query()).content.decode()
    assert reverse("expenses:analytics_export_start") in page and "后台导出" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("expenses:analytics_export_start"), {"query": _query().urlencode()})
    export = AnalyticsExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "expenses:analytics_export_job", args=[export.pk]
    )
    job = client.get(response["Location"]).content.decode()
    assert "已完成" in job and reverse("expenses:analytics_export_file", args=[export.pk]) in job
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="export-job"' in partial and "hx-trigger" not in partial  # done: no polling
    download = client.get(reverse("expenses:analytics_export_file", args=[export.pk]))
    assert download.status_code == 200 and "按部门" in _sheets(b"".join(download.streaming_content))


def test_a_job_in_progress_polls_and_has_no_file(client, people):
    export = analytics_export_request(by=people["fin_clerk"], query=_query())
    client.force_login(people["fin_clerk"])
    job = client.get(reverse("expenses:analytics_export_job", args=[export.pk])).content.decode()
    assert "排队中" in job and 'hx-trigger="every 2s"' in job
    assert client.get(reverse("expenses:analytics_export_file", args=[export.pk])).status_code == 404


def test_a_bad_filter_on_the_page_is_told_and_goes_back(client, people):
    client.force_login(people["fin_clerk"])
    response = client.post(reverse("expenses:analytics_export_start"), {"query": "granularity=week"}, follow=True)
    # back on the analytics page with the same filters, which shows what is wrong with them (400)
    assert response.status_code == 400 and "筛选条件有误" in response.content.decode()
    assert not AnalyticsExport.objects.exists()


def test_someone_else_s_job_does_not_exist_for_them(client, people, spent, django_capture_on_commit_callbacks):
    export = _requested(people, django_capture_on_commit_callbacks)
    client.force_login(people["gm"])  # sees all the money, but not another person's job
    for name in ("expenses:analytics_export_job", "expenses:analytics_export_file"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404


def test_the_api_asks_reads_and_fetches(client, people, spent, django_capture_on_commit_callbacks):
    headers = {"Authorization": f"Bearer {ApiToken.issue(people['fin_clerk'])}"}
    params = _query().urlencode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(f"{API}?{params}", headers=headers)
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["status"] == "pending" and body["file"] is None
    job = client.get(f"{API}/{body['id']}", headers=headers).json()
    assert job["status"] == "done" and job["file"] == f"{API}/{body['id']}/file" and job["size"] > 0
    workbook = client.get(job["file"], headers=headers)
    assert workbook.status_code == 200 and "按部门" in _sheets(b"".join(workbook.streaming_content))
    bad = client.post(f"{API}?granularity=week", headers=headers)
    assert bad.status_code == 400 and "granularity" in bad.json()["errors"]


def test_the_api_says_409_until_the_workbook_is_ready(client, people):
    export = analytics_export_request(by=people["fin_clerk"], query=_query())
    headers = {"Authorization": f"Bearer {ApiToken.issue(people['fin_clerk'])}"}
    assert client.get(f"{API}/{export.pk}/file", headers=headers).status_code == 409
    other = {"Authorization": f"Bearer {ApiToken.issue(people['gm'])}"}
    assert client.get(f"{API}/{export.pk}", headers=other).status_code == 404
