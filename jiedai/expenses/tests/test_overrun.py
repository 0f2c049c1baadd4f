"""policy 5.3.1: overrun control — a visit's claims may not exceed its approved budget plus its approved
supplementary budgets (approval in advance), per category and in total, beyond a run-time tolerance."""

from decimal import Decimal

import pytest

from jiedai.core.errors import ValidationFailed
from jiedai.core.models import SystemSetting
from jiedai.core.tests.race import race
from jiedai.expenses.models import Claim, ClaimStatus, ExpenseCategory
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.claims import claim_create, claim_save_lines, claim_submit, claim_withdraw
from jiedai.expenses.services.overrun import allowance, claimed
from jiedai.expenses.tests.test_supplementary import approved_budget, decide, supplementary
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


_numbers = iter(range(20000000, 29999999))


def _claim(people, reception, categories, amounts: dict):
    """A claim with one line per category (category → yuan), each backed by an invoice of that amount."""
    claim = claim_create(reception_id=reception.pk, by=people["sales_rep"])
    day = reception.visit_start.astimezone(LOCAL_TZ).date()
    lines = []
    for code, amount in amounts.items():
        invoice = {
            "code": "3100231130",
            "number": str(next(_numbers)),
            "date": day,
            "amount_before_tax": amount,
            "tax": "0.00",
            "total": amount,
            "seller_name": "上海某某酒店有限公司",
        }
        lines.append(
            {"category": categories[code], "description": code, "amount_claimed": amount, "invoices": [invoice]}
        )
    return claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)


def _submit(people, claim):
    return claim_submit(claim_id=claim.pk, by=people["sales_rep"])


def test_no_claim_without_an_approved_budget(people, categories):
    reception = approved_reception(people)
    claim = _claim(people, reception, categories, {"catering": "100.00"})
    with pytest.raises(ValidationFailed) as exc:
        _submit(people, claim)
    assert "budget" in exc.value.errors and "预算" in exc.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT


def test_within_budget_is_submitted(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "600.00"})
    first = _submit(people, _claim(people, reception, categories, {"catering": "600.00"}))
    second = _submit(people, _claim(people, reception, categories, {"catering": "400.00", "transport": "600.00"}))
    assert first.status == second.status == ClaimStatus.PENDING_APPROVAL
    assert claimed(reception).total == Decimal("1600.00") == allowance(reception).total


def test_over_in_one_category_is_blocked_with_the_gap(people, categories):
    """Over in catering even though the total fits: refused, naming the category and the gap."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "600.00"})
    claim = _claim(people, reception, categories, {"catering": "1200.00"})
    with pytest.raises(ValidationFailed) as exc:
        _submit(people, claim)
    key = f"category.{categories['catering'].pk}"
    assert set(exc.value.errors) == {key}
    assert "200.00" in exc.value.errors[key][0] and categories["catering"].name in exc.value.errors[key][0]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT


def test_others_claims_count_until_withdrawn(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    first = _submit(people, _claim(people, reception, categories, {"catering": "800.00"}))
    second = _claim(people, reception, categories, {"catering": "300.00"})
    with pytest.raises(ValidationFailed) as exc:
        _submit(people, second)
    assert "100.00" in exc.value.errors["total"][0]
    claim_withdraw(claim_id=first.pk, by=people["sales_rep"])  # a withdrawn claim holds nothing
    assert _submit(people, second).status == ClaimStatus.PENDING_APPROVAL


def test_a_pending_supplementary_budget_does_not_count_an_approved_one_does(people, categories):
    """policy 5.3.1: the overrun is approved in advance — only once approved does the supplement count."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    claim = _claim(people, reception, categories, {"catering": "1300.00"})
    extra = supplementary(people, reception, {"catering": "300.00"}, approve=False)
    with pytest.raises(ValidationFailed):
        _submit(people, claim)
    for approver in ("sales_head", "fin_clerk", "vp_sales"):
        decide(people, "supplementary_budget", extra.pk, approver)
    assert allowance(reception).total == Decimal("1300.00")
    assert _submit(people, claim).status == ClaimStatus.PENDING_APPROVAL


def test_the_tolerance_is_a_run_time_setting(people, categories):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    claim = _claim(people, reception, categories, {"catering": "1050.00"})
    with pytest.raises(ValidationFailed):
        _submit(people, claim)
    SystemSetting.objects.update_or_create(key="overrun_tolerance", defaults={"value": "50.00"})
    assert _submit(people, claim).status == ClaimStatus.PENDING_APPROVAL


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_once_cannot_together_overspend(people, categories):
    """Each claim fits alone, not both: with the visit's budget row locked exactly one is submitted."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    claims = [_claim(people, reception, categories, {"catering": "600.00"}) for _ in range(2)]
    results = race([lambda c=c: _submit(people, c) for c in claims])
    assert sum(isinstance(r, Claim) for r in results) == 1, results
    assert sum(isinstance(r, ValidationFailed) for r in results) == 1, results
    statuses = sorted(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True))
    assert statuses == [ClaimStatus.DRAFT, ClaimStatus.PENDING_APPROVAL]
