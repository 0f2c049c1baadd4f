"""The analytics' Excel export as a background job (policy 5.3.2; services/exports.py): ask for it from the
analytics page, watch it on its own page (htmx asks again every two seconds while it is being built), download it
when it is ready. A job is its requester's alone (expenses.access.get_export_for_user)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jiedai.core.web import domain_errors, is_htmx
from jiedai.expenses.access import exports_of, get_export_for_user
from jiedai.expenses.exports_analytics import XLSX
from jiedai.expenses.services.exports import KEEP_DAYS, analytics_export_request

RECENT = 5


def _asked_query(request) -> QueryDict:
    return QueryDict(request.POST.get("query", "")[:500])


def _back_to_analytics(request, *args, **kwargs) -> str:
    query = _asked_query(request).urlencode()
    return reverse("expenses:analytics") + (f"?{query}" if query else "")


@login_required
@require_POST
@domain_errors(back=_back_to_analytics)
def export_start_view(request):
    export = analytics_export_request(by=request.user, query=_asked_query(request), language=get_language())
    messages.info(request, _("已开始生成 Excel，完成后可在本页下载。"))
    return redirect("expenses:analytics_export_job", pk=export.pk)


@login_required
@require_GET
@domain_errors(back="expenses:analytics")
def export_job_view(request, pk):
    export = get_export_for_user(request.user, pk)
    if is_htmx(request):
        return render(request, "expenses/analytics_export.html#job", {"export": export})
    recent = exports_of(export.requested_by).exclude(pk=export.pk)[:RECENT]
    context = {"export": export, "recent": list(recent), "keep_days": KEEP_DAYS}
    return render(request, "expenses/analytics_export.html", context)


@login_required
@require_GET
@domain_errors(back="expenses:analytics")
def export_file_view(request, pk):
    export = get_export_for_user(request.user, pk)
    if not export.file:
        raise Http404(_("该导出尚未完成。"))
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=XLSX)
