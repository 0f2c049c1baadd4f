"""Helpers to build requests in tests through the services (never raw saves)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jiedai.receptions.services import reception_create, reception_submit


def request_data(**overrides) -> dict:
    start = (timezone.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    data = {
        "purpose": "考察生产线并洽谈年度采购",
        "visit_start": start,
        "visit_end": start + timedelta(days=1, hours=8),
        "visitor_count": 3,
        "importance": "normal",
        "estimated_cost": Decimal("5000.00"),
        "escort_needs": "需要技术部工程师陪同参观",
        "clients": [
            {"name": "林海", "organization": "华东精密机械有限公司", "title": "采购总监", "phone": "13800000000"}
        ],
    }
    data.update(overrides)
    return data


def important_data(people, **overrides) -> dict:
    return request_data(
        importance="important",
        lead=people["sales_rep"],
        coordinating_departments=["tech"],
        importance_statement="年度最大客户，续签框架协议",
        expected_outcome="签订 2027 年框架协议",
        **overrides,
    )


def submitted_request(people, requester="sales_rep", **overrides):
    reception = reception_create(by=people[requester], data=request_data(**overrides))
    return reception_submit(reception_id=reception.pk, by=people[requester])


def decide(people, reception, username, decision="approve", comment=""):
    """The named person decides their pending task on the request, through the engine."""
    from jiedai.approvals.models import ApprovalTask, TaskStatus
    from jiedai.approvals.services import approval_task_decide

    task = ApprovalTask.objects.get(
        instance__document_type="reception",
        instance__document_id=reception.pk,
        status=TaskStatus.PENDING,
        assignee=people[username],
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)
    reception.refresh_from_db()
    return reception
