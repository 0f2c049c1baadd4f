"""The budget's and the claims' permission matrix (policy 5.1, 5.2): every budget and claim page, action and API
operation, walked by every role (the roles of jiedai/core/tests/matrix_roles.py), allowed or denied as the table
says. The core matrix's `test_every_route_is_in_the_matrix` counts the routes listed here.

Who is who on the money (expenses.access): the requester (sales_rep, also the lead) is the only editor. Readers:
the host head and supervising leader, the GM, finance and the superuser. Administration and the coordinating
department (tech: its head and members) see the plan but not the money: 404, like the outsider (qa). Finance alone
approves a claim line lower at its audit step and records the payment (policy 5.2.2–5.2.3). Reading an invoice file
(POST /api/v1/invoices/read) saves nothing and tells nothing of the company's data: any signed-in user."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask
from jiedai.core.tests.matrix_roles import ROLES, add_outsider
from jiedai.expenses.models import (
    Budget,
    BudgetHistory,
    BudgetLine,
    Claim,
    ClaimHistory,
    ClaimStatus,
    ExpenseCategory,
    Invoice,
    MoneyStatus,
    Payment,
)
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.budgets import budget_save_lines, budget_submit, budget_withdraw
from jiedai.expenses.services.claims import claim_create, claim_save_lines, claim_submit
from jiedai.org.models import ApiToken, User
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

READERS = {"requester", "head", "leader", "gm", "finance", "sysadmin"}

OK, ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "200", "allowed", "login", "403", "404"


def _rule(allowed: set[str], *, ok=ALLOWED) -> dict[str, str]:
    """`allowed` roles get `ok`; the other money readers 403; everyone else 404; anonymous the login page."""
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = LOGIN
        elif role in allowed:
            out[role] = ok
        elif role in READERS:
            out[role] = FORBIDDEN
        else:
            out[role] = NOT_FOUND
    return out


READ = _rule(READERS, ok=OK)
EDIT = _rule({"requester"})
FINANCE = _rule({"finance"})  # policy 5.2.2–5.2.3: the finance audit's line amounts, the payment


def _api(rule: dict[str, str]) -> dict[str, str]:
    """The same rule over the API: anonymous gets 401; an allowed call (with a valid body) succeeds (2xx)."""
    return {role: ("401" if role == "anonymous" else expect) for role, expect in rule.items()}


API_READ, API_EDIT, API_FINANCE = _api(READ), _api(EDIT), _api(FINANCE)
API_ANYONE = {role: ("401" if role == "anonymous" else ALLOWED) for role in ROLES}


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    expect: dict[str, str]
    needs: str = ""  # the budget's ("draft", "pending") or the claim's ("claim_draft", ... "claim_approved") state

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}"


WEB_CASES = [
    Case("expenses:budget", "GET", READ),
    Case("expenses:budget", "POST", EDIT, "draft"),
    Case("expenses:budget_submit", "POST", EDIT, "draft"),
    Case("expenses:budget_withdraw", "POST", EDIT, "pending"),
    # policy 5.2: reimbursement claims, on a second visit whose budget is approved
    Case("expenses:claims", "GET", READ),
    Case("expenses:claims", "POST", EDIT),
    Case("expenses:claim", "GET", READ, "claim_draft"),
    Case("expenses:claim", "POST", EDIT, "claim_draft"),
    Case("expenses:claim_submit", "POST", EDIT, "claim_draft"),
    Case("expenses:claim_withdraw", "POST", EDIT, "claim_pending"),
    Case("expenses:claim_line_approve", "POST", FINANCE, "claim_audit"),
    Case("expenses:claim_pay", "POST", FINANCE, "claim_approved"),
    Case("expenses:claim_invoice_file", "GET", READ, "claim_file"),
    Case("expenses:claim_invoice_read", "POST", EDIT, "claim_draft"),  # policy 5.2.2: htmx, saves nothing
]
BUDGET_API = "/api/v1/receptions/{reception_id}/budget"
CLAIMS_API = "/api/v1/receptions/{reception_id}/claims"
CLAIM_API = "/api/v1/claims/{claim_id}"
API_CASES = [
    Case(f"GET {BUDGET_API}", "GET", API_READ),
    Case(f"PUT {BUDGET_API}", "PUT", API_EDIT, "draft"),
    Case(f"POST {BUDGET_API}/submit", "POST", API_EDIT, "draft"),
    Case(f"POST {BUDGET_API}/withdraw", "POST", API_EDIT, "pending"),
    Case(f"GET {CLAIMS_API}", "GET", API_READ),
    Case(f"POST {CLAIMS_API}", "POST", API_EDIT),
    Case(f"GET {CLAIM_API}", "GET", API_READ, "claim_draft"),
    Case(f"PUT {CLAIM_API}", "PUT", API_EDIT, "claim_draft"),
    Case(f"POST {CLAIM_API}/submit", "POST", API_EDIT, "claim_draft"),
    Case(f"POST {CLAIM_API}/withdraw", "POST", API_EDIT, "claim_pending"),
    Case(f"POST {CLAIM_API}/pay", "POST", API_FINANCE, "claim_approved"),
    Case(f"POST {CLAIM_API}/lines/{{line_id}}/approve", "POST", API_FINANCE, "claim_audit"),
    # policy 5.2.2: multipart uploads (see _api_multipart)
    Case(f"POST {CLAIM_API}/lines/{{line_id}}/invoices", "POST", API_EDIT, "claim_draft"),
    Case("POST /api/v1/invoices/read", "POST", API_ANYONE),
]
CASES = WEB_CASES + API_CASES
WEB_ROUTES = {case.route for case in WEB_CASES}
API_ROUTES = {case.route for case in API_CASES}


@dataclass
class World:
    users: dict[str, User]
    people: dict[str, User]
    reception: int
    category: int
    tokens: dict[str, str]
    claim_reception: int = 0  # a second visit, its budget approved, for the claims (policy 5.2)
    claim: int = 0  # the claim the cases work on; a new one once it has ended


def _line(category: int) -> dict:
    return {"category": category, "description": "矩阵：欢迎午宴", "quantity": "8", "unit_price": "150.00"}


def build_world() -> World:
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.org.demo import ensure_demo_org

    ensure_seed_flows()
    people = ensure_demo_org()
    add_outsider(people)
    ensure_categories()
    category = ExpenseCategory.objects.get(code="catering").pk
    # Important: a coordinating department (tech), whose head and members see the plan, not the money.
    reception = approved_reception(people, important=True)
    budget_save_lines(reception_id=reception.pk, by=people["sales_rep"], lines=[_line(category)])
    users = {role: people[username] for role, username in ROLES.items() if username}
    tokens = {role: ApiToken.issue(user) for role, user in users.items()}
    world = World(users=users, people=people, reception=reception.pk, category=category, tokens=tokens)
    other = approved_reception(people)
    budget = budget_save_lines(
        reception_id=other.pk,
        by=people["sales_rep"],
        lines=[{"category": category, "description": "矩阵：报销预算", "amount": "1000000.00"}],
    )
    budget_submit(reception_id=other.pk, by=people["sales_rep"])
    for approver in ("sales_head", "fin_clerk", "vp_sales"):
        _decide(people, "budget", budget.pk, approver)
    world.claim_reception = other.pk
    _new_claim(world)
    return world


def _decide(people, document_type: str, document_id: int, username: str) -> None:
    from jiedai.approvals.models import TaskStatus
    from jiedai.approvals.services import approval_task_decide

    task = ApprovalTask.objects.get(
        document_type=document_type, document_id=document_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision="approve", comment="")


def _claim_lines(world: World, claim_id: int) -> list[dict]:
    """One line with one invoice whose number is the claim's own (a new claim never collides with a paid one)."""
    from jiedai.receptions.models import Reception

    visit = Reception.objects.get(pk=world.claim_reception).visit_start.astimezone(LOCAL_TZ).date()
    invoice = {
        "code": "3100231130",
        "number": str(30_000_000 + claim_id),
        "date": visit.isoformat(),
        "amount_before_tax": "100.00",
        "tax": "6.00",
        "total": "106.00",
    }
    return [
        {"category": world.category, "description": "矩阵：午宴", "amount_claimed": "106.00", "invoices": [invoice]}
    ]


