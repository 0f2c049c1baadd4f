"""A year of reception money for the demo (policy 5.3.2: finance's analytics and anomalies need history), and
claims in every state now. Each past visit is replayed through the services on a clock set back in time —
request, approvals, budget, claim with invoices, audit, payment — so every row, history entry and approval task
is what the app itself would have written on those days.

The services read the time from django.utils.timezone.now; `clock` moves that for the replay only."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from unittest import mock

from django.test import override_settings
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, StepKind, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.expenses.models import BudgetLine, Claim, ExpenseCategory
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit
from jiedai.expenses.services.claims import (
    claim_create,
    claim_pay,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
    line_approve_amount,
)
from jiedai.expenses.services.supplementary import supplementary_create, supplementary_submit
from jiedai.notify.models import Notification
from jiedai.receptions.demo import visit_data
from jiedai.receptions.models import LOCAL_TZ
from jiedai.receptions.services import reception_create, reception_submit

FEN = Decimal("0.01")
VAT = Decimal("1.06")  # catering, lodging and most services: 6% VAT
SELLERS = {
    "transport": ("上海申通商务车服务有限公司", "91310000MA1K4XQ21B"),
    "catering": ("上海外滩茂悦大酒店有限公司", "91310000607412553X"),
    "lodging": ("上海静安香格里拉大酒店有限公司", "913100006072803551"),
    "venue": ("上海博览会展服务有限公司", "91310115MA1H7Y9W3C"),
    "materials": ("上海雅昌印刷有限公司", "91310000132201147K"),
    "gifts": ("上海老凤祥礼品有限公司", "91310000132215418M"),
}
# A fully digital invoice (数电票) number: 20 digits, no code (policy 5.2.2). The demo's start at 2531...
_numbers = count(25310000000000100001)

# months ago, requester, purpose, importance, visitors, days, client, what is special about it
HISTORY = [
    (12, "sales_rep", "华东精密年度合作回顾", "normal", 3, 1, 0, ""),
    (11, "tech_eng", "西南能源储能方案技术交流", "normal", 2, 1, 2, ""),
    (10, "sales_rep", "Rheinland Automation 供应商审核", "important", 2, 2, 1, "over_standard"),
    (9, "sales_rep", "深圳智联新品推介", "normal", 4, 1, 3, ""),
    (8, "tech_eng", "华东精密产线改造方案评审", "normal", 3, 2, 0, "line_cut"),
    (7, "sales_rep", "西南能源集团高层拜访", "major", 4, 2, 2, "supplementary"),
    (6, "sales_rep", "Rheinland 年中业务回顾", "normal", 2, 1, 1, ""),
    (5, "tech_eng", "深圳智联联合实验室揭牌", "important", 5, 1, 3, "late_invoice"),
    (4, "sales_rep", "华东精密质量改进跟进", "normal", 2, 1, 0, ""),
    (3, "sales_rep", "Rheinland 董事会成员考察", "major", 1, 2, 1, "lavish"),
    (2, "tech_eng", "西南能源运维培训", "normal", 6, 2, 2, ""),
    (2, "sales_rep", "深圳智联年度采购洽谈", "important", 3, 1, 3, ""),
]
# Recent visits whose claims stand in each state now: days ago, requester, purpose, visitors, client, state
CURRENT = [
    (26, "sales_rep", "华东精密供应链对接会", 2, 0, "rejected"),
    (21, "sales_rep", "西南能源招标澄清会", 3, 2, "audit"),
    (16, "tech_eng", "深圳智联接口联调", 2, 3, "returned"),
    (12, "sales_rep", "Rheinland 物流方案讨论", 2, 1, "approved"),
    (8, "sales_rep", "华东精密样件验收", 3, 0, "draft"),
]


@contextmanager
def clock(at: datetime):
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _local(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def approve_pending(document_type: str, document_id: int, *, comment="同意", stop_at_handle=True, steps=None) -> None:
    """Each pending task of the document, approved by its assignee, step after step (at most `steps` of them),
    up to the flow's "handle" step (finance pays, recorded by claim_pay)."""
    done = 0
    while steps is None or done < steps:
        task = (
            ApprovalTask.objects.filter(
                instance__document_type=document_type, instance__document_id=document_id, status=TaskStatus.PENDING
            )
            .select_related("step", "assignee")
            .order_by("step__order", "id")
            .first()
        )
        if task is None or (stop_at_handle and task.step.kind == StepKind.HANDLE):
            return
        approval_task_decide(task_id=task.pk, by=task.assignee, decision="approve", comment=comment)
        done += 1


def _pending_assignee(document_type: str, document_id: int):
    task = ApprovalTask.objects.filter(
        instance__document_type=document_type, instance__document_id=document_id, status=TaskStatus.PENDING
    ).first()
    return task.assignee if task else None


