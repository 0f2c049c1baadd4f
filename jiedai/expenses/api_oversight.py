"""/api/v1/finance/anomalies, /finance/entertainment-tax, /finance/revenue/{year}: finance's oversight (policy
5.3.2) over JSON — the anomalies the scan found and their investigations (调查和处理), the yearly business-
entertainment tax summary and the revenue it is capped by. Money is a decimal string. Access as on the pages
(expenses.access): finance, the GM and the superuser read everything; a department's head and supervising leader
the anomalies of its visits; everyone else 404. Finance (and the superuser) write; other readers 403."""

import datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from jiedai.core.api_schema import MAX_ID, Text, error_responses, local
from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.core.web import client_ip
from jiedai.expenses.access import (
    analytics_departments_for,
    anomalies_visible_to,
    check_tax_summary,
    get_anomaly_for_user,
)
from jiedai.expenses.anomaly_text import anomaly_summary
from jiedai.expenses.api_common import money_str
from jiedai.expenses.models import AnomalyKind, AnomalyStatus, Investigation
from jiedai.expenses.selectors_tax import entertainment_tax_summary
from jiedai.expenses.services.anomalies import MAX_TEXT, investigation_save
from jiedai.expenses.services.tax import MAX_YEAR, MIN_YEAR, revenue_set

router = Router(tags=["finance"])

READ_ERRORS = error_responses(400, 401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
MAX_PAGE = 100


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class AnomalyFilters(Schema):
    kind: AnomalyKind | None = Field(None, description="over_budget, over_standard, cost_outlier or invoice_date")
    status: AnomalyStatus | None = Field(None, description="open, investigating or closed")
    department: int | None = Field(None, ge=1, le=MAX_ID, description="the host department's id")
    before: int | None = Field(None, ge=1, le=MAX_ID, description="keyset: only anomalies with a smaller id")
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class InvestigationOut(Schema):
    investigator: str
    opened_at: datetime.datetime
    findings: str
    outcome: str = Field(description="no_issue, corrected, recovered, disciplinary; empty until chosen")
    actions: str
    closed_at: datetime.datetime | None
    version: int


class HistoryOut(Schema):
    at: datetime.datetime
    actor: str | None
    action: str = Field(description="opened, updated or closed")
    version: int
    findings: str
    outcome: str
    actions: str


class AnomalyOut(Schema):
    id: int
    kind: str
    status: str
    reception: int
    reception_number: str | None
    department: int
    claim: int | None
    claim_line: int | None
    invoice: int | None
    summary: str
    figures: dict = Field(description="what was found: amounts as decimal strings")
    detected_at: datetime.datetime
    investigation: InvestigationOut | None


class AnomalyDetailOut(AnomalyOut):
    history: list[HistoryOut]


class AnomalyPageOut(Schema):
    items: list[AnomalyOut]
    next_before: int | None = Field(description="pass as `before` for the next page; null on the last")


class InvestigationIn(_In):
    findings: Text(MAX_TEXT) = ""
    outcome: Text(16) = Field("", description="no_issue, corrected, recovered or disciplinary")
    actions: Text(MAX_TEXT) = ""
    close: bool = Field(False, description="close the investigation: needs findings and an outcome")
    expected_version: Annotated[int, Field(ge=1, le=MAX_ID, strict=True)] | None = Field(
        None, description="the investigation's version read; omit to open one (409 if someone already did)"
    )


class TaxYearOut(Schema):
    year: int
    reception_spend: str = Field(description="approved spending of the year in all categories")
    actual: str = Field(description="business entertainment (业务招待费) actually spent")
    sixty_percent: str
    revenue: str | None = Field(description="the year's sales (operating) revenue; null: not entered")
    cap: str | None = Field(description="5‰ of the revenue; null: unknown")
    cap_known: bool
    deductible: str | None = Field(description="min(60 %, 5‰ cap); null while the cap is unknown")
    non_deductible: str | None


class TaxQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="default: the current year")


class RevenueIn(_In):
    revenue: Text(20) = Field(description='yuan as a decimal string, at most two places, e.g. "125000000.00"')
    expected_version: Annotated[int, Field(ge=0, le=MAX_ID, strict=True)] | None = Field(
        None, description="the version read (0: none entered yet); a newer one on the server: 409"
    )


class RevenueOut(Schema):
    year: int
    revenue: str
    version: int
    entered_by: str
    entered_at: datetime.datetime


# ---------------------------------------------------------------------------------------------------- rendering


def _investigation(investigation: Investigation | None) -> dict | None:
    if investigation is None:
        return None
    return {
        "investigator": investigation.investigator.username,
        "opened_at": local(investigation.opened_at),
        "findings": investigation.findings,
        "outcome": investigation.outcome,
        "actions": investigation.actions,
        "closed_at": local(investigation.closed_at),
        "version": investigation.version,
    }


