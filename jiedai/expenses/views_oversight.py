"""Finance's oversight pages (policy 5.3.2): the anomalies the scan found (filter by kind, status, department), one
anomaly with its investigation (调查和处理: finance records it here; the GM and the department read it), and the
yearly business-entertainment tax summary with the revenue form. Every view goes through expenses.access
(outsiders 404, readers writing 403); the services' errors come back on the page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedai.core.errors import ValidationFailed
from jiedai.core.web import add_domain_errors, client_ip, domain_errors
from jiedai.expenses.access import (
    analytics_departments_for,
    anomalies_visible_to,
    check_tax_summary,
    get_anomaly_for_user,
    is_finance_or_superuser,
    money_receptions_visible_to,
)
from jiedai.expenses.anomaly_text import anomaly_summary
from jiedai.expenses.forms_oversight import AnomalyFilterForm, InvestigationForm, RevenueForm
from jiedai.expenses.models import Investigation
from jiedai.expenses.selectors_tax import entertainment_tax_summary
from jiedai.expenses.services.anomalies import investigation_save
from jiedai.expenses.services.tax import revenue_set

PER_PAGE = 25


def _departments(request):
    """Whose anomalies the user reads (None: all); nobody's → 404."""
    departments = analytics_departments_for(request.user)
    if departments is not None and not departments:
        raise Http404(_("找不到该页面。"))
    return departments


@login_required
@require_GET
def anomalies_view(request):
    """The anomalies, newest first, 25 a page: a count and one page of rows whatever the page."""
    form = AnomalyFilterForm(request.GET or None, departments=_departments(request))
    anomalies = form.filter(anomalies_visible_to(request.user)).select_related(
        "reception", "reception__host_department", "investigation", "investigation__investigator"
    )
    page = Paginator(anomalies.order_by("-id"), PER_PAGE).get_page(request.GET.get("page"))
    for anomaly in page.object_list:
        anomaly.summary = anomaly_summary(anomaly)
    return render(request, "expenses/anomalies.html", {"form": form, "page_obj": page})


def _investigation(anomaly) -> Investigation | None:
    return (
        Investigation.objects.filter(anomaly=anomaly)
        .select_related("investigator")
        .prefetch_related("history__actor")
        .first()
    )


def _back(request, pk):
    from django.urls import reverse

    return reverse("expenses:anomaly", kwargs={"pk": pk})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back)
def anomaly_view(request, pk):
    """What was found, links to the visit and the claim, the investigation and its history; POST (finance): save
    the investigation ("close" closes it)."""
    anomaly = get_anomaly_for_user(request.user, pk, write=request.method == "POST")
    anomaly = (
        type(anomaly).objects.select_related("reception", "reception__host_department", "claim").get(pk=anomaly.pk)
    )
    investigation = _investigation(anomaly)
    form = None
    can_write = is_finance_or_superuser(request.user) and (investigation is None or investigation.closed_at is None)
    if can_write:
        initial = {"version": investigation.version} if investigation else {}
        if investigation:
            initial |= {f: getattr(investigation, f) for f in ("findings", "outcome", "actions")}
        form = InvestigationForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:  # closed meanwhile
            messages.error(request, _("该调查已结案，不能再修改。"))
            return redirect("expenses:anomaly", pk=anomaly.pk)
        if form.is_valid():
            close = "close" in request.POST
            try:
                investigation_save(
                    anomaly_id=anomaly.pk,
                    by=request.user,
                    findings=form.cleaned_data["findings"],
                    outcome=form.cleaned_data["outcome"],
                    actions=form.cleaned_data["actions"],
                    close=close,
                    expected_version=form.cleaned_data["version"],
                    ip=client_ip(request),
                )
            except ValidationFailed as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("调查已结案。") if close else _("调查记录已保存。"))
                return redirect("expenses:anomaly", pk=anomaly.pk)
    reception = anomaly.reception
    context = {
        "anomaly": anomaly,
        "summary": anomaly_summary(anomaly),
        "investigation": investigation,
        "history": list(investigation.history.all()) if investigation else [],
        "form": form,
        "money_visible": money_receptions_visible_to(request.user).filter(pk=reception.pk).exists(),
    }
    return render(request, "expenses/anomaly.html", context, status=400 if form is not None and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="expenses:entertainment_tax")
def entertainment_tax_view(request):
    """The yearly table (finance, the GM, the superuser); POST (finance): the year's revenue."""
    check_tax_summary(request.user, write=request.method == "POST")
    can_enter = is_finance_or_superuser(request.user)
    years = entertainment_tax_summary()
    initial = {"year": timezone.localdate().year, "seen": RevenueForm.seen_versions(years)}
    form = RevenueForm(request.POST or None, initial=initial) if can_enter else None
    if request.method == "POST" and form.is_valid():
        try:
            row = revenue_set(
                year=form.cleaned_data["year"],
                revenue=form.cleaned_data["revenue"],
                by=request.user,
                expected_version=form.expected_version(),
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("%s 年度营业收入已保存。") % row.year)
            return redirect("expenses:entertainment_tax")
    context = {"years": years, "form": form}
    return render(request, "expenses/entertainment_tax.html", context, status=400 if form and form.errors else 200)