def _budget_lines(c, *, guests: int, nights: int, meal: str, importance: str) -> list[dict]:
    scale = {"normal": 1, "important": 2, "major": 3}[importance]
    lines = [
        {
            "category": c["transport"],
            "description": "接送机及市内用车",
            "amount": f"{800 * scale}.00",
            "basis": "商务车",
        },
        {"category": c["catering"], "description": "欢迎宴", "quantity": str(guests + 3), "unit_price": meal},
        {"category": c["catering"], "description": "工作餐", "quantity": str(guests + 2), "unit_price": "60"},
        {"category": c["venue"], "description": "会议室布置", "amount": f"{400 * scale}.00"},
        {"category": c["materials"], "description": "资料印刷", "amount": "300.00", "basis": "手册 20 本"},
        {"category": c["gifts"], "description": "伴手礼", "quantity": str(guests), "unit_price": str(120 * scale)},
    ]
    if nights:
        lines.append(
            {
                "category": c["lodging"],
                "description": "酒店住宿",
                "quantity": str(guests),
                "unit_price": "550",
                "times": str(nights),
            }
        )
    return lines


def _invoice(code: str, total: Decimal, day) -> dict:
    before = (total / VAT).quantize(FEN, rounding=ROUND_HALF_UP)
    seller, tax_id = SELLERS[code]
    return {
        "number": str(next(_numbers)),
        "date": day,
        "amount_before_tax": str(before),
        "tax": str(total - before),
        "total": str(total),
        "seller_name": seller,
        "seller_tax_id": tax_id,
    }


def _claim_lines(reception, c, *, share: Decimal, invoice_day, extra: dict | None = None) -> list[dict]:
    """One line per budgeted category: `share` of its budget (plus `extra`), backed by one invoice."""
    names = {category.pk: category.code for category in c.values()}
    budgeted = {}
    for category_id, amount in BudgetLine.objects.filter(budget__reception=reception).values_list(
        "category_id", "amount"
    ):
        budgeted[names[category_id]] = budgeted.get(names[category_id], Decimal("0.00")) + amount
    lines = []
    for code, amount in budgeted.items():
        total = (amount * share + (extra or {}).get(code, 0)).quantize(FEN, rounding=ROUND_HALF_UP)
        lines.append(
            {
                "category": c[code],
                "description": c[code].name,
                "amount_claimed": str(total),
                "invoices": [_invoice(code, total, invoice_day)],
            }
        )
    return lines


def approved_visit(
    people, *, start_at: datetime, requester: str, purpose: str, importance="normal", visitors=2, days=1, client=0
):
    """A visit starting at `start_at`, requested twelve days ahead and approved up its chain the next day."""
    by = people[requester]
    with clock(start_at - timedelta(days=12)):
        data = visit_data(purpose, 12, length=days, importance=importance, clients=(client,), cost="9800.00")
        data["visitor_count"] = visitors
        if importance != "normal":
            data.update(
                lead=by,
                coordinating_departments=["tech" if by.department.code == "sales" else "sales"],
                importance_statement="重点客户，关系到年度合作",
                expected_outcome="达成下一年度合作意向",
            )
        reception = reception_submit(reception_id=reception_create(by=by, data=data).pk, by=by)
    with clock(start_at - timedelta(days=11)):
        approve_pending("reception", reception.pk)
    reception.refresh_from_db()
    return reception


def visit_with_budget(people, c, *, meal: str = "150", **visit):
    """approved_visit, and its budget drawn up two days later and approved the day after (policy 5.1)."""
    reception = approved_visit(people, **visit)
    by, start_at, importance = people[visit["requester"]], visit["start_at"], visit.get("importance", "normal")
    with clock(start_at - timedelta(days=9)):
        nights = max(0, visit.get("days", 1) - 1)
        guests = visit.get("visitors", 2)
        lines = _budget_lines(c, guests=guests, nights=nights, meal=meal, importance=importance)
        budget = budget_save_lines(reception_id=reception.pk, by=by, lines=lines)
        budget_submit(reception_id=reception.pk, by=by)
    with clock(start_at - timedelta(days=8)):
        approve_pending("budget", budget.pk)
    return reception


def claim_with_invoices(
    people, reception, c, *, at: datetime, requester: str, share="0.92", extra=None, invoice_day=None
):
    by = people[requester]
    with clock(at):
        claim = claim_create(reception_id=reception.pk, by=by)
        day = invoice_day or reception.visit_end.astimezone(LOCAL_TZ).date()
        lines = _claim_lines(reception, c, share=Decimal(share), invoice_day=day, extra=extra)
        return claim_save_lines(claim_id=claim.pk, by=by, lines=lines)


def _pay(people, claim, at: datetime) -> None:
    with clock(at):
        claim_pay(
            claim_id=claim.pk, by=people["fin_clerk"], date=at.date(), method="银行转账", reference=f"HX{claim.pk:06d}"
        )


