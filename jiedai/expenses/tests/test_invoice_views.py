"""policy 5.2.2 on the claim page: "读取发票" (htmx) fills a row's invoice fields from its XML or OFD file for the
user to confirm — nothing saved, what could not be read said, a bad file leaving the typed fields alone; the
form saves the file with what the user confirmed; bad files and a 50-MB upload are refused with nothing saved; a
likely duplicate is a warning on the form and on the approval view."""

import re

import pytest
from django.urls import reverse

from jiedai.expenses.models import Claim, ClaimHistory, ClaimLine, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.tests.invoice_samples import (
    COMPANY_TAX_ID,
    DIGITAL_NUMBER,
    EXE,
    OTHER_TAX_ID,
    PDF,
    digital_xml,
    fifty_mb_pdf,
    ofd,
    upload,
    zip_bomb,
)
from jiedai.expenses.tests.test_claim_views import _form, _login, _messages, _new_claim, _row, _url
from jiedai.expenses.tests.test_supplementary import approved_budget
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _rows() -> tuple[int, int, int]:
    return Invoice.objects.count(), ClaimLine.objects.count(), ClaimHistory.objects.count()


def _read(client, reception, claim, file, row=0):
    url = reverse("expenses:claim_invoice_read", kwargs={"pk": reception.pk, "claim_id": claim.pk})
    return client.post(url, {"row": str(row), f"rows-{row}-file": file}, headers=HTMX)


def test_reading_an_xml_invoice_fills_the_row_and_saves_nothing(client, people, categories):
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    page = client.get(_url(reception, claim)).content.decode()
    read_url = reverse("expenses:claim_invoice_read", kwargs={"pk": reception.pk, "claim_id": claim.pk})
    assert f'hx-post="{read_url}"' in page and 'id="invoice-fields-rows-0"' in page
    before, version = _rows(), claim.version
    response = _read(client, reception, claim, upload("dzfp.xml", digital_xml()), row=1)
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert body.lstrip().startswith('<div class="col-12" id="invoice-fields-rows-1">')
    for value in (DIGITAL_NUMBER, "2025-01-05", "100.00", "6.00", "106.00", COMPANY_TAX_ID, "上海某某酒店有限公司"):
        assert f'value="{value}"' in body, value
    assert 'name="rows-1-number"' in body and "已从 XML 文件读取发票信息" in body and "未能读取" not in body
    assert _rows() == before and Claim.objects.get(pk=claim.pk).version == version


def test_reading_an_ofd_says_what_could_not_be_read_and_whether_the_buyer_is_us(client, people, categories):
    from jiedai.core.models import SystemSetting

    SystemSetting.objects.update_or_create(key="company_tax_id", defaults={"value": OTHER_TAX_ID})
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    custom = {"发票代码": "031001900211", "发票号码": "12235358", "合计金额": "100.00", "合计税额": "6.00"}
    body = _read(client, reception, claim, upload("a.ofd", ofd({**custom, "购买方纳税人识别号": COMPANY_TAX_ID})))
    body = body.content.decode()
    assert 'value="106.00"' in body and "已按金额加税额算出" in body
    assert "未能读取：开票日期、销售方名称、销售方纳税人识别号，请手工填写。" in body
    assert OTHER_TAX_ID in body and "不是本公司" in body  # told now, refused on saving


@pytest.mark.parametrize(
    ("file", "says"),
    [
        (upload("a.pdf", PDF), "PDF 和图片发票请手工填写"),
        (upload("a.pdf", EXE), "必须是 PDF、OFD、XML 或图片"),
        (upload("a.ofd", PDF), "与扩展名 .ofd 不符"),
        (upload("a.ofd", zip_bomb()), "压缩炸弹"),
        (fifty_mb_pdf(), "不能超过 20 MB"),
        (None, "请先选择要读取的发票文件"),
    ],
    ids=["pdf", "exe-as-pdf", "pdf-as-ofd", "zip-bomb", "50-mb", "no-file"],
)
def test_a_file_that_cannot_be_read_only_says_why(client, people, categories, file, says):
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    before = _rows()
    response = _read(client, reception, claim, file if file is not None else "", row=2)
    assert response.status_code == 200  # htmx swaps 2xx only
    assert response["HX-Retarget"] == "#invoice-read-note-rows-2"  # the typed fields stay as they are
    assert says in response.content.decode() and 'name="rows-2-number"' not in response.content.decode()
    assert _rows() == before


