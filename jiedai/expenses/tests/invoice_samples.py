"""Invoice files shaped like real ones (policy 5.2.2), built in memory: the fully digital invoice's XML (数电票,
root EInvoice), OFD zips with DocInfo/CustomDatas and with the older attached original_invoice.xml, and the bad
files — a zip bomb dressed as an OFD, a zip whose header lies about its sizes, a plain zip, a PDF named .ofd."""

import functools
import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

DIGITAL_NUMBER = "25312000000012345678"
SELLER_TAX_ID = "91310000MA1FL0000X"
COMPANY_TAX_ID = "91310115MA1K4ABC1Y"  # "our company" in the tests (the company_tax_id setting)
OTHER_TAX_ID = "91110108MA00ABCD1Q"
OFD_NS = "http://www.ofdspec.org/2016"
LEGACY_NS = "http://www.edrm.org.cn/schema/e-invoice/2019"


def digital_xml(
    *,
    number=DIGITAL_NUMBER,
    issued="2025-01-05",
    amount="100.00",
    tax="6.00",
    total="106.00",
    seller="上海某某酒店有限公司",
    seller_id=SELLER_TAX_ID,
    buyer="上海接待示范有限公司",
    buyer_id=COMPANY_TAX_ID,
    declaration=True,
) -> bytes:
    """A 数电票 XML as the tax bureau's platform issues it (the item lines carry look-alike amounts)."""
    body = (
        f"<EInvoice><Header><EIid>{number}</EIid><EInvoiceTag>SWEI3100</EInvoiceTag><Version>0.1</Version></Header>"
        "<EInvoiceData>"
        f"<SellerInformation><SellerIdNum>{seller_id}</SellerIdNum><SellerName>{seller}</SellerName>"
        "</SellerInformation>"
        f"<BuyerInformation><BuyerIdNum>{buyer_id}</BuyerIdNum><BuyerName>{buyer}</BuyerName></BuyerInformation>"
        f"<BasicInformation><TotalAmWithoutTax>{amount}</TotalAmWithoutTax><TotalTaxAm>{tax}</TotalTaxAm>"
        f"<TotalTax-includedAmount>{total}</TotalTax-includedAmount>"
        "<TotalTax-includedAmountInChinese>壹佰零陆圆整</TotalTax-includedAmountInChinese>"
        f"<RequestTime>{issued} 10:11:12</RequestTime></BasicInformation>"
        "<IssuItemInformation><ItemName>*餐饮服务*餐费</ItemName><Amount>99.00</Amount><TaxRate>0.06</TaxRate>"
        "<ComTaxAm>5.94</ComTaxAm><TotaltaxIncludedAmount>104.94</TotaltaxIncludedAmount></IssuItemInformation>"
        "</EInvoiceData>"
        "<SellerAuthentication><AuthenticationMethods>2</AuthenticationMethods></SellerAuthentication>"
        f"<TaxSupervisionInfo><InvoiceNumber>{number}</InvoiceNumber><IssueTime>{issued}</IssueTime>"
        "<TaxBureauCode>13100000000</TaxBureauCode><TaxBureauName>国家税务总局上海市税务局</TaxBureauName>"
        "</TaxSupervisionInfo></EInvoice>"
    )
    return (('<?xml version="1.0" encoding="utf-8"?>\n' if declaration else "") + body).encode()


def ofd_xml(custom: dict[str, str]) -> bytes:
    datas = "".join(f'<ofd:CustomData Name="{name}">{value}</ofd:CustomData>' for name, value in custom.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" DocType="OFD" Version="1.0">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>2195d5df959c419cb575dab5eeabb065</ofd:DocID>"
        '<ofd:CustomDatas><ofd:CustomData Name="native-producer">SuwellFormSDK</ofd:CustomData>'
        f"{datas}</ofd:CustomDatas></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody>"
        "</ofd:OFD>"
    ).encode()


