"""`seed_demo` adds the cost standards and budgets approved, under review and in draft (the issue's demo data)."""

from io import StringIO

import pytest
from django.core.management import call_command

from jiedai.expenses.models import Budget, CostStandard, MoneyStatus
from jiedai.expenses.selectors import standard_breaches

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_budgets_in_every_state_once():
    call_command("seed_demo", stdout=StringIO())
    statuses = set(Budget.objects.values_list("status", flat=True))
    assert statuses == {MoneyStatus.APPROVED, MoneyStatus.PENDING_APPROVAL, MoneyStatus.DRAFT}
    approved = Budget.objects.get(status=MoneyStatus.APPROVED)
    assert standard_breaches(approved)  # its welcome lunch is above the catering standard
    counts = (CostStandard.objects.count(), Budget.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (CostStandard.objects.count(), Budget.objects.count()) == counts
