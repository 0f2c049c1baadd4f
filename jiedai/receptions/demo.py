"""Demo requests in every status, built through the services so their histories are real. Idempotent: runs
only when the demo requester has no requests yet."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.receptions.models import LOCAL_TZ, Reception
from jiedai.receptions.services import reception_create, reception_submit

CLIENTS = [
    {
        "name": "林海",
        "organization": "华东精密机械有限公司",
        "title": "采购总监",
        "phone": "13800138001",
        "email": "linhai@hdjm.example.com",
    },
    {
        "name": "Anna Müller",
        "organization": "Rheinland Automation GmbH",
        "title": "Head of Sourcing",
        "phone": "+49 211 555 0101",
        "email": "anna.mueller@rheinland.example.com",
    },
    {
        "name": "周敏",
        "organization": "西南能源集团",
        "title": "副总经理",
        "phone": "13900139002",
        "email": "zhoumin@xnny.example.com",
    },
    {
        "name": "黄志强",
        "organization": "深圳智联科技",
        "title": "技术总监",
        "phone": "13700137003",
        "email": "huangzq@szzl.example.com",
    },
]


def local_at(days: int, hour: int, minute: int = 0) -> datetime:
    day = (timezone.now().astimezone(LOCAL_TZ) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def visit_data(purpose, days, *, length=1, importance="normal", cost="6800.00", clients=(0,), **extra):
    data = {
        "purpose": purpose,
        "visit_start": local_at(days, 9),
        "visit_end": local_at(days + length - 1, 17),
        "visitor_count": 2 + len(clients),
        "importance": importance,
        "estimated_cost": Decimal(cost),
        "escort_needs": "需要销售部和技术部各一名同事全程陪同",
        "clients": [CLIENTS[i] for i in clients],
    }
    data.update(extra)
    return data


def _important(people, purpose, days, **extra):
    return visit_data(
        purpose,
        days,
        importance="important",
        lead=people["sales_head"],
        coordinating_departments=["tech"],
        importance_statement="重点客户，年度采购额预计超过 2000 万元",
        expected_outcome="签订年度框架协议",
        **extra,
    )


def decide_as(people, reception, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        instance__document_type="reception",
        instance__document_id=reception.pk,
        status=TaskStatus.PENDING,
        assignee=people[username],
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)


@transaction.atomic
def ensure_demo(people) -> int:
    rep = people["sales_rep"]
    if Reception.objects.filter(requester=rep).exists():
        return 0

    def new(data, by=rep):
        return reception_create(by=by, data=data)

    def submit(reception, by=rep):
        return reception_submit(reception_id=reception.pk, by=by)

    new(visit_data("洽谈 2027 年度备件供货合同（草稿）", 40, clients=(3,)))
    pending = submit(new(_important(people, "华东精密年度框架协议谈判及工厂参观", 21, length=2, clients=(0,))))
    decide_as(people, pending, "sales_head", comment="同意，请技术部配合参观安排")
    submit(new(visit_data("深圳智联技术交流", 18, clients=(3,))))
    approved = submit(
        new(_important(people, "Rheinland Automation 工厂审核与新品发布", 12, length=3, cost="48000.00", clients=(1,)))
    )
    for username in ("sales_head", "vp_sales", "gm"):
        decide_as(people, approved, username, comment="同意")
    normal_ok = submit(new(visit_data("西南能源集团回访座谈", 6, clients=(2,))))
    for username in ("sales_head", "vp_sales"):
        decide_as(people, normal_ok, username)
    returned = submit(new(visit_data("华东精密质量问题沟通会", 9, clients=(0,), cost="3000.00")))
    decide_as(people, returned, "sales_head", "return", "请补充陪同人员名单和预计费用明细")
    rejected = submit(new(visit_data("Rheinland 市场部非正式拜访", 15, clients=(1,), cost="26000.00")))
    decide_as(people, rejected, "sales_head", "approve")
    decide_as(people, rejected, "vp_sales", "reject", "费用偏高且必要性不足，建议改为线上会议")
    withdrawn = submit(new(visit_data("深圳智联样品确认（已改期）", 25, clients=(3,))))
    from jiedai.receptions.services import reception_withdraw

    reception_withdraw(reception_id=withdrawn.pk, by=rep, comment="客户行程改期")
    tech = submit(
        new(visit_data("技术部：西南能源系统集成方案评审", 10, clients=(2,)), by=people["tech_eng"]),
        by=people["tech_eng"],
    )
    decide_as(people, tech, "tech_head")
    return Reception.objects.filter(requester__in=[rep, people["tech_eng"]]).count()
