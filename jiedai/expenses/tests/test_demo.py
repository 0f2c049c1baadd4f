"""`seed_demo` adds the issue's demo money: cost standards; budgets approved, under review and in draft; claims in
every state; an approved supplementary budget; a year of paid claims for the analytics (policy 5.3.2) — replayed
through the services on the days they happened; built once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.db.models.functions import TruncMonth

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.expenses.models import (
    Anomaly,
    Budget,
    Claim,
    ClaimLine,
    ClaimStatus,
    CostStandard,
    MoneyStatus,
    Payment,
    SupplementaryBudget,
)
from jiedai.expenses.selectors import standard_breaches
from jiedai.notify.models import Notification

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_money_in_every_state_once():
    call_command("seed_demo", stdout=StringIO())
    assert set(Budget.objects.values_list("status", flat=True)) == {
        MoneyStatus.APPROVED,
        MoneyStatus.PENDING_APPROVAL,
        MoneyStatus.DRAFT,
    }
    assert any(standard_breaches(budget) for budget in Budget.objects.filter(status=MoneyStatus.APPROVED))
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert SupplementaryBudget.objects.filter(status=MoneyStatus.APPROVED).exists()
    assert ClaimLine.objects.filter(amount_approved__lt=F("amount_claimed")).exists()  # finance cut a line

    paid = Claim.objects.filter(status=ClaimStatus.PAID)
    months = set(paid.annotate(m=TruncMonth("paid_at")).values_list("m", flat=True))
    assert len(months) >= 10  # a year of history
    assert Payment.objects.count() == paid.count()
    # History happened on its days: each paid claim's approvals were decided before its payment.
    for claim in paid:
        decided = ApprovalTask.objects.filter(
            instance__document_type="reimbursement", instance__document_id=claim.pk, decided_at__isnull=False
        ).values_list("decided_at", flat=True)
        assert decided and max(decided) <= claim.paid_at and claim.submitted_at > claim.reception.visit_end
    # A claim waits now at finance's audit (policy 5.2.2), submitted days ago.
    waiting = ApprovalTask.objects.filter(instance__document_type="reimbursement", status=TaskStatus.PENDING)
    assert [task.step.resolver_value for task in waiting.select_related("step")] == ["finance"]
    # The past's notifications are read; what waits now is not.
    assert Notification.objects.filter(read_at__isnull=True, document_type="reimbursement").exists()

    # policy 5.3.2: finance finds something to investigate in it
    assert {"invoice_date", "over_standard", "cost_outlier"} <= set(Anomaly.objects.values_list("kind", flat=True))

    counts = (CostStandard.objects.count(), Budget.objects.count(), Claim.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (CostStandard.objects.count(), Budget.objects.count(), Claim.objects.count()) == counts
