"""Reception money for the bench (policy 5): an approved budget for every approved request, supplementary budgets
for some, and for visits already over their reimbursement claims with their lines, written in bulk like bench.seed
(rows as dicts with explicit ids, executemany in batches). Runs inside Django, after bench.seed_planning.

Sizes: about 10 expense lines per request of the whole seed (100,000 requests → about 1,000,000 lines: at 60%
approved, six budget lines a visit, two claims (three for 15%) of five or six lines each for the visits before
the seed's day, and a supplementary line for one visit in ten). Claims: 80% paid, 12% approved, 8% pending at
finance's audit (their approval instance and task are seeded, so "claims waiting" has rows). No invoices, payments
or claim history: they are not what the analytics read, and they would triple the row count.
"""

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench.seed import insert_rows, log, next_id
from jiedai.approvals.models import ApprovalInstance, ApprovalTask, Flow, InstanceStatus, TaskStatus
from jiedai.expenses.models import (
    Budget,
    BudgetLine,
    Claim,
    ClaimLine,
    ClaimStatus,
    ExpenseCategory,
    MoneyStatus,
    SupplementaryBudget,
    SupplementaryLine,
)
from jiedai.expenses.seeds import ensure_categories
from jiedai.org.models import Role
from jiedai.org.selectors import users_with_role
from jiedai.receptions.models import Reception, ReceptionStatus

# Everything written here with explicit ids (PostgreSQL sequences are reset after; see bench.seed.reset_sequences).
EXPENSE_MODELS = [Budget, BudgetLine, SupplementaryBudget, SupplementaryLine, Claim, ClaimLine]
CLAIMS_PER_VISIT = 2
THIRD_CLAIM_SHARE = 0.15  # a few visits are claimed in three goes
LINES_PER_CLAIM = (5, 6)  # of the six categories
SUPPLEMENTARY_SHARE = 0.1
VISITS_PER_FLUSH = 2000
# Yuan per visitor and day, by category code (a visit's budget is about this × visitors × days).
PER_VISITOR_DAY = {"transport": 120, "catering": 260, "lodging": 380, "venue": 60, "materials": 25, "gifts": 90}
CENT = Decimal("0.01")


def _amount(rng: random.Random, base: float) -> Decimal:
    return (Decimal(str(base * rng.uniform(0.6, 1.4)))).quantize(CENT)


