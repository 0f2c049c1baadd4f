"""The policy's flows, seeded as data (an administrator edits them afterwards in the admin).
Used by the data migration and by tests that flush the database."""

GM_CONDITION = {
    "any": [
        {"field": "importance", "in": ["important", "major"]},
        {"field": "estimated_cost", "gt": {"setting": "gm_cost_threshold"}},
    ]
}

FLOWS = [
    {
        "code": "reception_request",
        "name": "客户接待通知申请",
        "document_type": "reception",
        "steps": [
            ("部门负责人审核", "approve", "department_head", "", "any", None, "2.2.1"),
            ("分管领导审批", "approve", "supervising_leader", "", "any", None, "2.2.1"),
            ("总经理审批", "approve", "general_manager", "", "any", GM_CONDITION, "2.2.2"),
        ],
        "cc": [
            ("department_heads_from_field", "coordinating_departments", "2.2.3"),
            ("role", "finance", "2.2.3"),
            ("role", "administration", "2.2.3"),
        ],
    },
    {
        # policy 3.1.2: the plan goes to the leaders and departments concerned for review and confirmation.
        "code": "reception_plan",
        "name": "接待方案审核确认",
        "document_type": "reception_plan",
        "steps": [
            ("接待部门负责人审核", "approve", "department_head", "", "any", None, "3.1.2"),
            (
                "协同部门负责人确认",
                "approve",
                "department_heads_from_field",
                "coordinating_departments",
                "all",
                {"field": "coordinating_departments", "empty": False},
                "3.1.2",
            ),
            (
                "分管领导审核",
                "approve",
                "supervising_leader",
                "",
                "any",
                {"field": "importance", "in": ["important", "major"]},
                "3.1.2",
            ),
        ],
        "cc": [],
    },
    {
        "code": "budget",
        "name": "接待费用预算",
        "document_type": "budget",
        "steps": [
            ("部门负责人审核", "approve", "department_head", "", "any", None, "5.1.2"),
            ("财务审核", "approve", "role", "finance", "any", None, "5.1.2"),
            ("分管领导审批", "approve", "supervising_leader", "", "any", None, "5.1.2"),
        ],
        "cc": [],
    },
    {
        "code": "reimbursement",
        "name": "接待费用报销",
        "document_type": "reimbursement",
        "steps": [
            ("部门负责人签字确认", "approve", "department_head", "", "any", None, "5.2.2"),
            ("财务审核", "approve", "role", "finance", "any", None, "5.2.2"),
            ("分管领导审批", "approve", "supervising_leader", "", "any", None, "5.2.3"),
            ("总经理签字批准", "approve", "general_manager", "", "any", None, "5.2.3"),
            ("财务付款", "handle", "role", "finance", "any", None, "5.2.3"),
        ],
        "cc": [],
    },
    {
        "code": "supplementary_budget",
        "name": "追加预算",
        "document_type": "supplementary_budget",
        "steps": [
            ("部门负责人审核", "approve", "department_head", "", "any", None, "5.3.1"),
            ("财务审核", "approve", "role", "finance", "any", None, "5.3.1"),
            ("分管领导审批", "approve", "supervising_leader", "", "any", None, "5.3.1"),
        ],
        "cc": [],
    },
]


def ensure_seed_flows(Flow=None, FlowStep=None, CcRule=None) -> None:
    """Create version 1 of each policy flow if the flow code does not exist yet (never touches edited flows)."""
    if Flow is None:
        from jiedai.approvals.models import CcRule, Flow, FlowStep
    for spec in FLOWS:
        if Flow.objects.filter(code=spec["code"]).exists():
            continue
        flow = Flow.objects.create(
            code=spec["code"], version=1, name=spec["name"], document_type=spec["document_type"], is_active=True
        )
        for order, (name, kind, resolver, value, mode, condition, clause) in enumerate(spec["steps"], start=1):
            FlowStep.objects.create(
                flow=flow,
                order=order * 10,
                name=name,
                kind=kind,
                resolver=resolver,
                resolver_value=value,
                mode=mode,
                condition=condition,
                clause=clause,
            )
        for target, value, clause in spec["cc"]:
            CcRule.objects.create(flow=flow, target=target, value=value, clause=clause)