def _new_claim(world: World) -> Claim:
    """A draft claim whose invoice has its (unique) file."""
    editor = world.people["sales_rep"]
    claim = claim_create(reception_id=world.claim_reception, by=editor)
    lines = _claim_lines(world, claim.pk)
    content = b"%PDF-1.7\n" + str(claim.pk).encode()
    lines[0]["invoices"][0]["file"] = SimpleUploadedFile("fapiao.pdf", content, content_type="application/pdf")
    claim = claim_save_lines(claim_id=claim.pk, by=editor, lines=lines)
    world.claim = claim.pk
    return claim


def _at_payment(claim) -> bool:
    """The flow's last step (finance pays, a handle step) is open: the claim is approved, waiting for payment."""
    return ApprovalTask.objects.filter(
        document_type="reimbursement", document_id=claim.pk, status="pending", step__kind="handle"
    ).exists()


def _prepare_claim(needs: str, world: World) -> None:
    """Bring the world's claim to the state `needs` (draft → pending → at finance's audit → approved, unpaid),
    starting a new claim when the current one can no longer get there."""
    order = ["claim_draft", "claim_pending", "claim_audit", "claim_approved"]
    claim = Claim.objects.get(pk=world.claim)
    people = world.people

    def stage(claim) -> int:
        if claim.status in (ClaimStatus.DRAFT, ClaimStatus.RETURNED):
            return 0
        if claim.status == ClaimStatus.APPROVED:
            return 3
        if claim.status != ClaimStatus.PENDING_APPROVAL:
            return 99
        pending = ApprovalTask.objects.filter(document_type="reimbursement", document_id=claim.pk, status="pending")
        resolvers = {task.step.resolver for task in pending.select_related("step")}
        if "department_head" in resolvers:
            return 1
        return (
            2 if "role" in resolvers and claim.status == ClaimStatus.PENDING_APPROVAL and not _at_payment(claim) else 3
        )

    if needs == "claim_file":  # any state, as long as its invoice has a file (an API PUT sends none)
        if not Invoice.objects.filter(line__claim_id=claim.pk).exclude(file="").exists():
            _new_claim(world)
        return
    want = order.index(needs)
    if stage(claim) > want:
        claim = _new_claim(world)
    if stage(claim) < 1 <= want:
        claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    claim.refresh_from_db()
    if stage(claim) < 2 <= want:
        _decide(people, "reimbursement", claim.pk, "sales_head")
    if stage(claim) < 3 <= want:
        for username in ("fin_clerk", "vp_sales", "gm"):
            _decide(people, "reimbursement", claim.pk, username)


