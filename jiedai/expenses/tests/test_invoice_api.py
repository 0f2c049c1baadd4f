"""policy 5.2.2 over the API: POST /api/v1/invoices/read (multipart) says what an XML or OFD invoice holds, saving
nothing; POST /api/v1/claims/{id}/lines/{line_id}/invoices uploads an invoice with its file; bad input — negative
or 3-decimal amounts, a total that does not add up, a 20-digit number with letters, a forged file type, a zip bomb
dressed as an OFD, a 50-MB upload — is a clear Chinese error in the API's shape and saves nothing; the claim's JSON
carries the likely-duplicate warnings."""

import pytest
from django.test import Client

from jiedai.expenses.models import Claim, ClaimHistory, ClaimLine, ExpenseCategory, Invoice
from jiedai.expenses.seeds import ensure_categories
from jiedai.expenses.tests.invoice_samples import (
    DIGITAL_NUMBER,
    EXE,
    PDF,
    digital_xml,
    fifty_mb_pdf,
    ofd,
    upload,
    zip_bomb,
)
from jiedai.expenses.tests.test_claim_api import _client, _day, _invoice, _lines, _new, _put
from jiedai.planning.tests.factories import approved_reception

pytestmark = pytest.mark.django_db
READ = "/api/v1/invoices/read"


@pytest.fixture
def categories(db):
    ensure_categories()
    return {c.code: c for c in ExpenseCategory.objects.all()}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _rows() -> tuple[int, int, int]:
    return Invoice.objects.count(), ClaimLine.objects.count(), ClaimHistory.objects.count()


def _claim_with_a_line(people, categories):
    reception = approved_reception(people)
    rep = _client(people["sales_rep"])
    claim_id = _new(rep, reception)
    assert _put(rep, claim_id, {"lines": _lines(categories, reception)}).status_code == 200
    line_id = Claim.objects.get(pk=claim_id).lines.order_by("position").values_list("pk", flat=True).first()
    return reception, rep, claim_id, f"/api/v1/claims/{claim_id}/lines/{line_id}/invoices"


def test_reading_a_file_returns_its_fields_and_saves_nothing(people):
    rep = _client(people["sales_rep"])
    response = rep.post(READ, {"file": upload("dzfp.xml", digital_xml())})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "xml" and body["missing"] == [] and body["notes"] == []
    assert body["fields"]["number"] == DIGITAL_NUMBER and body["fields"]["total"] == "106.00"
    assert body["fields"]["date"] == "2025-01-05" and body["fields"]["code"] == ""
    body = rep.post(READ, {"file": upload("a.ofd", ofd({"发票号码": "12235358", "价税合计": "¥"}))}).json()
    assert body["kind"] == "ofd" and "total" in body["missing"] and "code" in body["missing"]
    assert not Invoice.objects.exists()
    assert Client().post(READ, {"file": upload("a.xml", digital_xml())}).status_code == 401


@pytest.mark.parametrize(
    ("file", "status", "says"),
    [
        (upload("a.pdf", EXE), 422, "必须是 PDF、OFD、XML 或图片"),
        (upload("a.ofd", PDF), 422, "与扩展名 .ofd 不符"),
        (upload("a.ofd", zip_bomb()), 422, "压缩炸弹"),
        (upload("a.pdf", PDF), 422, "PDF 和图片发票请手工填写"),
        (fifty_mb_pdf(), 413, "发票文件不能超过 20 MB。"),
        (None, 422, "请上传发票文件"),
    ],
    ids=["exe-as-pdf", "pdf-as-ofd", "zip-bomb", "pdf", "50-mb", "no-file"],
)
def test_a_file_that_cannot_be_read_is_a_clear_4xx(people, file, status, says):
    response = _client(people["sales_rep"]).post(READ, {"file": file} if file is not None else {})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "errors"} and says in " ".join(body["errors"]["file"])


def test_an_invoice_is_uploaded_with_its_file_on_a_claim_line(people, categories):
    reception, rep, claim_id, url = _claim_with_a_line(people, categories)
    data = {**_invoice(reception, number="22222222"), "file": upload("fapiao.pdf", PDF)}
    response = rep.post(url, data)
    assert response.status_code == 201, response.content
    invoices = response.json()["lines"][0]["invoices"]
    assert [(i["number"], i["has_file"]) for i in invoices] == [("12345678", False), ("22222222", True)]
    assert response.json()["warnings"] == []
    assert rep.post(url, {**data, "expected_version": "1"}).status_code == 409  # stale
    assert _client(people["fin_clerk"]).post(url, data).status_code == 403
    assert _client(people["tech_eng"]).post(url, data).status_code == 404
    assert rep.post(f"/api/v1/claims/{claim_id}/lines/999999/invoices", data).status_code == 404
    assert rep.post(url, {k: v for k, v in data.items() if k != "number"}).status_code == 422


@pytest.mark.parametrize(
    ("bad", "status", "says"),
    [
        ({"amount_before_tax": "-100.00", "total": "-94.00"}, 422, "不小于 0"),
        ({"amount_before_tax": "100.001", "total": "106.001"}, 422, "两位小数"),
        ({"total": "107.00"}, 422, "不等于价税合计"),
        ({"number": "2531200000001234567A", "code": ""}, 422, "20 位"),
        ({"file": upload("fapiao.pdf", EXE)}, 422, "必须是 PDF、OFD、XML 或图片"),
        ({"file": upload("fapiao.ofd", PDF)}, 422, "与扩展名 .ofd 不符"),
        ({"file": upload("fapiao.ofd", zip_bomb())}, 422, "压缩炸弹"),
        ({"file": fifty_mb_pdf()}, 413, "发票文件不能超过 20 MB。"),
    ],
    ids=[
        "negative",
        "3-decimals",
        "does-not-add-up",
        "20-digits-with-a-letter",
        "exe-as-pdf",
        "pdf-as-ofd",
        "zip-bomb",
        "50-mb",
    ],  # fmt: skip
)
def test_bad_uploads_are_a_clear_error_with_nothing_saved(people, categories, bad, status, says):
    reception, rep, _claim_id, url = _claim_with_a_line(people, categories)
    before = _rows()
    response = rep.post(url, {**_invoice(reception, number="22222222"), "file": upload("a.pdf", PDF), **bad})
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"detail", "errors"} and says in " ".join(m for ms in body["errors"].values() for m in ms)
    assert _rows() == before


def test_the_claim_json_carries_the_likely_duplicate_warnings(people, categories):
    first_visit, second_visit = approved_reception(people), approved_reception(people)
    rep = _client(people["sales_rep"])
    first = _new(rep, first_visit)
    _put(rep, first, {"lines": _lines(categories, first_visit)})
    second = _new(rep, second_visit)
    lines = _lines(categories, second_visit, number="87654321")[:1]
    response = _put(rep, second, {"lines": lines})
    (warning,) = response.json()["warnings"]
    invoice = response.json()["lines"][0]["invoices"][0]
    assert warning["invoice"] == invoice["id"] and f"#{first}" in warning["message"]
    assert _day(second_visit) == invoice["date"]
