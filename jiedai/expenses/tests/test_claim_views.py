"""policy 5.2: the reimbursement pages — the requester writes a claim's lines with their invoices and submits; the
host head, finance (approving a line lower with its reason), the supervising leader and the GM approve from the
page; finance records the payment; bad input is refused with nothing saved; duplicate invoices are named."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiedai.approvals.models import ApprovalTask, TaskStatus
from jiedai.expenses.models import Claim, ClaimStatus, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services.claims import claim_create, claim_save_lines
from jiedai.expenses.tests.test_supplementary import approved_budget
from jiedai.planning.tests.factories import approved_reception
from jiedai.receptions.models import LOCAL_TZ

pytestmark = pytest.mark.django_db

# The claim page as an approver sees it (session, roles, claim, lines, invoices, budget beside it, approval,
# history, the likely-duplicate check...), whatever the number of lines.
QUERIES = 28
# The claims list, whatever the number of claims.
LIST_QUERIES = 8


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _day(reception, days=0) -> str:
    return (reception.visit_start.astimezone(LOCAL_TZ).date() + timedelta(days=days)).isoformat()


def _url(reception, claim=None, name="claim", **extra):
    if claim is None:
        return reverse("expenses:claims", kwargs={"pk": reception.pk})
    return reverse(f"expenses:{name}", kwargs={"pk": reception.pk, "claim_id": claim.pk, **extra})


def _row(categories, reception, line="1", number="12345678", **overrides) -> dict:
    row = {
        "line": line,
        "category": str(categories["catering"].pk),
        "description": "欢迎午宴",
        "amount_claimed": "106.00",
        "code": "3100231130",
        "number": number,
        "date": _day(reception),
        "amount_before_tax": "100.00",
        "tax": "6.00",
        "total": "106.00",
        "seller_name": "上海某某酒店有限公司",
        "seller_tax_id": "91310000MA1FL0000X",
    }
    row.update(overrides)
    return row


def _form(rows, *, version="") -> dict:
    data = {
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "400",
        "version": version,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = value
    return data


def _pdf(content=b"invoice-1"):
    return SimpleUploadedFile("fapiao.pdf", b"%PDF-1.7\n" + content, content_type="application/pdf")


def _login(client, people, who):
    client.force_login(people[who])
    return client


def _new_claim(client, people, reception) -> Claim:
    _login(client, people, "sales_rep")
    response = client.post(_url(reception))
    assert response.status_code == 302
    return Claim.objects.filter(reception=reception).latest("id")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) + response.content.decode()


def _decide_on_page(client, people, reception, claim, who):
    _login(client, people, who)
    page = client.get(_url(reception, claim))
    assert page.status_code == 200
    task = page.context["approval"].my_task
    assert task is not None, who
    response = client.post(reverse("approvals:task", kwargs={"pk": task.pk}), {"decision": "approve", "comment": ""})
    assert response.status_code in (200, 302)
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.APPROVED
    return page


def test_create_edit_submit_approve_and_pay_from_the_pages(client, people, categories):
    """policy 5.2.1–5.2.3: create, two lines (one with an uploaded invoice), submit, head → finance (one line
    lower with a reason) → leader → GM, then finance pays."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00", "transport": "1000.00"})
    claim = _new_claim(client, people, reception)
    rows = [
        {**_row(categories, reception), "file": _pdf()},
        _row(
            categories,
            reception,
            line="2",
            number="12345679",
            category=str(categories["transport"].pk),
            description="机场接送",
        ),
    ]
    response = client.post(_url(reception, claim), _form(rows, version=str(claim.version)))
    assert response.status_code == 302, _messages(response)
    claim.refresh_from_db()
    assert claim.total_claimed == Decimal("212.00")
    assert Invoice.objects.filter(line__claim=claim).exclude(file="").count() == 1
    page = client.get(_url(reception, claim)).content.decode()
    assert "欢迎午宴" in page and "12345679" in page and 'value="欢迎午宴"' in page
    invoice = Invoice.objects.exclude(file="").get(line__claim=claim)
    file_url = _url(reception, claim, "claim_invoice_file", invoice_id=invoice.pk)
    assert file_url in page  # the file goes through the access layer, never straight from media
    assert b"".join(client.get(file_url).streaming_content).startswith(b"%PDF-")
    _login(client, people, "tech_eng")
    assert client.get(file_url).status_code == 404
    _login(client, people, "sales_rep")
    response = client.post(_url(reception, claim, "claim_submit"), follow=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING_APPROVAL, _messages(response)

    _decide_on_page(client, people, reception, claim, "sales_head")
    _login(client, people, "fin_clerk")
    page = client.get(_url(reception, claim))
    assert page.context["auditing"]
    line = claim.lines.get(description="机场接送")
    url = _url(reception, claim, "claim_line_approve", line_id=line.pk)
    response = client.post(url, {"amount": "100.00", "reason": ""}, follow=True)
    assert "必须填写理由" in _messages(response)
    client.post(url, {"amount": "100.00", "reason": "超出标准"})
    line.refresh_from_db()
    assert line.amount_approved == Decimal("100.00") and line.rejected_reason == "超出标准"
    _decide_on_page(client, people, reception, claim, "fin_clerk")
    _decide_on_page(client, people, reception, claim, "vp_sales")
    _decide_on_page(client, people, reception, claim, "gm")
    claim.refresh_from_db()
    if claim.status == ClaimStatus.PENDING_APPROVAL:  # the flow's last step: finance pays (a handle step)
        _login(client, people, "fin_clerk")
        assert client.get(_url(reception, claim)).context["paying"]
    _login(client, people, "fin_clerk")
    response = client.post(
        _url(reception, claim, "claim_pay"), {"date": _day(reception, 5), "method": "银行转账", "reference": "PZ-1"}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and claim.total_approved == Decimal("206.00")
    page = client.get(_url(reception, claim)).content.decode()
    assert "银行转账" in page and "超出标准" in page
    listing = client.get(_url(reception)).content.decode()
    assert f"#{claim.pk}" in listing


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"amount_claimed": "106.005"}, "两位小数"),
        ({"number": "1234567890123456789A", "code": ""}, "8 位（普通发票）或 20 位"),
        ({"file": "forged"}, "必须是 PDF"),
    ],
)
def test_bad_input_is_shown_on_its_row_and_nothing_is_saved(client, people, categories, bad, message):
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    row = {**_row(categories, reception), **bad}
    if bad.get("file") == "forged":
        row["file"] = SimpleUploadedFile("fapiao.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(_url(reception, claim), _form([row]))
    assert response.status_code == 200
    assert message in _messages(response)
    assert not claim.lines.exists() and not Invoice.objects.exists()


def test_a_duplicate_invoice_names_the_claim_that_has_it(client, people, categories):
    """policy 5.2.2: never the same invoice twice."""
    reception = approved_reception(people)
    first = claim_create(reception_id=reception.pk, by=people["sales_rep"])
    claim_save_lines(
        claim_id=first.pk,
        by=people["sales_rep"],
        lines=[
            {
                "category": categories["catering"],
                "description": "午宴",
                "amount_claimed": "106.00",
                "invoices": [{k: v for k, v in _row(categories, reception).items() if k not in ("line", "category")}],
            }
        ],
    )
    claim = _new_claim(client, people, reception)
    response = client.post(_url(reception, claim), _form([_row(categories, reception)]))
    assert response.status_code == 200
    assert "不能重复报销" in _messages(response) and f"#{first.pk}" in _messages(response)
    assert not claim.lines.exists()


def test_submit_errors_show_on_the_page(client, people, categories):
    """A claim without lines, or over the approved budget (policy 5.3.1), is refused with a message, never a 500."""
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    response = client.post(_url(reception, claim, "claim_submit"), follow=True)
    assert response.status_code == 200 and "还没有明细" in _messages(response)
    approved_budget(people, reception, {"catering": "50.00"})
    client.post(_url(reception, claim), _form([_row(categories, reception)]))
    response = client.post(_url(reception, claim, "claim_submit"), follow=True)
    assert response.status_code == 200 and "预算" in " ".join(str(m) for m in response.context["messages"])
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT


def test_readers_may_not_write_and_others_see_nothing(client, people, categories):
    reception = approved_reception(people)
    claim = claim_create(reception_id=reception.pk, by=people["sales_rep"])
    _login(client, people, "fin_clerk")
    assert client.get(_url(reception, claim)).status_code == 200
    assert client.post(_url(reception, claim), _form([_row(categories, reception)])).status_code == 403
    assert client.post(_url(reception)).status_code == 403
    _login(client, people, "tech_eng")
    assert client.get(_url(reception, claim)).status_code == 404
    assert client.get(_url(reception)).status_code == 404
    assert not claim.lines.exists()


def test_the_claim_page_shows_the_budget_beside_the_claim(client, people, categories):
    """policy 5.2.1: budget vs claimed per category."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "500.00"})
    claim = _new_claim(client, people, reception)
    client.post(_url(reception, claim), _form([_row(categories, reception)]))
    page = client.get(_url(reception, claim))
    rows = page.context["comparison"]
    assert [(r["name"], r["budget"], r["claimed"], r["over"]) for r in rows] == [
        (categories["catering"].name, Decimal("500.00"), Decimal("106.00"), False)
    ]
    # The approved request, its plan and its budget are linked on the claim (policy 5.2.1).
    documents = page.context["documents"]
    assert documents["budget"].status == "approved" and documents["plan"] is None
    html = page.content.decode()
    assert reverse("planning:overview", kwargs={"pk": reception.pk}) in html
    assert reverse("expenses:budget", kwargs={"pk": reception.pk}) in html and "未编制" in html


@pytest.mark.parametrize("count", [1, 20])
def test_the_claim_page_takes_a_fixed_number_of_queries(client, people, categories, django_assert_num_queries, count):
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "10000.00"})
    claim = claim_create(reception_id=reception.pk, by=people["sales_rep"])
    lines = [
        {
            "category": categories["catering"],
            "description": f"餐 {i}",
            "amount_claimed": "106.00",
            "invoices": [
                {
                    k: v
                    for k, v in _row(categories, reception, number=f"{12345600 + i}").items()
                    if k not in ("line", "category")
                }
            ],
        }
        for i in range(count)
    ]
    claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    _login(client, people, "sales_rep")
    client.post(_url(reception, claim, "claim_submit"))
    _login(client, people, "sales_head")
    assert client.get(_url(reception, claim)).context["approval"].my_task is not None
    with django_assert_num_queries(QUERIES):
        response = client.get(_url(reception, claim))
    assert response.status_code == 200


def test_the_reception_and_budget_pages_link_to_the_claims(client, people):
    reception = approved_reception(people)
    _login(client, people, "sales_rep")
    href = f'href="{_url(reception)}"'
    assert href in client.get(reverse("receptions:detail", kwargs={"pk": reception.pk})).content.decode()
    assert href in client.get(reverse("expenses:budget", kwargs={"pk": reception.pk})).content.decode()


@pytest.mark.parametrize("count", [1, 15])
def test_the_claims_list_takes_a_fixed_number_of_queries(client, people, categories, django_assert_num_queries, count):
    reception = approved_reception(people)
    for _i in range(count):
        claim_create(reception_id=reception.pk, by=people["sales_rep"])
    _login(client, people, "fin_clerk")
    client.get(_url(reception))
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(_url(reception))
    assert response.status_code == 200 and len(response.context["claims"]) == count


def test_a_returned_claim_is_changed_on_the_page_and_resubmitted(client, people, categories):
    """policy 5.2.3: locked once submitted; an approver returns it, the requester changes it and submits again."""
    reception = approved_reception(people)
    approved_budget(people, reception, {"catering": "1000.00"})
    claim = _new_claim(client, people, reception)
    client.post(_url(reception, claim), _form([_row(categories, reception)]))
    client.post(_url(reception, claim, "claim_submit"))
    assert client.get(_url(reception, claim)).context["formset"] is None  # locked
    _login(client, people, "sales_head")
    task = client.get(_url(reception, claim)).context["approval"].my_task
    client.post(reverse("approvals:task", kwargs={"pk": task.pk}), {"decision": "return", "comment": "金额有误"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    _login(client, people, "sales_rep")
    page = client.get(_url(reception, claim))
    assert page.context["formset"] is not None
    row = _row(categories, reception, amount_claimed="100.00")
    data = _form([{**row, "invoice_id": str(Invoice.objects.get(line__claim=claim).pk)}], version=str(claim.version))
    assert client.post(_url(reception, claim), data).status_code == 302
    response = client.post(_url(reception, claim, "claim_submit"), follow=True)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING_APPROVAL and claim.total_claimed == Decimal("100.00")
    assert "重新提交审批" not in response.content.decode()