def _anomaly(anomaly) -> dict:
    investigation = getattr(anomaly, "investigation", None)
    return {
        "id": anomaly.pk,
        "kind": anomaly.kind,
        "status": anomaly.status,
        "reception": anomaly.reception_id,
        "reception_number": anomaly.reception.number,
        "department": anomaly.reception.host_department_id,
        "claim": anomaly.claim_id,
        "claim_line": anomaly.claim_line_id,
        "invoice": anomaly.invoice_id,
        "summary": anomaly_summary(anomaly),
        "figures": anomaly.figures,
        "detected_at": local(anomaly.detected_at),
        "investigation": _investigation(investigation),
    }


def _queryset(user):
    return anomalies_visible_to(user).select_related("reception", "investigation", "investigation__investigator")


def _detail(user, anomaly_id) -> dict:
    anomaly = get_anomaly_for_user(user, anomaly_id)
    anomaly = _queryset(user).get(pk=anomaly.pk)
    data = _anomaly(anomaly)
    history = []
    if data["investigation"] is not None:
        history = [
            {
                "at": local(entry.at),
                "actor": entry.actor.username if entry.actor_id else None,
                "action": entry.action,
                "version": entry.version,
                "findings": entry.findings,
                "outcome": entry.outcome,
                "actions": entry.actions,
            }
            for entry in anomaly.investigation.history.select_related("actor")
        ]
    return {**data, "history": history}


def _tax(row) -> dict:
    return {
        "year": row.year,
        "reception_spend": money_str(row.reception_spend),
        "actual": money_str(row.actual),
        "sixty_percent": money_str(row.sixty_percent),
        "revenue": money_str(row.revenue),
        "cap": money_str(row.cap),
        "cap_known": row.cap_known,
        "deductible": money_str(row.deductible),
        "non_deductible": money_str(row.non_deductible),
    }


# ---------------------------------------------------------------------------------------------------- endpoints


@router.get("/finance/anomalies", response={200: AnomalyPageOut, **READ_ERRORS})
def list_anomalies(request, filters: Query[AnomalyFilters]):
    """The anomalies the caller may read, newest first, `limit` at a time (keyset: pass `next_before`)."""
    departments = analytics_departments_for(request.user)
    if departments is not None and not departments:
        raise NotFound(_("找不到该页面。"))
    if filters.department is not None and departments is not None and filters.department not in departments:
        raise ValidationFailed(
            _("输入有误，请检查后重试。"), errors={"department": [_("没有该部门，或无权查看该部门的费用。")]}
        )
    queryset = _queryset(request.user)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.department:
        queryset = queryset.filter(reception__host_department_id=filters.department)
    if filters.before:
        queryset = queryset.filter(pk__lt=filters.before)
    rows = list(queryset.order_by("-id")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [_anomaly(a) for a in rows], "next_before": rows[-1].pk if more else None}


@router.get("/finance/anomalies/{anomaly_id}", response={200: AnomalyDetailOut, **READ_ERRORS})
def get_anomaly(request, anomaly_id: int):
    """One anomaly with its investigation and the investigation's history."""
    return _detail(request.user, anomaly_id)


@router.post("/finance/anomalies/{anomaly_id}/investigation", response={200: AnomalyDetailOut, **WRITE_ERRORS})
def save_investigation(request, anomaly_id: int, payload: InvestigationIn):
    """Open (no expected_version), record or close (close=true: findings and outcome required) the investigation.
    Finance and the superuser only; a closed investigation is final (409)."""
    investigation_save(
        anomaly_id=anomaly_id,
        by=request.user,
        findings=payload.findings,
        outcome=payload.outcome,
        actions=payload.actions,
        close=payload.close,
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return _detail(request.user, anomaly_id)


@router.get("/finance/entertainment-tax", response={200: TaxYearOut, **READ_ERRORS})
def entertainment_tax(request, query: Query[TaxQuery]):
    """One year's business-entertainment summary (企业所得税法实施条例 第四十三条): finance, the GM, the superuser."""
    check_tax_summary(request.user)
    year = query.year if query.year is not None else timezone.localdate().year
    (row,) = entertainment_tax_summary(year)
    return _tax(row)


@router.put("/finance/revenue/{year}", response={200: RevenueOut, **WRITE_ERRORS})
def put_revenue(request, year: int, payload: RevenueIn):
    """Enter or correct the year's sales (operating) revenue: finance and the superuser."""
    row = revenue_set(
        year=year,
        revenue=payload.revenue,
        by=request.user,
        expected_version=payload.expected_version,
        ip=client_ip(request),
    )
    return {
        "year": row.year,
        "revenue": money_str(row.revenue),
        "version": row.version,
        "entered_by": row.entered_by.username,
        "entered_at": local(row.entered_at),
    }
