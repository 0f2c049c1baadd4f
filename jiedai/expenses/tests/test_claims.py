"""policy 5.2: reimbursement — claims by category with their invoices, checked on entry, never the same invoice or
file twice, the reimbursement flow (host head → finance audit → supervising leader → GM → finance pays), locked
once submitted, paid only when finance records the payment."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.core.models import SystemSetting
from jiedai.core.tests.race import race
from jiedai.expenses.models import Budget, ClaimLine, ClaimStatus, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.claims import (
    claim_create,
    claim_pay,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
    line_approve_amount,
)
from jiedai.expenses.tests.test_supplementary import approved_budget
from jiedai.org.models import Role, RoleAssignment
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()  # transactional tests flush what the data migration seeded
    return {c.code: c for c in ExpenseCategory.objects.all()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _day(reception, days=0) -> date:
    return reception.visit_start.astimezone(LOCAL_TZ).date() + timedelta(days=days)


def _invoice(reception, number="12345678", code="3100231130", **overrides) -> dict:
    data = {
        "code": code,
        "number": number,
        "date": _day(reception),
        "amount_before_tax": "100.00",
        "tax": "6.00",
        "total": "106.00",
        "seller_name": "上海某某酒店有限公司",
        "seller_tax_id": "91310000MA1FL0000X",
    }
    data.update(overrides)
    return data


def _line(categories, reception, amount="106.00", invoices=None, **overrides) -> dict:
    data = {
        "category": categories["catering"],
        "description": "欢迎午宴",
        "amount_claimed": amount,
        "invoices": [_invoice(reception)] if invoices is None else invoices,
    }
    data.update(overrides)
    return data


def _claim(people, reception, categories, lines=None, who="sales_rep"):
    if not Budget.objects.filter(reception=reception).exists():  # policy 5.3.1: claims need an approved budget
        approved_budget(people, reception, {code: "100000.00" for code in categories})
    claim = claim_create(reception_id=reception.pk, by=people[who])
    if lines is not None:
        claim = claim_save_lines(claim_id=claim.pk, by=people[who], lines=lines)
    return claim


def _decide(people, claim_id, username, decision="approve", comment=""):
    task = ApprovalTask.objects.get(
        document_type="reimbursement", document_id=claim_id, status=TaskStatus.PENDING, assignee=people[username]
    )
    approval_task_decide(task_id=task.pk, by=people[username], decision=decision, comment=comment)


def _pdf(content=b"invoice-1"):
    return SimpleUploadedFile("fapiao.pdf", b"%PDF-1.7\n" + content, content_type="application/pdf")


def test_money_is_exact(people, categories):
    """policy 5.2.1: money is exact — 0.10 + 0.20 is 0.30, not 0.30000000000000004."""
    reception = approved_reception(people)
    inv = {"amount_before_tax": "0.10", "tax": "0.20", "total": "0.30"}
    lines = [
        _line(categories, reception, "0.10", [_invoice(reception, **inv)]),
        _line(categories, reception, "0.20", [_invoice(reception, number="12345679", **inv)]),
    ]
    claim = _claim(people, reception, categories, lines)
    assert claim.total_claimed == Decimal("0.30")
    assert Invoice.objects.get(number="12345678").total == Decimal("0.30")


@pytest.mark.parametrize(
    ("where", "bad"),
    [
        ("line", {"amount_claimed": "1.005"}),  # 3 decimals
        ("line", {"amount_claimed": "-1"}),  # negative
        ("invoice", {"tax": "-6.00", "total": "94.00"}),
        ("invoice", {"amount_before_tax": "100.001", "total": "106.001"}),
        ("invoice", {"total": "107.00"}),  # amount + tax ≠ total
        ("invoice", {"number": "1234567890123456789A", "code": ""}),  # 20 digits with a letter
        ("invoice", {"number": "1234567"}),  # neither 8 nor 20 digits
        ("invoice", {"number": "１２３４５６７８"}),  # full-width digits
        ("invoice", {"number": "12345678901234567890"}),  # fully digital invoices have no code
        ("invoice", {"date": "2020-01-01"}),  # far outside the visit
    ],
)
def test_bad_entries_are_refused_and_nothing_is_saved(people, categories, where, bad):
    """policy 5.2.2: exact non-negative amounts, amount + tax = total, number 8 or 20 digits, date near the visit."""
    reception = approved_reception(people)
    claim = _claim(people, reception, categories)
    line = _line(categories, reception, **(bad if where == "line" else {}))
    if where == "invoice":
        line["invoices"] = [_invoice(reception, **bad)]
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=[line])
    key = "lines.0" if where == "line" else "lines.0.invoices.0"
    assert key in exc.value.errors, exc.value.errors
    assert not ClaimLine.objects.filter(claim=claim).exists() and not Invoice.objects.exists()


def test_the_date_window_is_a_run_time_setting(people, categories):
    """policy 5.2.2: the invoice date lies within the visit or a configurable window around it."""
    reception = approved_reception(people)
    claim = _claim(people, reception, categories)
    late = [_line(categories, reception, invoices=[_invoice(reception, date=_day(reception, 10))])]
    SystemSetting.objects.update_or_create(key="invoice_date_window_days", defaults={"value": "5"})
    with pytest.raises(ValidationFailed):
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=late)
    SystemSetting.objects.filter(key="invoice_date_window_days").update(value="15")
    assert claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=late).total_claimed == Decimal("106.00")


def test_a_digital_invoice_has_20_digits_and_no_code(people, categories):
    """policy 5.2.2: fully digital invoices (全电发票) carry a 20-digit number and no code."""
    reception = approved_reception(people)
    lines = [_line(categories, reception, invoices=[_invoice(reception, number="24312000000012345678", code="")])]
    claim = _claim(people, reception, categories, lines)
    assert Invoice.objects.get(line__claim=claim).dedup_key == ":24312000000012345678"


def test_the_same_invoice_on_a_second_claim_is_refused_naming_the_first(people, categories):
    """policy 5.2.2: the same invoice can never be claimed twice across claims that are not rejected."""
    reception = approved_reception(people)
    first = _claim(people, reception, categories, [_line(categories, reception)])
    second = _claim(people, reception, categories)
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=second.pk, by=people["sales_rep"], lines=[_line(categories, reception)])
    (message,) = exc.value.errors["lines.0.invoices.0"]
    assert f"#{first.pk}" in message and "12345678" in message
    with pytest.raises(ValidationFailed) as exc:  # twice on the same claim too
        claim_save_lines(
            claim_id=second.pk,
            by=people["sales_rep"],
            lines=[
                _line(categories, reception, "1.00", [_invoice(reception, number="87654321")]),
                _line(categories, reception, "1.00", [_invoice(reception, number="87654321")]),
            ],
        )
    assert "lines.1.invoices.0" in exc.value.errors


def test_the_database_refuses_a_duplicate_key_as_the_last_line_of_defence(people, categories):
    """policy 5.2.2: the unique key holds even if the entry check is bypassed."""
    reception = approved_reception(people)
    _claim(people, reception, categories, [_line(categories, reception)])
    line = ClaimLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            line=line,
            number="12345678",
            code="3100231130",
            date=_day(reception),
            amount_before_tax=1,
            tax=0,
            total=1,
            dedup_key="3100231130:12345678",
        )


def test_the_invoice_is_free_again_once_the_first_claim_is_rejected(people, categories):
    """policy 5.2.2: a rejected claim no longer holds its invoices."""
    reception = approved_reception(people)
    first = _claim(people, reception, categories, [_line(categories, reception)])
    claim_submit(claim_id=first.pk, by=people["sales_rep"])
    _decide(people, first.pk, "sales_head")
    _decide(people, first.pk, "fin_clerk", "reject", "发票抬头不是本公司")
    first.refresh_from_db()
    assert first.status == ClaimStatus.REJECTED
    assert first.history.get(action="rejected").comment == "发票抬头不是本公司"
    assert Invoice.objects.get(line__claim=first).dedup_key is None
    second = _claim(people, reception, categories, [_line(categories, reception)])
    assert Invoice.objects.get(line__claim=second).dedup_key == "3100231130:12345678"


def test_the_same_file_twice_is_refused(people, categories):
    """policy 5.2.2: the file's SHA-256 catches the same file uploaded again as another invoice."""
    reception = approved_reception(people)
    first = _claim(
        people, reception, categories, [_line(categories, reception, invoices=[_invoice(reception, file=_pdf())])]
    )
    stored = Invoice.objects.get(line__claim=first)
    assert len(stored.sha256) == 64 and stored.file.name.endswith(".pdf")
    second = _claim(people, reception, categories)
    again = [_line(categories, reception, invoices=[_invoice(reception, number="87654321", file=_pdf())])]
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=second.pk, by=people["sales_rep"], lines=again)
    assert f"#{first.pk}" in exc.value.errors["lines.0.invoices.0"][0]
    forged = [
        _line(
            categories,
            reception,
            invoices=[
                _invoice(reception, number="87654321", file=SimpleUploadedFile("fapiao.pdf", b"MZ\x90\x00 not a pdf"))
            ],
        )
    ]
    with pytest.raises(ValidationFailed):  # a forged file type
        claim_save_lines(claim_id=second.pk, by=people["sales_rep"], lines=forged)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_with_the_same_invoice_exactly_one_wins(people, categories):
    """policy 5.2.2: the database constraint holds under concurrency."""
    reception = approved_reception(people)
    claims = [_claim(people, reception, categories) for _ in range(2)]
    lines = [_line(categories, reception)]

    def save(claim):
        return lambda: claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)

    results = race([save(claims[0]), save(claims[1])])
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], ValidationFailed), results
    winner = next(r for r in results if not isinstance(r, Exception))
    assert f"#{winner.pk}" in str(errors[0].errors)
    assert Invoice.objects.filter(dedup_key="3100231130:12345678").count() == 1