class MoneyWriter:
    def __init__(self, rng: random.Random, *, now):
        self.rng, self.now = rng, now
        self.ids = {model: next_id(model) for model in [*EXPENSE_MODELS, ApprovalInstance, ApprovalTask]}
        self.categories = list(ExpenseCategory.objects.filter(is_active=True).order_by("position", "id"))
        self.flow = Flow.objects.get(code="reimbursement", is_active=True)
        self.audit_step = self.flow.steps.order_by("order")[1]  # finance's audit (policy 5.2.2)
        finance = users_with_role(Role.FINANCE).first()
        self.finance_id = finance.pk if finance else None
        self.lines = 0
        self.reset()

    def reset(self):
        self.rows = {model: [] for model in [*EXPENSE_MODELS, ApprovalInstance, ApprovalTask]}

    def _add(self, model, **fields) -> int:
        fields["id"] = pk = self.ids[model]
        self.ids[model] = pk + 1
        self.rows[model].append(fields)
        return pk

    def add_visit(self, visit) -> None:
        pk, requester_id, department_id, start, end, visitors, approved_at, number = visit
        rng = self.rng
        days = max(1, (end - start).days + 1)
        people = visitors or 3
        made = min(approved_at or start, self.now) - timedelta(hours=1)
        approved = made + timedelta(hours=rng.randrange(2, 72))
        approved = min(approved, self.now)
        budget_id = self._add(
            Budget,
            reception_id=pk,
            status=MoneyStatus.APPROVED,
            total=Decimal("0.00"),
            created_by_id=requester_id,
            created_at=made,
            updated_at=approved,
            submitted_at=made,
            approved_at=approved,
        )
        allowed = {}
        total = Decimal("0.00")
        for position, category in enumerate(self.categories):
            amount = _amount(rng, PER_VISITOR_DAY.get(category.code, 50) * people * days)
            allowed[category.pk] = amount
            total += amount
            self._add(
                BudgetLine,
                budget_id=budget_id,
                category_id=category.pk,
                description=f"{category.name}预算",
                amount=amount,
                basis=f"{people} 人 × {days} 天",
                position=position,
            )
            self.lines += 1
        self.rows[Budget][-1]["total"] = total
        if rng.random() < SUPPLEMENTARY_SHARE:
            category = rng.choice(self.categories)
            extra = (allowed[category.pk] * Decimal("0.2")).quantize(CENT)
            allowed[category.pk] += extra
            supplementary_id = self._add(
                SupplementaryBudget,
                reception_id=pk,
                status=MoneyStatus.APPROVED,
                reason="客户临时增加随行人员",
                total=extra,
                created_by_id=requester_id,
                created_at=approved,
                updated_at=approved,
                submitted_at=approved,
                approved_at=approved,
            )
            self._add(SupplementaryLine, supplementary_id=supplementary_id, category_id=category.pk, amount=extra)
            self.lines += 1
        if end >= self.now:  # claims come after the visit (policy 5.2.1)
            return
        for _n in range(CLAIMS_PER_VISIT + (rng.random() < THIRD_CLAIM_SHARE)):
            self._add_claim(pk, requester_id, department_id, end, allowed, number)

    def _add_claim(self, reception_id, requester_id, department_id, end, allowed, number) -> None:
        rng = self.rng
        r = rng.random()
        status = ClaimStatus.PAID if r < 0.80 else ClaimStatus.APPROVED if r < 0.92 else ClaimStatus.PENDING_APPROVAL
        submitted = min(end + timedelta(days=rng.randrange(1, 10)), self.now - timedelta(hours=2))
        decided = min(submitted + timedelta(days=rng.randrange(1, 8)), self.now - timedelta(hours=1))
        claim_id = self._add(
            Claim,
            reception_id=reception_id,
            status=status,
            total_claimed=Decimal("0.00"),
            total_approved=None,
            created_by_id=requester_id,
            created_at=submitted,
            updated_at=decided,
            submitted_at=submitted,
            approved_at=None if status == ClaimStatus.PENDING_APPROVAL else decided,
            paid_at=decided if status == ClaimStatus.PAID else None,
        )
        claimed = approved_total = Decimal("0.00")
        categories = rng.sample(self.categories, rng.randint(*LINES_PER_CLAIM))
        for position, category in enumerate(categories):
            # about the budget over the claims, some visits above it (what finance looks into)
            amount = (allowed[category.pk] * Decimal(str(rng.uniform(0.25, 0.55)))).quantize(CENT)
            approved = None
            if status != ClaimStatus.PENDING_APPROVAL:
                approved = amount if rng.random() < 0.9 else (amount * Decimal("0.9")).quantize(CENT)
                approved_total += approved
            claimed += amount
            self._add(
                ClaimLine,
                claim_id=claim_id,
                category_id=category.pk,
                description=category.name,
                amount_claimed=amount,
                amount_approved=approved,
                rejected_reason="超出标准" if approved is not None and approved < amount else "",
                position=position,
            )
            self.lines += 1
        row = self.rows[Claim][-1]
        row["total_claimed"] = claimed
        row["total_approved"] = None if status == ClaimStatus.PENDING_APPROVAL else approved_total
        if status == ClaimStatus.PENDING_APPROVAL and self.finance_id:
            instance_id = self._add(
                ApprovalInstance,
                flow_id=self.flow.pk,
                document_type="reimbursement",
                document_id=claim_id,
                title=f"接待费用报销：{number}",
                url=f"/receptions/{reception_id}/claims/{claim_id}/",
                applicant_id=requester_id,
                department_id=department_id,
                status=InstanceStatus.PENDING,
                round=1,
                current_step_id=self.audit_step.pk,
                snapshot={"total": str(claimed)},
                submitted_at=submitted,
            )
            self._add(
                ApprovalTask,
                instance_id=instance_id,
                document_type="reimbursement",
                document_id=claim_id,
                step_id=self.audit_step.pk,
                round=1,
                assignee_id=self.finance_id,
                status=TaskStatus.PENDING,
                created_at=submitted + timedelta(hours=rng.randrange(1, 48)),
            )

    def flush(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for model, rows in self.rows.items():
                if rows:
                    insert_rows(cursor, model, rows)
        self.reset()


VISIT_FIELDS = (
    "id",
    "requester_id",
    "host_department_id",
    "visit_start",
    "visit_end",
    "visitor_count",
    "approved_at",
    "number",
)


def seed_money(rng: random.Random) -> dict:
    """Budgets, supplementary budgets and claims for every approved request; returns what was written."""
    started = time.monotonic()
    ensure_categories()
    writer = MoneyWriter(rng, now=timezone.now())
    visits = list(Reception.objects.filter(status=ReceptionStatus.APPROVED).order_by("id").values_list(*VISIT_FIELDS))
    for start in range(0, len(visits), VISITS_PER_FLUSH):
        for visit in visits[start : start + VISITS_PER_FLUSH]:
            writer.add_visit(visit)
        writer.flush()
        log(
            f"  money for {min(start + VISITS_PER_FLUSH, len(visits)):,}/{len(visits):,} visits"
            f" ({writer.lines:,} lines)"
        )
    result = {"seconds": round(time.monotonic() - started, 1), "visits": len(visits), "expense_lines": writer.lines}
    log(f"  money done: {result}")
    return result