def _prepare(case: Case, world: World) -> None:
    """Put the budget (or the claim) in the state the case's allowed call needs, whatever the cases before it did."""
    if case.needs.startswith("claim_"):
        _prepare_claim(case.needs, world)
        return
    budget = Budget.objects.get(reception_id=world.reception)
    editor = world.people["sales_rep"]
    if case.needs == "draft" and budget.status == MoneyStatus.PENDING_APPROVAL:
        budget_withdraw(reception_id=world.reception, by=editor)
    elif case.needs == "pending" and budget.status != MoneyStatus.PENDING_APPROVAL:
        budget_submit(reception_id=world.reception, by=editor)


def _path(case: Case, world: World) -> str:
    if case.route.startswith(("GET ", "POST ", "PUT ")):
        path = case.route.split(" ", 1)[1]
        reception = world.claim_reception if "/claims" in path else world.reception
        path = path.replace("{claim_id}", str(world.claim))
        if "{line_id}" in path:
            line = Claim.objects.get(pk=world.claim).lines.values_list("pk", flat=True).first()
            path = path.replace("{line_id}", str(line))
        return re.sub(r"\{reception_id\}", str(reception), path)
    if case.route.startswith("expenses:claim"):
        kwargs = {"pk": world.claim_reception}
        if case.route != "expenses:claims":
            kwargs["claim_id"] = world.claim
        if case.route == "expenses:claim_line_approve":
            kwargs["line_id"] = Claim.objects.get(pk=world.claim).lines.values_list("pk", flat=True).first()
        if case.route == "expenses:claim_invoice_file":
            kwargs["invoice_id"] = Invoice.objects.filter(line__claim_id=world.claim).values_list("pk", flat=True)[0]
        return reverse(case.route, kwargs=kwargs)
    return reverse(case.route, kwargs={"pk": world.reception})


