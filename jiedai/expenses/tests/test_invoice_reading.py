"""policy 5.2.2: reading an invoice file — the fully digital invoice's XML (数电票) and OFD (CustomDatas, and the
older attached original_invoice.xml) give their fields, exactly (Decimal from the text, never a float), with what
could not be read; files that are not invoice files are refused by their content: a forged type, a plain zip, a
zip bomb dressed as an OFD, a zip whose header lies, XML with entities."""

import time
from datetime import date
from decimal import Decimal

import pytest

from jiedai.core.errors import ValidationFailed
from jiedai.expenses.services.invoice_reading import (
    FileTooLarge,
    invoice_file_check,
    invoice_read,
    read_amount,
    read_date,
    upload_bytes,
)
from jiedai.expenses.tests.invoice_samples import (
    CLASSIC_CUSTOM_DATA,
    COMPANY_TAX_ID,
    DIGITAL_NUMBER,
    EXE,
    PDF,
    SELLER_TAX_ID,
    digital_xml,
    fifty_mb_pdf,
    legacy_invoice_xml,
    lying_zip,
    ofd,
    plain_zip,
    traversal_zip,
    upload,
    zip_bomb,
)


def _refused(content: bytes, name: str) -> str:
    with pytest.raises(ValidationFailed) as exc:
        invoice_read(content=content, name=name)
    (message,) = exc.value.errors["file"]
    return message


@pytest.mark.parametrize("declaration", [True, False])
def test_the_digital_invoice_xml_gives_every_field(declaration):
    reading = invoice_read(content=digital_xml(declaration=declaration), name="dzfp_25312000000012345678.xml")
    assert reading.kind == "xml" and reading.missing == () and reading.notes == ()
    assert reading.fields == {
        "code": "",  # a fully digital invoice has none
        "number": DIGITAL_NUMBER,
        "date": date(2025, 1, 5),
        "amount_before_tax": Decimal("100.00"),
        "tax": Decimal("6.00"),
        "total": Decimal("106.00"),  # BasicInformation's, not the item line's TotaltaxIncludedAmount
        "seller_name": "上海某某酒店有限公司",
        "seller_tax_id": SELLER_TAX_ID,
        "buyer_name": "上海接待示范有限公司",
        "buyer_tax_id": COMPANY_TAX_ID,
    }
    assert reading.as_strings()["date"] == "2025-01-05" and reading.as_strings()["check_code"] == ""


def test_an_ofd_gives_its_custom_data_exactly():
    reading = invoice_read(content=ofd(), name="发票.OFD")
    assert reading.kind == "ofd" and reading.missing == ()
    fields = reading.fields
    assert (fields["code"], fields["number"], fields["date"]) == ("031001900211", "12235358", date(2025, 1, 5))
    assert fields["amount_before_tax"] == Decimal("1000.00") and str(fields["total"]) == "1060.00"  # ¥ and , gone
    assert isinstance(fields["tax"], Decimal) and fields["check_code"] == "16630282980991510014"
    assert (fields["seller_tax_id"], fields["buyer_tax_id"]) == (SELLER_TAX_ID, COMPANY_TAX_ID)


def test_an_older_ofd_is_read_from_its_attached_original_invoice():
    """CustomData may hold only a reference ("¥"): the attachment's complete values come first."""
    custom = {"发票号码": "21010038", "价税合计": "¥", "开票日期": "2025-01-05 10:00:00"}
    content = ofd(custom, {"Doc_0/Attachs/original_invoice.xml": legacy_invoice_xml()})
    reading = invoice_read(content=content, name="invoice.ofd")
    fields = reading.fields
    assert (fields["code"], fields["number"], fields["date"]) == ("031001900211", "21010038", date(2025, 1, 5))
    assert (fields["amount_before_tax"], fields["tax"], fields["total"]) == (
        Decimal("300.00"),
        Decimal("18.00"),
        Decimal("318.00"),
    )  # the totals, not the item lines'
    assert fields["seller_name"] == "北京市某某茶艺餐馆" and fields["check_code"] == "01731581649436515692"


def test_an_ofd_may_carry_the_digital_invoice_xml_itself():
    content = ofd({}, {"Doc_0/Attachs/dzfp.xml": digital_xml()})
    assert invoice_read(content=content, name="a.ofd").fields["number"] == DIGITAL_NUMBER


