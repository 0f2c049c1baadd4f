"""Demo money (policy 5.1): the company's cost standards, and budgets approved, under review and in draft for the
demo's approved visits — built through the services. Idempotent: runs only when no cost standard exists yet."""

from decimal import Decimal

from django.db import transaction

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.expenses.demo_history import replay_year
from jiedai.expenses.models import Budget, CostStandard, ExpenseCategory
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.anomalies import anomalies_scan
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit
from jiedai.receptions.models import Reception, ReceptionStatus

# category, importance ("" = all), unit, limit (policy 1.3.4: thrift, written down as standards)
STANDARDS = [
    ("catering", "", "per_head_meal", "150.00"),
    ("catering", "important", "per_head_meal", "220.00"),
    ("catering", "major", "per_head_meal", "300.00"),
    ("lodging", "", "per_room_night", "600.00"),
    ("lodging", "major", "per_room_night", "900.00"),
    ("gifts", "", "per_person", "300.00"),
    ("venue", "", "per_line", "3000.00"),
]


def _lines(c, *, guests: int, nights: int, meal: str):
    return [
        {"category": c["transport"], "description": "机场接送及市内用车", "amount": "1200.00", "basis": "商务车 3 趟"},
        {"category": c["catering"], "description": "欢迎午宴", "quantity": str(guests + 3), "unit_price": meal},
        {
            "category": c["catering"],
            "description": "工作餐",
            "quantity": str(guests + 2),
            "unit_price": "60",
            "times": "2",
        },
        {
            "category": c["lodging"],
            "description": "酒店住宿",
            "quantity": str(max(1, guests - 1)),
            "unit_price": "580",
            "times": str(nights),
        },
        {"category": c["venue"], "description": "会场布置与欢迎屏", "amount": "800.00"},
        {"category": c["materials"], "description": "资料印刷", "amount": "350.00", "basis": "彩色手册 20 本"},
        {"category": c["gifts"], "description": "伴手礼", "quantity": str(guests), "unit_price": "280"},
    ]


def _decide(people, budget, username):
    task = ApprovalTask.objects.get(
        document_type="budget", document_id=budget.pk, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="同意")


@transaction.atomic
def ensure_demo(people) -> int:
    if CostStandard.objects.exists():
        return 0
    ensure_categories()
    c = {category.code: category for category in ExpenseCategory.objects.all()}
    for code, importance, unit, limit in STANDARDS:
        CostStandard.objects.create(category=c[code], importance=importance, unit=unit, limit=Decimal(limit))
    rep = people["sales_rep"]
    visits = list(
        Reception.objects.filter(requester=rep, status=ReceptionStatus.APPROVED, plan__isnull=False).order_by("pk")
    )
    for n, reception in enumerate(visits[:3]):
        nights = max(1, (reception.days_of_stay or 1) - 1)
        meal = "240" if n == 0 else "150"  # the first is above its standard: flagged for the approvers
        budget_save_lines(
            reception_id=reception.pk,
            by=rep,
            lines=_lines(c, guests=reception.visitor_count or 2, nights=nights, meal=meal),
        )
        if n == 2:
            continue  # a draft
        budget = budget_submit(reception_id=reception.pk, by=rep)
        _decide(people, budget, "sales_head")
        if n == 0:  # approved: finance reviewed, the leader approved (policy 5.1.2)
            _decide(people, budget, "fin_clerk")
            _decide(people, budget, "vp_sales")
    replay_year(people)  # policy 5.3.2: a year of claims for the analytics, and claims in every state now
    anomalies_scan()  # what finance would find on it (the daily job would too)
    return Budget.objects.count()
