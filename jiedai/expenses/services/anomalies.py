"""Writes for finance's oversight of reception spending (policy 5.3.2): the scan that records anomalies, and the
investigation finance opens on one (调查和处理: who, findings, outcome, actions), with its history.

The scan is idempotent: an anomaly is unique per kind and subject, a re-scan adds only what is new and refreshes
the figures of anomalies nobody has started investigating yet (an investigation keeps the figures it was opened
on). An anomaly is never removed by a scan — if the cause goes away (a line approved lower), finance closes it with
its outcome. It runs every morning (tasks.anomalies_daily) and, for one visit, after a claim is approved."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, NotFound, ValidationFailed
from jiedai.expenses.access import get_anomaly_for_user
from jiedai.expenses.models import (
    Anomaly,
    AnomalyStatus,
    Claim,
    Investigation,
    InvestigationAction,
    InvestigationHistory,
    InvestigationOutcome,
)
from jiedai.expenses.selectors_anomalies import find_anomalies

MAX_TEXT = 5000


def _anomaly(finding) -> Anomaly:
    return Anomaly(
        kind=finding.kind,
        subject=finding.subject,
        reception_id=finding.reception_id,
        claim_id=finding.claim_id,
        claim_line_id=finding.claim_line_id,
        invoice_id=finding.invoice_id,
        figures=finding.figures,
    )


def anomalies_scan(*, reception_ids=None) -> dict[str, int]:
    """Record the anomalies found (all visits, or only `reception_ids`): new ones are added (a concurrent scan's
    rows are skipped by the unique key), open ones get the current figures. Returns how many were found, added and
    refreshed. Called by the demo and the daily task."""
    findings = find_anomalies(reception_ids)
    keys = {(f.kind, f.subject) for f in findings}
    existing = {}
    for kind in {f.kind for f in findings}:
        subjects = [f.subject for f in findings if f.kind == kind]
        for anomaly in Anomaly.objects.filter(kind=kind, subject__in=subjects):
            existing[(anomaly.kind, anomaly.subject)] = anomaly
    new = [_anomaly(f) for f in findings if (f.kind, f.subject) not in existing]
    changed = []
    for finding in findings:
        anomaly = existing.get((finding.kind, finding.subject))
        if anomaly is not None and anomaly.status == AnomalyStatus.OPEN and anomaly.figures != finding.figures:
            anomaly.figures = finding.figures
            changed.append(anomaly)
    with transaction.atomic():
        Anomaly.objects.bulk_create(new, ignore_conflicts=True)
        # Only those still open: an investigation opened meanwhile keeps the figures it started from.
        for anomaly in changed:
            Anomaly.objects.filter(pk=anomaly.pk, status=AnomalyStatus.OPEN).update(figures=anomaly.figures)
    return {"found": len(keys), "added": len(new), "refreshed": len(changed)}


def anomalies_scan_claim(*, claim_id: int) -> dict[str, int]:
    """After a claim is approved: the scan for its visit only (a handful of queries)."""
    reception_id = Claim.objects.filter(pk=claim_id).values_list("reception_id", flat=True).first()
    if reception_id is None:
        return {"found": 0, "added": 0, "refreshed": 0}
    return anomalies_scan(reception_ids=[reception_id])


# ----------------------------------------------------------------------------------------------- investigations


def _text(value, label, errors: dict, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(key, []).append(_("%s必须是文字。") % label)
        return ""
    value = value.strip()
    if "\x00" in value:
        errors.setdefault(key, []).append(_("%s含有无效字符。") % label)
    elif len(value) > MAX_TEXT:
        errors.setdefault(key, []).append(_("%(label)s最多 %(max)s 字。") % {"label": label, "max": MAX_TEXT})
    return value


def _clean(findings, outcome, actions, close: bool) -> dict:
    errors = {}
    data = {
        "findings": _text(findings, _("调查结果"), errors, "findings"),
        "actions": _text(actions, _("处理措施"), errors, "actions"),
        "outcome": outcome or "",
    }
    if data["outcome"] not in ("", *InvestigationOutcome.values):
        errors.setdefault("outcome", []).append(_("请选择列表中的处理结论。"))
    if close and not errors:  # policy 5.3.2: 调查和处理 — a case is closed with what was found and what was done
        if not data["findings"]:
            errors.setdefault("findings", []).append(_("结案前请填写调查结果。"))
        if not data["outcome"]:
            errors.setdefault("outcome", []).append(_("结案前请选择处理结论。"))
    if errors:
        raise ValidationFailed(_("调查记录有误，请检查后重试。"), errors=errors)
    return data


@transaction.atomic
def investigation_save(
    *,
    anomaly_id,
    by,
    findings: str = "",
    outcome: str = "",
    actions: str = "",
    close: bool = False,
    expected_version: int | None = None,
    ip=None,
) -> Investigation:
    """Open the investigation of an anomaly (expected_version None) or record its progress (expected_version: the
    version read — a newer one on the server is a conflict); close=True closes it, which needs findings and an
    outcome. Finance only (the superuser too); a closed investigation is final."""
    anomaly = get_anomaly_for_user(by, anomaly_id, write=True)
    anomaly = Anomaly.objects.select_for_update(of=("self",)).get(pk=anomaly.pk)
    data = _clean(findings, outcome, actions, close)
    investigation = Investigation.objects.select_for_update(of=("self",)).filter(anomaly=anomaly).first()
    now = timezone.now()
    if investigation is None:
        if expected_version is not None:
            raise NotFound(_("找不到该调查记录。"))
        investigation = Investigation(anomaly=anomaly, investigator=by, **data)
        action = InvestigationAction.CLOSED if close else InvestigationAction.OPENED
    else:
        if investigation.closed_at is not None:
            raise ConflictError(_("该调查已结案，不能再修改。"))
        if expected_version is None:
            raise ConflictError(_("已有人对该异常立案调查，请刷新后在其调查记录上继续。"))
        if expected_version != investigation.version:
            raise ConflictError(_("调查记录已在别处被修改，请刷新后再编辑。"))
        for name, value in data.items():
            setattr(investigation, name, value)
        investigation.version += 1
        action = InvestigationAction.CLOSED if close else InvestigationAction.UPDATED
    if close:
        investigation.closed_at = now
    investigation.save()
    anomaly.status = AnomalyStatus.CLOSED if close else AnomalyStatus.INVESTIGATING
    anomaly.save(update_fields=["status"])
    InvestigationHistory.objects.create(
        investigation=investigation, actor=by, action=action, version=investigation.version, ip=ip, **data
    )
    return investigation