def _two_line_claim(people, reception, categories):
    lines = [
        _line(categories, reception),
        _line(
            categories,
            reception,
            "600.00",
            [_invoice(reception, number="22222222", amount_before_tax="600.00", tax="0.00", total="600.00")],
            category=categories["transport"],
            description="机场接送",
        ),
    ]
    return _claim(people, reception, categories, lines), lines


def test_the_full_flow_with_a_line_approved_lower_then_paid(people, categories):
    """policy 5.2.2–5.2.3: host head → finance audit (one line approved lower, with its reason) → supervising
    leader → GM → finance pays (the "handle" step, done by recording the payment); only then is it paid."""
    RoleAssignment.objects.create(user=people["fin_head"], role=Role.FINANCE)  # a second finance person pays
    reception = approved_reception(people)
    claim, lines = _two_line_claim(people, reception, categories)
    claim = claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    assert claim.status == ClaimStatus.PENDING_APPROVAL
    with pytest.raises(ConflictError):  # policy 5.2.3: locked once submitted
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    meal, car = claim.lines.order_by("position")
    with pytest.raises(Forbidden):  # not yet at the finance audit step
        line_approve_amount(line_id=car.pk, by=people["fin_clerk"], amount="500.00", reason="超标准")
    _decide(people, claim.pk, "sales_head")
    with pytest.raises(ValidationFailed):  # never higher than claimed
        line_approve_amount(line_id=car.pk, by=people["fin_clerk"], amount="600.01")
    with pytest.raises(ValidationFailed):  # lower needs a reason
        line_approve_amount(line_id=car.pk, by=people["fin_clerk"], amount="500.00")
    line_approve_amount(line_id=car.pk, by=people["fin_clerk"], amount="500.00", reason="超出用车标准")
    _decide(people, claim.pk, "fin_clerk")
    with pytest.raises(Forbidden):  # finance audit is over
        line_approve_amount(line_id=meal.pk, by=people["fin_clerk"], amount="1.00", reason="x")
    _decide(people, claim.pk, "vp_sales")
    _decide(people, claim.pk, "gm")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING_APPROVAL  # the "finance pays" step is open with fin_head
    with pytest.raises(Forbidden):
        claim_pay(claim_id=claim.pk, by=people["sales_head"], date=date.today(), method="银行转账")
    claim = claim_pay(
        claim_id=claim.pk, by=people["fin_head"], date=date.today(), method="银行转账", reference="BOC-0001"
    )
    assert claim.status == ClaimStatus.PAID and claim.paid_at and claim.approved_at
    assert claim.total_claimed == Decimal("706.00") and claim.total_approved == Decimal("606.00")
    assert claim.payment.reference == "BOC-0001" and claim.payment.paid_by == people["fin_head"]
    car.refresh_from_db()
    assert car.amount_approved == Decimal("500.00") and car.rejected_reason == "超出用车标准"
    actions = list(claim.history.values_list("action", flat=True))
    assert actions == ["created", "updated", "submitted", "line_approved", "approved", "paid"]
    with pytest.raises(ConflictError):  # paid once
        claim_pay(claim_id=claim.pk, by=people["fin_head"], date=date.today(), method="银行转账")


