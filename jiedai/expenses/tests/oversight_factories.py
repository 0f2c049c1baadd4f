"""Build visits with spending for the oversight tests (policy 5.3.2), through the services: an approved request, its
budget approved through the budget flow, a claim with one line (and one invoice) per amount, submitted and
approved through the reimbursement flow (host head → finance audit → supervising leader → GM)."""

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.expenses.models import Budget, Claim, ExpenseCategory
from jiedai.expenses.services.claims import claim_create, claim_save_lines, claim_submit
from jiedai.expenses.tests.test_supplementary import approved_budget
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

_numbers = itertools.count(40_000_000)
CLAIM_APPROVERS = ("sales_head", "fin_clerk", "vp_sales", "gm")


def local_start(days_ahead: int = 30, hour: int = 9, minute: int = 0) -> datetime:
    """A visit start `days_ahead` from today at a local (Shanghai) time."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def visit(people, *, start=None, days: int = 1, visitors: int = 1, important: bool = False, **overrides):
    """An approved visit of `days` calendar days (local dates, both ends counted) for `visitors` people."""
    start = start or local_start()
    last = start.date() + timedelta(days=days - 1)
    end = datetime(last.year, last.month, last.day, 23, 59, tzinfo=LOCAL_TZ)
    return approved_reception(
        people, important=important, visit_start=start, visit_end=end, visitor_count=visitors, **overrides
    )


def decide_all(people, document_type: str, document_id: int, approvers) -> None:
    for username in approvers:
        task = ApprovalTask.objects.get(
            document_type=document_type, document_id=document_id, status=TaskStatus.PENDING, assignee=people[username]
        )
        approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="")


def claim_for(people, reception, amounts, *, budget=None, invoice_date=None, submit=True, approve=True) -> Claim:
    """A claim for the visit with one line per (category code, amount), each with one invoice of that total dated
    on the visit's first day (or `invoice_date`). The visit's budget is approved first (`budget`: category code →
    yuan; by default each category at its claimed amount)."""
    categories = {c.code: c for c in ExpenseCategory.objects.all()}
    if not Budget.objects.filter(reception=reception).exists():
        approved_budget(people, reception, budget or {code: amount for code, amount in amounts})
    day = invoice_date or reception.visit_start.astimezone(LOCAL_TZ).date()
    lines = [
        {
            "category": categories[code],
            "description": f"{code} 费用",
            "amount_claimed": amount,
            "invoices": [
                {
                    "code": "3100231130",
                    "number": str(next(_numbers)),
                    "date": day,
                    "amount_before_tax": amount,
                    "tax": "0.00",
                    "total": amount,
                }
            ],
        }
        for code, amount in amounts
    ]
    claim = claim_create(reception_id=reception.pk, by=people["sales_rep"])
    claim = claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    if submit:
        claim_submit(claim_id=claim.pk, by=people["sales_rep"])
        if approve:
            decide_all(people, "reimbursement", claim.pk, CLAIM_APPROVERS)
    claim.refresh_from_db()
    return claim


def spent_visit(people, amounts, **visit_kwargs):
    """A visit whose approved claim spent `amounts` ([(category code, yuan)]); returns the visit."""
    reception = visit(people, **visit_kwargs)
    claim_for(people, reception, amounts)
    return reception
