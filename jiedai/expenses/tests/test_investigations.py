"""policy 5.3.2: 对于接待费用过高或存在不合理支出的情况，应及时进行调查和处理 — finance opens an investigation on an
anomaly, records findings, outcome and actions, and closes it only with findings and an outcome; the GM and the
department read it; concurrent edits are refused with a conflict; every change leaves a history row."""

from decimal import Decimal

import pytest

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.core.tests.matrix_roles import add_outsider
from jiedai.expenses.access import anomalies_visible_to
from jiedai.expenses.models import (
    Anomaly,
    AnomalyStatus,
    CostStandard,
    ExpenseCategory,
    Investigation,
    InvestigationHistory,
    InvestigationOutcome,
)
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.anomalies import anomalies_scan, investigation_save
from jiedai.expenses.tests.oversight_factories import spent_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def anomaly(people, settings, tmp_path) -> Anomaly:
    settings.MEDIA_ROOT = tmp_path
    ensure_categories()
    venue = ExpenseCategory.objects.get(code="venue")
    CostStandard.objects.create(category=venue, unit="per_line", limit=Decimal("3000.00"))
    spent_visit(people, [("venue", "3500.00")])
    anomalies_scan()
    return Anomaly.objects.get()


def _state():
    return (
        list(Anomaly.objects.values_list("pk", "status")),
        list(Investigation.objects.values_list("pk", "version", "findings", "outcome", "closed_at")),
        InvestigationHistory.objects.count(),
    )


def test_finance_opens_records_and_closes(people, anomaly):
    fin = people["fin_clerk"]
    investigation = investigation_save(anomaly_id=anomaly.pk, by=fin, findings="场地费含两天布置")
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.INVESTIGATING
    assert (investigation.investigator, investigation.version, investigation.closed_at) == (fin, 1, None)
    investigation = investigation_save(
        anomaly_id=anomaly.pk,
        by=fin,
        findings="场地费含两天布置，超标 ¥500 属实",
        outcome=InvestigationOutcome.RECOVERED,
        actions="已从经办人处追回 ¥500",
        close=True,
        expected_version=1,
    )
    anomaly.refresh_from_db()
    assert anomaly.status == AnomalyStatus.CLOSED and investigation.closed_at is not None
    assert list(investigation.history.values_list("action", "version", "outcome")) == [
        ("opened", 1, ""),
        ("closed", 2, "recovered"),
    ]
    with pytest.raises(ConflictError):  # a closed investigation is final
        investigation_save(anomaly_id=anomaly.pk, by=fin, findings="改", expected_version=2)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "no_issue"}, "findings"),  # closing without findings
        ({"findings": "核查完毕"}, "outcome"),  # closing without an outcome
        ({"findings": "   ", "outcome": "no_issue"}, "findings"),  # blank is no findings
        ({"findings": "核查完毕", "outcome": "fined"}, "outcome"),  # not one of the outcomes
        ({"findings": 12, "outcome": "no_issue"}, "findings"),  # not text
        ({"findings": "x" * 5001, "outcome": "no_issue"}, "findings"),
        ({"findings": "a\x00b", "outcome": "no_issue"}, "findings"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(people, anomaly, data, field):
    before = _state()
    with pytest.raises(ValidationFailed) as caught:
        investigation_save(anomaly_id=anomaly.pk, by=people["fin_clerk"], close=True, **data)
    assert field in caught.value.errors and caught.value.errors[field][0]
    assert _state() == before


def test_a_stale_version_is_a_conflict(people, anomaly):
    fin = people["fin_clerk"]
    investigation_save(anomaly_id=anomaly.pk, by=fin, findings="第一次")
    investigation_save(anomaly_id=anomaly.pk, by=fin, findings="第二次", expected_version=1)
    before = _state()
    with pytest.raises(ConflictError):  # read version 1, someone saved version 2 meanwhile
        investigation_save(anomaly_id=anomaly.pk, by=fin, findings="覆盖？", expected_version=1)
    with pytest.raises(ConflictError):  # two people opening the same anomaly: the second is told
        investigation_save(anomaly_id=anomaly.pk, by=fin, findings="我也立案")
    assert _state() == before


def test_only_finance_writes_the_gm_and_the_department_read(people, anomaly):
    add_outsider(people)
    for who in ("gm", "sales_head", "vp_sales"):
        assert anomalies_visible_to(people[who]).filter(pk=anomaly.pk).exists(), who
        with pytest.raises(Forbidden):
            investigation_save(anomaly_id=anomaly.pk, by=people[who], findings="x")
    for who in ("sales_rep", "admin_clerk", "tech_head", "qa_inspector"):
        assert not anomalies_visible_to(people[who]).exists(), who
        with pytest.raises(NotFound):
            investigation_save(anomaly_id=anomaly.pk, by=people[who], findings="x")
    with pytest.raises(NotFound):
        investigation_save(anomaly_id="abc", by=people["fin_clerk"], findings="x")
    assert investigation_save(anomaly_id=anomaly.pk, by=people["sysadmin"], findings="管理员核查").pk
    assert not Investigation.objects.filter(investigator__username__in=["gm", "sales_head"]).exists()


def test_the_closed_row_needs_findings_and_outcome_in_the_database_too(people, anomaly):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        Investigation.objects.create(anomaly=anomaly, investigator=people["fin_clerk"], closed_at=timezone.now())
