"""Visits with budgets and claims in every state, made through the services (policy 5.1–5.3), for the analytics
tests: an approved visit, its approved budget, supplementary budgets, claims walked through the reimbursement flow
(host head → finance audit → supervising leader → GM → finance pays)."""

import itertools
from datetime import timedelta

from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.models import SystemSetting
from jiedai.expenses.models import Budget, ClaimLine, ExpenseCategory
from jiedai.expenses.services.claims import claim_create, claim_pay, claim_save_lines, claim_submit, line_approve_amount
from jiedai.expenses.tests.test_supplementary import approved_budget, supplementary
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

_numbers = itertools.count(40_000_000)  # invoice numbers are unique across claims (policy 5.2.2)


def visit(people, *, days_ahead=40, hour=10, days=1, visitors=3, organization="华东精密机械有限公司", **overrides):
    """An approved visit starting `days_ahead` days from now at `hour` (Beijing), lasting `days` local days."""
    start = (timezone.now().astimezone(LOCAL_TZ) + timedelta(days=days_ahead)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    clients = [{"name": "林海", "organization": organization, "title": "采购总监", "phone": "13800000000"}]
    return approved_reception(
        people,
        visit_start=start,
        visit_end=start + timedelta(days=days - 1, hours=6),
        visitor_count=visitors,
        clients=clients,
        **overrides,
    )


def budget(people, reception, amounts: dict[str, str]) -> Budget:
    return approved_budget(people, reception, amounts)


def extra(people, reception, amounts: dict[str, str], **kwargs):
    return supplementary(people, reception, amounts, **kwargs)


def decide(people, claim_id, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        document_type="reimbursement", document_id=claim_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment or "")


STAGES = ("draft", "pending", "audit", "approved", "paid")


def claim(people, reception, amounts: dict[str, str], *, stage="approved", lower: dict[str, str] | None = None):
    """A claim of `amounts` (category code → yuan, one line each) brought to `stage`: draft, pending (at the host
    head), audit (at finance), approved (waiting for payment) or paid. `lower`: category → the amount finance
    approves at its audit step."""
    categories = {c.code: c for c in ExpenseCategory.objects.all()}
    # The visits lie ahead (a request is made before its visit) and invoices may not be dated in the future: date
    # them today, with the window around the visit widened to reach it (policy 5.2.2).
    SystemSetting.objects.update_or_create(key="invoice_date_window_days", defaults={"value": "1000"})
    day = min(reception.visit_start.astimezone(LOCAL_TZ).date(), timezone.now().astimezone(LOCAL_TZ).date())
    lines = []
    for code, amount in amounts.items():
        invoice = {
            "code": "3100231130",
            "number": str(next(_numbers)),
            "date": day,
            "amount_before_tax": amount,
            "tax": "0.00",
            "total": amount,
        }
        lines.append(
            {"category": categories[code], "description": f"{code}", "amount_claimed": amount, "invoices": [invoice]}
        )
    rep = people["sales_rep"]
    made = claim_create(reception_id=reception.pk, by=rep)
    made = claim_save_lines(claim_id=made.pk, by=rep, lines=lines)
    want = STAGES.index(stage)
    if want >= 1:
        claim_submit(claim_id=made.pk, by=rep)
    if want >= 2:
        decide(people, made.pk, "sales_head")
    if want >= 3:
        for code, amount in (lower or {}).items():
            line = ClaimLine.objects.get(claim=made, category__code=code)
            line_approve_amount(line_id=line.pk, by=people["fin_clerk"], amount=amount, reason="超出标准")
        for username in ("fin_clerk", "vp_sales", "gm"):
            decide(people, made.pk, username)
    if want >= 4:
        claim_pay(claim_id=made.pk, by=people["fin_clerk"], date=timezone.now().date(), method="银行转账")
    made.refresh_from_db()
    return made
