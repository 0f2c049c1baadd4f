"""The finance analytics' Excel export as a background job (policy 5.3.2). The page's own download writes the
workbook while the request waits, which is fine for a department's year; a large company's year (about 20,000 visits
at 100,000 requests, several seconds of cell writing) is asked for here, built by a Celery worker, and downloaded
when it is ready. Each job is built once: a repeated or late task finds it no longer pending and does nothing."""

import logging
import uuid
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiedai.core.errors import DomainError, ValidationFailed
from jiedai.expenses.analytics_cache import cached_analytics
from jiedai.expenses.exports_analytics import workbook_for
from jiedai.expenses.forms_analytics import AnalyticsFilterForm, analytics_filter_form
from jiedai.expenses.models import AnalyticsExport, ExportStatus

logger = logging.getLogger(__name__)

KEEP_DAYS = 7  # a finished workbook is kept this long, then deleted with its job
STUCK_AFTER = timedelta(hours=1)  # a job still running after this lost its worker: it is marked failed
MAX_OPEN_PER_USER = 3  # jobs waiting or running per person: a double click does not queue a pile of them


def _valid_form(user, query) -> AnalyticsFilterForm:
    form = analytics_filter_form(user, query)
    if not form.is_valid():
        raise ValidationFailed(_("筛选条件有误。"), errors=form.error_dict())
    return form


def analytics_export_request(*, by, query, language: str = "") -> AnalyticsExport:
    """Queue a workbook of the analytics for `query` (a QueryDict of the page's filters)."""
    return analytics_export_queue(by=by, form=_valid_form(by, query), language=language)


def analytics_export_queue(*, by, form: AnalyticsFilterForm, language: str = "") -> AnalyticsExport:
    """Queue a workbook for a valid filter form of `by`'s (analytics_filter_form: the API checks its own filters,
    with its own 400s)."""
    with transaction.atomic():
        open_jobs = AnalyticsExport.objects.filter(
            requested_by=by, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
        ).count()
        if open_jobs >= MAX_OPEN_PER_USER:
            raise ValidationFailed(_("已有 %(n)s 个导出正在生成，请等它们完成后再导出。") % {"n": open_jobs})
        export = AnalyticsExport.objects.create(
            requested_by=by, query=form.query_string(), language=language or translation.get_language() or ""
        )
        from jiedai.expenses.tasks import build_analytics_export

        transaction.on_commit(lambda: build_analytics_export.delay(export.pk))
    return export


def _claim(export_id: int) -> AnalyticsExport | None:
    with transaction.atomic():
        export = AnalyticsExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != ExportStatus.PENDING:
            return None
        export.status = ExportStatus.RUNNING
        export.save(update_fields=["status"])
    return export


def analytics_export_build(export_id: int) -> str:
    """Build a pending job's workbook; returns the job's status. The requester's access is read again now: someone
    who may no longer analyse spending gets a failed job, not the figures."""
    export = _claim(export_id)
    if export is None:
        return "skipped"
    try:
        with translation.override(export.language or None):
            form = _valid_form(export.requested_by, QueryDict(export.query))
            filters = form.filters()
            with workbook_for(cached_analytics(filters), form.describe()) as handle:
                export.file.save(f"{uuid.uuid4().hex}.xlsx", File(handle), save=False)
        export.filename = f"reception-spending-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.xlsx"
        export.size = export.file.size
        export.status = ExportStatus.DONE
    except DomainError as exc:
        export.status, export.error = ExportStatus.FAILED, str(exc.message)[:300]
    except Exception:
        logger.exception("analytics export %s failed", export_id)
        export.status, export.error = ExportStatus.FAILED, _("生成失败，请稍后重试。")
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "filename", "size", "status", "error", "finished_at"])
    return export.status


def analytics_exports_prune(now=None) -> dict[str, int]:
    """Delete the jobs (and files) older than KEEP_DAYS; mark the ones whose worker was lost as failed."""
    now = now or timezone.now()
    stuck = AnalyticsExport.objects.filter(status=ExportStatus.RUNNING, created_at__lt=now - STUCK_AFTER).update(
        status=ExportStatus.FAILED, error=_("生成超时，请重新导出。"), finished_at=now
    )
    deleted = 0
    for export in AnalyticsExport.objects.filter(created_at__lt=now - timedelta(days=KEEP_DAYS)).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        deleted += 1
    return {"stuck": stuck, "deleted": deleted}