CLASSIC_CUSTOM_DATA = {
    "发票代码": "031001900211",
    "发票号码": "12235358",
    "开票日期": "2025年01月05日",
    "合计金额": "1,000.00",
    "合计税额": "60.00",
    "价税合计": "¥1,060.00",
    "校验码": "16630 28298 09915 10014",
    "购买方名称": "上海接待示范有限公司",
    "购买方纳税人识别号": COMPANY_TAX_ID,
    "销售方名称": "上海某某酒店有限公司",
    "销售方纳税人识别号": SELLER_TAX_ID,
}


def legacy_invoice_xml(*, code="031001900211", number="21010038", total="318.00") -> bytes:
    """The original_invoice.xml older OFD invoices attach (namespace …/e-invoice/2019; item lines have amounts)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><eInvoice xmlns:fp="{LEGACY_NS}" Version="1.0">'
        f"<fp:DocID>01</fp:DocID><fp:InvoiceCode>{code}</fp:InvoiceCode><fp:InvoiceNo>{number}</fp:InvoiceNo>"
        "<fp:IssueDate>2025年01月05日</fp:IssueDate><fp:InvoiceCheckCode>01731581649436515692</fp:InvoiceCheckCode>"
        f"<fp:Buyer><fp:BuyerName>上海接待示范有限公司</fp:BuyerName><fp:BuyerTaxID>{COMPANY_TAX_ID}</fp:BuyerTaxID>"
        "</fp:Buyer>"
        f"<fp:Seller><fp:SellerName>北京市某某茶艺餐馆</fp:SellerName><fp:SellerTaxID>{SELLER_TAX_ID}</fp:SellerTaxID>"
        f"</fp:Seller><fp:TaxInclusiveTotalAmount>{total}</fp:TaxInclusiveTotalAmount>"
        "<fp:TaxTotalAmount>18.00</fp:TaxTotalAmount><fp:TaxExclusiveTotalAmount>300.00</fp:TaxExclusiveTotalAmount>"
        "<fp:GoodsInfos><fp:GoodsInfo><fp:Item>*餐饮服务*餐费</fp:Item><fp:Amount>100.00</fp:Amount>"
        "<fp:TaxAmount>6.00</fp:TaxAmount></fp:GoodsInfo></fp:GoodsInfos></eInvoice>"
    ).encode()


def ofd(custom: dict[str, str] | None = None, attachments: dict[str, bytes] | None = None, **members: bytes) -> bytes:
    """An OFD package: OFD.xml with its CustomDatas, a document, a page, and any attachments."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", ofd_xml(CLASSIC_CUSTOM_DATA if custom is None else custom))
        archive.writestr("Doc_0/Document.xml", f'<ofd:Document xmlns:ofd="{OFD_NS}"/>')
        archive.writestr("Doc_0/Pages/Page_0/Content.xml", f'<ofd:Page xmlns:ofd="{OFD_NS}"/>')
        for name, content in (attachments or {}).items():
            archive.writestr(name, content)
        for name, content in members.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """An "OFD" with a member of 200 MB of zeros, deflated (in 1-MB chunks) to about 200 kB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("OFD.xml", ofd_xml(CLASSIC_CUSTOM_DATA))
        with archive.open("Doc_0/Res/image_0.png", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


def lying_zip() -> bytes:
    """An OFD whose member inflates to 5 MB while its headers say 1,000 bytes: the sizes are not to be trusted."""
    buffer = io.BytesIO()
    name = "Doc_0/Res/font_0.ttf"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", ofd_xml(CLASSIC_CUSTOM_DATA))
        archive.writestr(name, bytes(5 * 1024 * 1024))
    raw = bytearray(buffer.getvalue())
    local = raw.find(name.encode()) - 30  # the name follows its 30-byte local header
    struct.pack_into("<I", raw, local + 22, 1000)  # the local header's uncompressed size
    central = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, 1000)  # the central directory's
    return bytes(raw)


def plain_zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (members or {"readme.txt": b"not an invoice"}).items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


def traversal_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", ofd_xml(CLASSIC_CUSTOM_DATA))
        archive.writestr("../../etc/cron.d/evil", b"* * * * * root true")
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00 This program cannot be run in DOS mode."


def upload(name: str, content: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def fifty_mb_pdf() -> SimpleUploadedFile:
    return upload("扫描件.pdf", PDF + bytes(50 * 1024 * 1024), "application/pdf")