def test_an_approved_claim_stays_unpaid_until_the_payment_is_recorded(people, categories):
    """policy 5.2.3: when the "finance pays" step is done (here skipped: the one finance person already audited
    it), the claim is approved, and paid only once finance records the payment."""
    reception = approved_reception(people)
    claim, _lines = _two_line_claim(people, reception, categories)
    claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    for who in ("sales_head", "fin_clerk", "vp_sales", "gm"):
        _decide(people, claim.pk, who)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.total_approved == Decimal("706.00")
    assert not hasattr(claim, "payment") and claim.paid_at is None
    with pytest.raises(ValidationFailed):
        claim_pay(claim_id=claim.pk, by=people["fin_clerk"], date="not a date", method="")
    claim = claim_pay(claim_id=claim.pk, by=people["fin_clerk"], date="2026-12-01", method="银行转账")
    assert claim.status == ClaimStatus.PAID and claim.payment.date == date(2026, 12, 1)


def test_a_returned_claim_is_changed_and_resubmitted_with_history(people, categories):
    """policy 5.2.3: a submitted claim changes only through return and resubmit; the history shows each version."""
    reception = approved_reception(people)
    claim = _claim(people, reception, categories, [_line(categories, reception)])
    claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    _decide(people, claim.pk, "sales_head")
    _decide(people, claim.pk, "fin_clerk", "return", "请补充发票")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    claim = claim_save_lines(
        claim_id=claim.pk,
        by=people["sales_rep"],
        lines=[_line(categories, reception, "100.00")],
        expected_version=claim.version,
    )
    claim = claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    assert claim.status == ClaimStatus.PENDING_APPROVAL
    versions = list(claim.history.values_list("action", "version"))
    assert versions == [
        ("created", 1),
        ("updated", 2),
        ("submitted", 2),
        ("returned", 2),
        ("updated", 3),
        ("resubmitted", 3),
    ]
    claim = claim_withdraw(claim_id=claim.pk, by=people["sales_rep"])
    assert claim.status == ClaimStatus.WITHDRAWN
    assert Invoice.objects.get(line__claim=claim).dedup_key is None