def _api_body(case: Case, world: World) -> dict | None:
    if case.method == "PUT" and "{claim_id}" in case.route:
        return {"lines": _claim_lines(world, world.claim)}
    if case.method == "PUT":
        return {"lines": [_line(world.category)]}
    if case.route.endswith("/pay"):
        return {"date": "2026-12-01", "method": "银行转账", "reference": "矩阵"}
    if case.route.endswith("/approve"):
        return {"amount": "50.00", "reason": "矩阵：核减"}
    return None


def _api_multipart(case: Case, world: World) -> dict | None:
    """The form and file of the invoice uploads: an invoice the claim does not have yet, or an XML invoice to read."""
    if case.route.endswith("/invoices/read"):
        xml = "<EInvoice><TaxSupervisionInfo><InvoiceNumber>25312000000000000001</InvoiceNumber></TaxSupervisionInfo>"
        return {"file": SimpleUploadedFile("fapiao.xml", (xml + "</EInvoice>").encode(), content_type="text/xml")}
    if case.route.endswith("/invoices"):
        invoice = {**_claim_lines(world, world.claim)[0]["invoices"][0], "number": str(40_000_000 + world.claim)}
        content = b"%PDF-1.7\nupload " + str(world.claim).encode()
        return {**invoice, "file": SimpleUploadedFile("fapiao.pdf", content, content_type="application/pdf")}
    return None


def state_of_the_world() -> dict:
    return {
        "budgets": sorted(Budget.objects.values_list("pk", "status", "version", "total")),
        "lines": BudgetLine.objects.count(),
        "history": BudgetHistory.objects.count(),
        "approvals": ApprovalTask.objects.count(),
        "claims": sorted(Claim.objects.values_list("pk", "status", "version", "total_claimed", "total_approved")),
        "claim_lines": sorted(Claim.objects.values_list("lines__pk", "lines__amount_approved")),
        "invoices": Invoice.objects.count(),
        "claim_history": ClaimHistory.objects.count(),
        "payments": Payment.objects.count(),
    }


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")  # the invoice files the claim cases upload
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def browser() -> Client:
    return Client()


@pytest.mark.django_db
class TestBudgetMatrix:
    @pytest.mark.parametrize("role", list(ROLES))
    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_role_gets_what_the_matrix_says(self, world, browser, case, role):
        expect = case.expect[role]
        browser.cookies = SimpleCookie()
        _prepare(case, world)
        path = _path(case, world)
        api = path.startswith("/api/")
        before = state_of_the_world()
        if api:
            headers = {"Authorization": f"Bearer {world.tokens[role]}"} if ROLES[role] else {}
            body = _api_body(case, world)
            data = json.dumps(body) if body is not None else ""
            if (form := _api_multipart(case, world)) is not None:
                response = browser.post(path, form, headers=headers)
            else:
                response = browser.generic(case.method, path, data, content_type="application/json", headers=headers)
        else:
            if ROLES[role]:
                browser.force_login(world.users[role])
            response = browser.get(path) if case.method == "GET" else browser.post(path, {})
        status = response.status_code
        if api and expect == ALLOWED:
            assert status in (200, 201, 204), (status, path, response.content[:300])
        elif expect == LOGIN:
            assert status == 302 and response["Location"].startswith(reverse("login")), (status, path)
        elif expect == ALLOWED:
            assert status in (200, 302), (status, path)
        else:
            assert status == int(expect), (status, path)
        if expect != ALLOWED:
            assert state_of_the_world() == before, f"{role} changed something with {case.id}"


def test_every_case_says_what_each_role_gets():
    for case in CASES:
        assert set(case.expect) == set(ROLES), case.id
