"""policy 5.2.2, the remaining entry checks: the buyer is our company (the company_tax_id setting, empty = off), an
invoice is never dated in the future nor after the claim's submission, an invoice is added with its file to a line
(the API's upload), and the soft warning for a likely duplicate (same host department, category, date and total on
another live claim — Odoo's rule), computed with one query."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from jiedai.core.errors import ConflictError, ValidationFailed
from jiedai.core.models import SystemSetting
from jiedai.expenses.models import ClaimHistory, ClaimLine, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.services import claims as claim_services
from jiedai.expenses.services.claims import (
    claim_duplicate_warnings,
    claim_invoice_add,
    claim_save_lines,
    claim_submit,
    claim_withdraw,
    invoice_reading_notes,
)
from jiedai.expenses.services.invoice_reading import invoice_read
from jiedai.expenses.tests.invoice_samples import COMPANY_TAX_ID, OTHER_TAX_ID, PDF, digital_xml, upload
from jiedai.expenses.tests.test_claims import _claim, _day, _invoice, _line
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _company(tax_id: str = COMPANY_TAX_ID, name: str = "") -> None:
    SystemSetting.objects.update_or_create(key="company_tax_id", defaults={"value": tax_id})
    SystemSetting.objects.update_or_create(key="company_name", defaults={"value": name})


def _rows() -> tuple[int, int, int]:
    return Invoice.objects.count(), ClaimLine.objects.count(), ClaimHistory.objects.count()


@pytest.mark.parametrize(
    ("value", "ok"),
    [(COMPANY_TAX_ID, True), ("", True), ("91310115MA1K4ABC1", False), ("91310115MA1K4ABCIO", False)],
)
def test_the_company_tax_id_setting_is_a_uscc_or_empty(value, ok):
    setting = SystemSetting(key="company_tax_id", value=value)
    if ok:
        setting.clean()
    else:
        with pytest.raises(ValidationError) as exc:
            setting.clean()
        assert "18 位" in str(exc.value)
    SystemSetting(key="company_name", value="上海接待示范有限公司").clean()


def test_an_invoice_bought_by_another_company_is_refused_naming_both(people, categories):
    reception = approved_reception(people)
    claim = _claim(people, reception, categories)
    _company()
    before = _rows()
    lines = [_line(categories, reception, invoices=[_invoice(reception, buyer_tax_id=OTHER_TAX_ID)])]
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    (message,) = exc.value.errors["lines.0.invoices.0"]
    assert OTHER_TAX_ID in message and COMPANY_TAX_ID in message and "不是本公司" in message
    assert _rows() == before
    for buyer in (COMPANY_TAX_ID.lower(), ""):  # ours (any case), or not stated on the invoice
        lines = [_line(categories, reception, invoices=[_invoice(reception, buyer_tax_id=buyer)])]
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines)
    _company("")  # the check is off
    lines = [_line(categories, reception, invoices=[_invoice(reception, buyer_tax_id=OTHER_TAX_ID)])]
    assert claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=lines).lines.count() == 1


def test_reading_a_file_tells_when_the_buyer_is_not_us():
    _company(name="上海接待示范有限公司")
    assert invoice_reading_notes(invoice_read(content=digital_xml(), name="a.xml")) == []
    notes = invoice_reading_notes(invoice_read(content=digital_xml(buyer_id=OTHER_TAX_ID), name="a.xml"))
    assert OTHER_TAX_ID in notes[0] and COMPANY_TAX_ID in notes[0]
    _company("", name="上海接待示范有限公司")
    notes = invoice_reading_notes(invoice_read(content=digital_xml(buyer="个人"), name="a.xml"))
    assert notes == ["发票的购买方名称“个人”与本公司名称“上海接待示范有限公司”不一致，请核对。"]


def test_an_invoice_dated_in_the_future_is_refused(people, categories, monkeypatch):
    """The visits of these tests are a month ahead: on the real today their invoices are in the future."""
    reception = approved_reception(people)
    claim = _claim(people, reception, categories)
    today = claim_services.claims_today() - timedelta(days=365)  # undo conftest's clock
    monkeypatch.setattr(claim_services, "claims_today", lambda: today)
    before = _rows()
    with pytest.raises(ValidationFailed) as exc:
        claim_save_lines(claim_id=claim.pk, by=people["sales_rep"], lines=[_line(categories, reception)])
    assert "晚于今天" in exc.value.errors["lines.0.invoices.0"][0]
    assert _rows() == before


def test_no_invoice_is_dated_after_the_submission(people, categories, monkeypatch):
    reception = approved_reception(people)
    claim = _claim(people, reception, categories, [_line(categories, reception)])
    monkeypatch.setattr(claim_services, "claims_today", lambda: _day(reception, -1))
    with pytest.raises(ValidationFailed) as exc:
        claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    assert "晚于提交日期" in exc.value.errors["lines.0"][0]
    claim.refresh_from_db()
    assert claim.status == "draft"
    monkeypatch.setattr(claim_services, "claims_today", lambda: _day(reception))
    assert claim_submit(claim_id=claim.pk, by=people["sales_rep"]).status == "pending_approval"


def test_an_invoice_is_added_with_its_file_to_a_line(people, categories):
    reception = approved_reception(people)
    claim = _claim(people, reception, categories, [_line(categories, reception, "212.00")])
    line = claim.lines.get()
    data = {**_invoice(reception, number="22222222"), "file": upload("fapiao.pdf", PDF)}
    invoice = claim_invoice_add(
        claim_id=claim.pk, line_id=line.pk, by=people["sales_rep"], data=data, expected_version=claim.version
    )
    assert invoice.file.name.endswith(".pdf") and len(invoice.sha256) == 64
    assert line.invoices.count() == 2
    claim.refresh_from_db()
    assert claim.history.last().summary.startswith("欢迎午宴：添加发票 22222222")
    before = _rows()
    for again, says in (
        ({"number": "22222222"}, "本报销单中重复"),  # the same invoice
        ({"number": "33333333", "file": upload("b.pdf", PDF)}, "同一个发票文件"),  # the same file
        ({"number": "33333333", "total": "107.00"}, "不等于价税合计"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            claim_invoice_add(claim_id=claim.pk, line_id=line.pk, by=people["sales_rep"], data={**data, **again})
        assert says in " ".join(exc.value.errors["invoice"])
    assert _rows() == before
    with pytest.raises(ConflictError):  # a stale version
        claim_invoice_add(claim_id=claim.pk, line_id=line.pk, by=people["sales_rep"], data=data, expected_version=1)
    claim_submit(claim_id=claim.pk, by=people["sales_rep"])
    with pytest.raises(ConflictError):  # locked once submitted
        claim_invoice_add(claim_id=claim.pk, line_id=line.pk, by=people["sales_rep"], data=data)


def test_a_likely_duplicate_is_a_warning_with_one_query(people, categories, django_assert_num_queries):
    """Same host department, category, date and total on another live claim: warned, not refused."""
    first_visit, second_visit = approved_reception(people), approved_reception(people)
    first = _claim(people, first_visit, categories, [_line(categories, first_visit)])
    other_total = _invoice(second_visit, number="87654322", amount_before_tax="50.00", tax="0.00", total="50.00")
    lines = [
        _line(categories, second_visit, invoices=[_invoice(second_visit, number="87654321")]),
        _line(categories, second_visit, "50.00", [other_total]),  # another total: no warning
    ]
    second = _claim(people, second_visit, categories, lines)
    second = type(second).objects.prefetch_related("lines__invoices").select_related("reception").get(pk=second.pk)
    with django_assert_num_queries(1):
        warnings = claim_duplicate_warnings(second)
    ((invoice_id, message),) = warnings.items()
    assert Invoice.objects.get(pk=invoice_id).number == "87654321"
    assert f"#{first.pk}" in message and "12345678" in message and "可能重复报销" in message
    claim_submit(claim_id=first.pk, by=people["sales_rep"])
    claim_withdraw(claim_id=first.pk, by=people["sales_rep"])  # ended: no longer a duplicate
    assert claim_duplicate_warnings(second) == {}