def test_what_could_not_be_read_is_listed_and_a_missing_total_follows_from_the_others():
    custom = {"发票号码": "12235358", "合计金额": "261.39", "合计税额": "2.61", "开票日期": "不详"}
    reading = invoice_read(content=ofd(custom), name="a.ofd")
    assert reading.fields["total"] == Decimal("264.00") and "价税合计" in reading.notes[0]
    assert reading.missing == ("code", "date", "seller_name", "seller_tax_id", "buyer_tax_id")
    assert reading.missing_labels[:2] == ["发票代码", "开票日期"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("¥1,060.00", Decimal("1060.00")),
        ("￥ 1 060.5 元", Decimal("1060.50")),
        ("1060", Decimal("1060.00")),
        ("0.10", Decimal("0.10")),
        ("100.005", Decimal("100.005")),  # kept: the entry check says "two decimals at most"
        ("-106.00", Decimal("-106.00")),  # a red-letter invoice: the entry check refuses it
        ("1e3", None),
        ("NaN", None),
        ("¥", None),
        ("", None),
    ],
)
def test_amounts_are_exact_decimals_from_the_text(raw, value):
    assert read_amount(raw) == value
    if value is not None:
        assert isinstance(read_amount(raw), Decimal)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2025年01月05日", date(2025, 1, 5)),
        ("2025年1月5日", date(2025, 1, 5)),
        ("2025-01-05", date(2025, 1, 5)),
        ("2025-01-05 16:05:42", date(2025, 1, 5)),
        ("2025-01-05T16:05:42", date(2025, 1, 5)),
        ("20250105", date(2025, 1, 5)),
        ("2025-02-30", None),
        ("明天", None),
    ],
)
def test_dates_in_the_invoices_formats(raw, value):
    assert read_date(raw) == value


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (EXE, "fapiao.pdf", "必须是 PDF、OFD、XML 或图片"),  # an .exe renamed .pdf
        (PDF, "fapiao.ofd", "文件内容是 PDF，与扩展名 .ofd 不符"),  # a PDF named .ofd: not a zip
        (digital_xml(), "fapiao.pdf", "与扩展名 .pdf 不符"),
        (PDF, "fapiao.exe", "与扩展名 .exe 不符"),
        (plain_zip(), "fapiao.ofd", "不是 OFD 发票（压缩包中没有 OFD.xml）"),
        (plain_zip(), "fapiao.zip", "与扩展名 .zip 不符"),
        (b"PK\x03\x04 broken", "fapiao.ofd", "不是有效的 OFD 文件"),
        (traversal_zip(), "fapiao.ofd", "不安全"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused(content, name, says):
    with pytest.raises(ValidationFailed) as exc:
        invoice_file_check(content=content, name=name)
    assert says in exc.value.errors["file"][0]


def test_a_zip_bomb_dressed_as_an_ofd_is_refused_quickly():
    """200 MB of zeros in about 200 kB: refused from its table of contents, nothing inflated."""
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    assert "压缩炸弹" in _refused(bomb, "发票.ofd")
    assert time.monotonic() - started < 1


def test_a_zip_whose_header_lies_about_its_sizes_is_refused():
    """Each member is inflated with a cap; a header that understates the size fails its check."""
    assert "已损坏" in _refused(lying_zip(), "发票.ofd")


def test_too_many_members_is_a_bomb_too():
    members = {f"Doc_0__Res__{n}.xml": b"<a/>" for n in range(600)}
    assert "压缩炸弹" in _refused(ofd(**members), "a.ofd")


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<EInvoice><Header><EIid>&lol2;</EIid></Header></EInvoice>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><EInvoice>&e;</EInvoice>',
        b'<?xml version="1.0"?><EInvoice><Header>',
    ],
)
def test_xml_with_entities_or_broken_is_not_read(xml):
    assert "无法读取" in _refused(xml, "a.xml")


def test_only_invoice_xml_pdf_and_images_are_not_read():
    assert "根元素应为 EInvoice" in _refused(b'<?xml version="1.0"?><html/>', "a.xml")
    assert "PDF 和图片发票请手工填写" in _refused(PDF, "a.pdf")
    assert "没有从该文件中读取到发票信息" in _refused(ofd({"发票代码": "031001900211"}), "a.ofd")
    assert invoice_read(content=ofd(CLASSIC_CUSTOM_DATA), name="").kind == "ofd"  # no name: the content decides


def test_an_upload_over_20_mb_is_refused_before_it_is_read():
    with pytest.raises(FileTooLarge) as exc:
        upload_bytes(fifty_mb_pdf())
    assert exc.value.status_code == 413 and "20 MB" in exc.value.message
    forged = upload("a.pdf", PDF)
    forged.size = 1  # a declared size is not trusted: the read is capped anyway
    assert upload_bytes(forged) == PDF
