"""The analytics' Excel export as a background job over the API (policy 5.3.2; services/exports.py): ask with the
analytics' filters (202), read the job until it is done, then fetch the workbook. A job is its requester's alone."""

import datetime

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from jiedai.core.api_schema import error_responses, local
from jiedai.core.errors import ConflictError
from jiedai.expenses.access import get_export_for_user
from jiedai.expenses.api_analytics import AnalyticsFilters, valid_filter_form
from jiedai.expenses.exports_analytics import XLSX
from jiedai.expenses.models import AnalyticsExport
from jiedai.expenses.services.exports import analytics_export_queue

router = Router(tags=["finance"])


class ExportOut(Schema):
    id: int
    status: str  # pending, running, done or failed
    query: str  # the filters, as the analytics page's query string
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    filename: str
    size: int
    error: str
    file: str | None  # where to fetch the workbook once it is done


def _out(export: AnalyticsExport) -> dict:
    return {
        "id": export.pk,
        "status": export.status,
        "query": export.query,
        "created_at": local(export.created_at),
        "finished_at": local(export.finished_at) if export.finished_at else None,
        "filename": export.filename,
        "size": export.size,
        "error": export.error,
        "file": f"/api/v1/finance/analytics/exports/{export.pk}/file" if export.file else None,
    }


@router.post(
    "/finance/analytics/exports",
    response={202: ExportOut, **error_responses(400, 401, 404, 422)},
    summary="后台导出费用分析",
)
def export_start(request, filters: Query[AnalyticsFilters]):
    """Queue the Excel workbook of the analytics for these filters (the same as GET /finance/analytics)."""
    form = valid_filter_form(request.auth, filters)
    export = analytics_export_queue(by=request.auth, form=form)
    return Status(202, _out(export))


@router.get(
    "/finance/analytics/exports/{int:export_id}",
    response={200: ExportOut, **error_responses(401, 404)},
    summary="导出进度",
)
def export_get(request, export_id: int):
    return _out(get_export_for_user(request.auth, export_id))


@router.get(
    "/finance/analytics/exports/{int:export_id}/file",
    response={200: None, **error_responses(401, 404, 409)},
    summary="下载导出的 Excel",
)
def export_file(request, export_id: int):
    """The workbook (409 while it is still being built, or if it failed)."""
    export = get_export_for_user(request.auth, export_id)
    if not export.file:
        raise ConflictError(_("该导出尚未完成。"))
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=XLSX)