def test_the_submitter_never_approves_their_own_claim(people, categories):
    """policy 5.2.3: the submitter cannot approve their own claim — the department head's own claim skips the
    head step (recorded), and no task is ever theirs."""
    reception = approved_reception(people, lead=people["sales_head"])
    claim = _claim(people, reception, categories, [_line(categories, reception)], who="sales_head")
    claim_submit(claim_id=claim.pk, by=people["sales_head"])
    tasks = ApprovalTask.objects.filter(document_type="reimbursement", document_id=claim.pk)
    assert tasks.get(assignee=people["sales_head"]).status == TaskStatus.SKIPPED
    assert tasks.filter(status=TaskStatus.PENDING, assignee=people["fin_clerk"]).exists()


def test_only_the_visits_requester_or_lead_writes_a_claim(people, categories):
    """policy 5.2.1 with 5 (access): finance reads but does not draw up; other departments see nothing."""
    reception = approved_reception(people)
    with pytest.raises(NotFound):
        claim_create(reception_id=reception.pk, by=people["tech_eng"])
    with pytest.raises(Forbidden):
        claim_create(reception_id=reception.pk, by=people["fin_clerk"])
    claim = _claim(people, reception, categories)
    with pytest.raises(NotFound):
        claim_save_lines(claim_id=claim.pk, by=people["tech_eng"], lines=[])
    with pytest.raises(Forbidden):
        claim_pay(claim_id=claim.pk, by=people["sales_rep"], date=date.today(), method="现金")


def test_an_oversized_file_is_refused(people, categories):
    """policy 5.2.2: invoice files are PDF, OFD, XML or images of at most 20 MB; a 50-MB upload is refused."""
    reception = approved_reception(people)
    claim = _claim(people, reception, categories)
    upload = _pdf()
    upload.size = 50 * 1024 * 1024
    lines = [_line(categories, reception, invoices=[_invoice(reception, file=upload)])]
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    assert "20 MB" in exc.value.errors["lines.0.invoices.0"][0]
    assert not Invoice.objects.exists()


def test_a_delegate_asked_to_approve_a_claim_reads_the_visits_money(people, categories):
    """policy 5.2: the approver's delegate (here from tech) sees what they are asked to approve, nothing more."""
    from django.utils import timezone

    from jiedai.expenses.access import money_receptions_visible_to
    from jiedai.org.services import delegation_create

    reception = approved_reception(people)
    approved_budget(people, reception, {code: "100000.00" for code in categories})  # before the delegation
    delegation_create(
        by=people["sales_head"],
        delegate=people["tech_eng"],
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=3),
        reason="出差",
    )
    sees = lambda: money_receptions_visible_to(people["tech_eng"]).filter(pk=reception.pk).exists()  # noqa: E731
    claim = _claim(people, reception, categories, lines=[_line(categories, reception)])
    assert not sees()
    claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    assert sees()