def _past(people, c, months_ago, requester, purpose, importance, visitors, days, client, special) -> None:
    today = timezone.now().astimezone(LOCAL_TZ).date()
    start_at = _local(today - timedelta(days=30 * months_ago - 3), 9)
    meal = "240" if special == "over_standard" else ("480" if special == "lavish" else "150")
    reception = visit_with_budget(
        people,
        c,
        start_at=start_at,
        requester=requester,
        purpose=purpose,
        importance=importance,
        visitors=visitors,
        days=days,
        client=client,
        meal=meal,
    )
    end_at = reception.visit_end
    by = people[requester]
    extra = None
    if special == "supplementary":  # policy 5.3.1: the client brought two more people; asked for and approved first
        with clock(end_at + timedelta(days=1)):
            supplementary = supplementary_create(
                reception_id=reception.pk,
                by=by,
                reason="客户临时增加两位随行高管，欢迎宴和礼品超出原预算",
                lines=[{"category": c["catering"], "amount": "1200.00", "reason": "欢迎宴增加两位"}],
            )
            supplementary_submit(supplementary_id=supplementary.pk, by=by)
        with clock(end_at + timedelta(days=2)):
            approve_pending("supplementary_budget", supplementary.pk)
        extra = {"catering": Decimal("1100.00")}
    # An invoice dated three weeks after the visit (inside the entry window, but an anomaly for finance): claimed
    # after that date.
    late = special == "late_invoice"
    invoice_day = (end_at + timedelta(days=20)).astimezone(LOCAL_TZ).date() if late else None
    claimed_at = end_at + timedelta(days=22 if late else 3)
    share = "1.00" if special == "lavish" else "0.92"
    claim = claim_with_invoices(
        people, reception, c, at=claimed_at, requester=requester, share=share, extra=extra, invoice_day=invoice_day
    )
    with clock(claimed_at + timedelta(hours=2)):
        claim_submit(claim_id=claim.pk, by=by)
    with clock(claimed_at + timedelta(days=1)):
        approve_pending("reimbursement", claim.pk, steps=1)  # the host head
    with clock(claimed_at + timedelta(days=2)):
        if special == "line_cut":  # policy 5.2.2: finance approves the gifts lower, with its reason
            line = claim.lines.get(category=c["gifts"])
            line_approve_amount(
                line_id=line.pk,
                by=people["fin_clerk"],
                amount=(line.amount_claimed / 2).quantize(FEN),
                reason="礼品超出人均标准，按标准核定",
            )
        approve_pending("reimbursement", claim.pk, steps=1)  # finance audit
    with clock(claimed_at + timedelta(days=4)):
        approve_pending("reimbursement", claim.pk)  # the leader and the GM
    _pay(people, claim, claimed_at + timedelta(days=6))


def _current(people, c, days_ago, requester, purpose, visitors, client, state) -> Claim:
    now = timezone.now()
    start_at = _local((now - timedelta(days=days_ago)).astimezone(LOCAL_TZ).date(), 9)
    reception = visit_with_budget(
        people,
        c,
        start_at=start_at,
        requester=requester,
        purpose=purpose,
        importance="normal",
        visitors=visitors,
        days=1,
        client=client,
    )
    by = people[requester]
    end_at = reception.visit_end
    claim = claim_with_invoices(people, reception, c, at=end_at + timedelta(days=2), requester=requester)
    if state == "draft":
        return claim
    with clock(end_at + timedelta(days=2, hours=3)):
        claim_submit(claim_id=claim.pk, by=by)
    with clock(min(now, end_at + timedelta(days=3))):
        approve_pending("reimbursement", claim.pk, steps=1)  # the host head: now at finance's audit
    if state == "audit":
        return claim
    with clock(min(now, end_at + timedelta(days=4))):
        auditor = _pending_assignee("reimbursement", claim.pk)
        task = ApprovalTask.objects.get(
            instance__document_type="reimbursement", instance__document_id=claim.pk, status=TaskStatus.PENDING
        )
        if state == "returned":
            approval_task_decide(task_id=task.pk, by=auditor, decision="return", comment="住宿发票请附入住清单")
        elif state == "rejected":
            approval_task_decide(task_id=task.pk, by=auditor, decision="reject", comment="该次费用已在其他报销单中报销")
        else:
            approve_pending("reimbursement", claim.pk)  # finance, the leader, the GM: waiting for payment
    return claim


def replay_year(people) -> None:
    c = {category.code: category for category in ExpenseCategory.objects.all()}
    # The past was read long ago: in-app only (no year of e-mails), and marked read.
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with override_settings(NOTIFY_CHANNELS=["inapp"]):
        for entry in HISTORY:
            _past(people, c, *entry)
    Notification.objects.filter(pk__gt=before).update(read_at=timezone.now())
    claims = {entry[-1]: _current(people, c, *entry) for entry in CURRENT}
    # A second claim on the draft's visit, submitted and taken back by its requester: withdrawn.
    draft = claims["draft"]
    again = claim_with_invoices(
        people, draft.reception, c, at=timezone.now() - timedelta(days=1), requester="sales_rep", share="0.05"
    )
    claim_submit(claim_id=again.pk, by=people["sales_rep"])
    claim_withdraw(claim_id=again.pk, by=people["sales_rep"], comment="金额填错，撤回重填")