def test_the_read_invoice_is_saved_with_its_file_once_confirmed(client, people, categories):
    """The user saves the filled-in row with the same file: the invoice and its file, hashed."""
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    visit = _row(categories, reception)["date"]
    xml = digital_xml(issued=visit)
    fields = {k.split("-", 2)[2]: v for k, v in _read_fields(client, reception, claim, xml).items()}
    assert "code" not in fields  # read as empty: no value
    row = {**_row(categories, reception), "code": "", **fields, "file": upload("dzfp.xml", xml)}
    response = client.post(_url(reception, claim), _form([row], version=str(claim.version)))
    assert response.status_code == 302, _messages(response)
    invoice = Invoice.objects.get(line__claim=claim)
    assert (invoice.number, invoice.code, str(invoice.total)) == (DIGITAL_NUMBER, "", "106.00")
    assert invoice.file.name.endswith(".xml") and invoice.buyer_tax_id == COMPANY_TAX_ID


def _read_fields(client, reception, claim, xml) -> dict:
    body = _read(client, reception, claim, upload("dzfp.xml", xml)).content.decode()
    return {
        name: value
        for name, value in re.findall(r'name="(rows-0-[a-z_]+)"[^>]*?value="([^"]*)"', body)
        if not name.endswith("invoice_id")
    }


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"amount_before_tax": "-100.00", "total": "-94.00"}, "不小于 0"),
        ({"total": "107.00"}, "不等于价税合计"),
        ({"file": upload("a.ofd", PDF)}, "与扩展名 .ofd 不符"),
        ({"file": upload("发票.ofd", zip_bomb())}, "压缩炸弹"),
    ],
    ids=["negative", "does-not-add-up", "pdf-as-ofd", "zip-bomb"],
)
def test_bad_invoices_on_the_form_are_refused_with_nothing_saved(client, people, categories, bad, says):
    """policy 5.2.2 (the 3-decimal amount, the 20-digit number with a letter and the .exe renamed .pdf are in
    test_claim_views.py)."""
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    before = _rows()
    response = client.post(_url(reception, claim), _form([{**_row(categories, reception), **bad}]))
    assert response.status_code == 200 and says in _messages(response)
    assert _rows() == before


def test_a_50_mb_upload_is_a_413_with_nothing_saved(client, people, categories):
    """The file is dropped while the body is read (never written out whole); the page says why."""
    reception = approved_reception(people)
    claim = _new_claim(client, people, reception)
    before = _rows()
    response = client.post(_url(reception, claim), _form([{**_row(categories, reception), "file": fifty_mb_pdf()}]))
    assert response.status_code == 413 and "发票文件不能超过 20 MB。" in _messages(response)
    assert _rows() == before


def test_the_upload_limit_does_not_skip_the_csrf_check(people, categories):
    from django.test import Client

    reception = approved_reception(people)
    claim = _new_claim(Client(), people, reception)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["sales_rep"])
    assert browser.post(_url(reception, claim), _form([_row(categories, reception)])).status_code == 403
    assert _read(browser, reception, claim, upload("a.xml", digital_xml())).status_code == 403
    assert not Invoice.objects.exists()


def test_a_likely_duplicate_is_warned_on_the_form_and_on_the_approval_view(client, people, categories):
    first_visit, second_visit = approved_reception(people), approved_reception(people)
    approved_budget(people, second_visit, {"catering": "1000.00"})
    first = _new_claim(client, people, first_visit)
    client.post(_url(first_visit, first), _form([_row(categories, first_visit)]))
    second = _new_claim(client, people, second_visit)
    assert client.post(_url(second_visit, second), _form([_row(categories, second_visit, number="87654321")]))
    page = client.get(_url(second_visit, second)).content.decode()
    assert page.count("可能重复报销") == 3  # the summary, the invoice in the list, its row in the form
    assert f"#{first.pk}" in page
    client.post(_url(second_visit, second, "claim_submit"))
    _login(client, people, "sales_head")
    page = client.get(_url(second_visit, second))
    assert page.context["approval"].my_task is not None and len(page.context["duplicate_warnings"]) == 1
    assert "可能重复报销" in page.content.decode()
