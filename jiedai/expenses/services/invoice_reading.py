"""An invoice file, checked and read (policy 5.2.2): what kind of file it is, told by its content and never by its
name alone; for the two machine-readable kinds the fields it carries, so the page and the API can fill the invoice
in for the user to confirm (nothing is saved here).

- The fully digital invoice (数电票) XML: root `EInvoice` — TaxSupervisionInfo/InvoiceNumber and IssueTime, the
  seller's and buyer's SellerIdNum/BuyerIdNum and names, EInvoiceData/BasicInformation's TotalAmWithoutTax, TotalTaxAm
  and TotalTax-includedAmount (the item lines carry look-alike names such as TotaltaxIncludedAmount: only these
  paths are read).
- OFD: a ZIP whose OFD.xml DocInfo/CustomDatas/CustomData[@Name] hold 发票代码, 发票号码, 开票日期, 合计金额, 合计税额,
  价税合计, 校验码 and the two tax IDs; older ones also attach Doc_0/Attachs/original_invoice.xml (root `eInvoice`,
  namespace http://www.edrm.org.cn/schema/e-invoice/2019: InvoiceCode, InvoiceNo, IssueDate, SellerTaxID,
  TaxExclusiveTotalAmount...), newer ones sometimes the EInvoice XML itself. A CustomData value is at times only a
  reference ("¥"), so each field takes the first value that reads, the attachment first.

Untrusted input: XML goes through defusedxml (no DTDs, entities or external references), and an OFD is opened only
after its table of contents looks like an invoice's — few members, plain relative paths, sizes and compression ratio
of a document, not a zip bomb — and then every member is inflated with a cap (the header's sizes are not trusted).
Money is an exact Decimal from the text (¥ and thousands separators dropped), never a float."""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedai.core.errors import ValidationFailed

MAX_FILE_BYTES = 20 * 1024 * 1024
CENT = Decimal("0.01")

# What a real OFD invoice looks like from its table of contents: a few dozen parts (pages, fonts, seals,
# signatures), a few MB at most inflated. The caps leave room; a zip bomb is far beyond them.
OFD_MAX_MEMBERS = 500
OFD_MAX_MEMBER_BYTES = MAX_FILE_BYTES
OFD_MAX_TOTAL_BYTES = 50 * 1024 * 1024
OFD_MAX_RATIO = 100  # inflated ÷ compressed, over the archive, once it inflates past OFD_RATIO_FLOOR
OFD_RATIO_FLOOR = 1024 * 1024
OFD_MAX_DEPTH = 12  # folders in a member's path
MAX_XML_BYTES = 5 * 1024 * 1024  # an XML part read for its fields: real ones are a few kB
CHUNK = 64 * 1024

# The accepted kinds (PDF, OFD, XML or an image), told by their first bytes.
FILE_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "ofd"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)
# An XML invoice may start with its declaration or directly with its root (some issuers leave the declaration out).
XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:\?xml\b|EInvoice\b|eInvoice\b)")
EXTENSION_KINDS = {"pdf": "pdf", "ofd": "ofd", "xml": "xml", "png": "png", "jpg": "jpg", "jpeg": "jpg"}
KIND_LABELS = {"pdf": "PDF", "ofd": "OFD", "xml": "XML", "png": "PNG", "jpg": "JPG"}

# The fields read, in the order the form shows them; the last two are kept for the checks, not stored.
FIELD_LABELS = {
    "code": gettext_lazy("发票代码"),
    "number": gettext_lazy("发票号码"),
    "date": gettext_lazy("开票日期"),
    "amount_before_tax": gettext_lazy("金额"),
    "tax": gettext_lazy("税额"),
    "total": gettext_lazy("价税合计"),
    "seller_name": gettext_lazy("销售方名称"),
    "seller_tax_id": gettext_lazy("销售方纳税人识别号"),
    "buyer_name": gettext_lazy("购买方名称"),
    "buyer_tax_id": gettext_lazy("购买方纳税人识别号"),
    "check_code": gettext_lazy("校验码"),
}
# Reported as "could not be read" when absent (the code only for a classic, 8-digit invoice; buyer name and check
# code are extras an invoice may well not carry).
EXPECTED = ("number", "date", "amount_before_tax", "tax", "total", "seller_name", "seller_tax_id", "buyer_tax_id")

DIGITAL_PATHS = {  # 数电票 EInvoice, paths below the root
    "number": ("TaxSupervisionInfo/InvoiceNumber", "Header/EIid"),
    "date": ("TaxSupervisionInfo/IssueTime", "EInvoiceData/BasicInformation/RequestTime"),
    "seller_name": ("EInvoiceData/SellerInformation/SellerName",),
    "seller_tax_id": ("EInvoiceData/SellerInformation/SellerIdNum",),
    "buyer_name": ("EInvoiceData/BuyerInformation/BuyerName",),
    "buyer_tax_id": ("EInvoiceData/BuyerInformation/BuyerIdNum",),
    "amount_before_tax": ("EInvoiceData/BasicInformation/TotalAmWithoutTax",),
    "tax": ("EInvoiceData/BasicInformation/TotalTaxAm",),
    "total": ("EInvoiceData/BasicInformation/TotalTax-includedAmount",),
}
LEGACY_PATHS = {  # original_invoice.xml in older OFD invoices (namespace …/e-invoice/2019), below the root
    "code": ("InvoiceCode",),
    "number": ("InvoiceNo",),
    "date": ("IssueDate",),
    "check_code": ("InvoiceCheckCode",),
    "buyer_name": ("Buyer/BuyerName",),
    "buyer_tax_id": ("Buyer/BuyerTaxID",),
    "seller_name": ("Seller/SellerName",),
    "seller_tax_id": ("Seller/SellerTaxID",),
    "amount_before_tax": ("TaxExclusiveTotalAmount",),
    "tax": ("TaxTotalAmount",),
    "total": ("TaxInclusiveTotalAmount",),
}
CUSTOM_DATA_NAMES = {  # OFD.xml DocInfo/CustomDatas/CustomData[@Name]
    "发票代码": "code",
    "发票号码": "number",
    "开票日期": "date",
    "合计金额": "amount_before_tax",
    "合计税额": "tax",
    "价税合计": "total",
    "校验码": "check_code",
    "购买方名称": "buyer_name",
    "购买方纳税人识别号": "buyer_tax_id",
    "销售方名称": "seller_name",
    "销售方纳税人识别号": "seller_tax_id",
}
ATTACHMENT = re.compile(r"(?:^|/)(?:attachs?/[^/]+\.xml|original_invoice\.xml)$", re.IGNORECASE)


class FileTooLarge(ValidationFailed):
    """An upload over the limit. API: 413."""

    status_code = 413


def too_large_message() -> str:
    return _("发票文件不能超过 20 MB。")  # MAX_FILE_BYTES


def _refuse(message: str):
    raise ValidationFailed(message, errors={"file": [message]})


def upload_bytes(upload) -> bytes:
    """The uploaded file's bytes, read with a cap (its declared size is not trusted either)."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooLarge(too_large_message(), errors={"file": [too_large_message()]})
    upload.seek(0)
    content = upload.read(MAX_FILE_BYTES + 1)
    upload.seek(0)
    if len(content) > MAX_FILE_BYTES:
        raise FileTooLarge(too_large_message(), errors={"file": [too_large_message()]})
    if not content:
        _refuse(_("发票文件是空的。"))
    return content


def invoice_file_check(*, content: bytes, name: str = "") -> str:
    """The kind of an invoice file ("pdf", "ofd", "xml", "png", "jpg") from its content, or ValidationFailed on
    "file": not one of those kinds, a name whose extension says another kind (an .exe renamed .pdf, a PDF named
    .ofd), or an OFD that is not a real one (a plain ZIP, a zip bomb)."""
    kind = _kind_of(content, name)
    if kind == "ofd":
        _open_ofd(content)
    return kind


def _kind_of(content: bytes, name: str) -> str:
    kind = next((kind for signature, kind in FILE_SIGNATURES if content.startswith(signature)), None)
    if kind is None and XML_START.match(content[:256]):
        kind = "xml"
    if kind is None:
        _refuse(_("发票文件必须是 PDF、OFD、XML 或图片（PNG、JPG）。"))
    extension = name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    if extension and EXTENSION_KINDS.get(extension) != kind:
        _refuse(
            _("文件内容是 %(kind)s，与扩展名 .%(ext)s 不符，不能作为发票上传。")
            % {"kind": KIND_LABELS[kind], "ext": extension[:10]}
        )
    return kind


# ---------------------------------------------------------------------------------------------------------------
# OFD: a ZIP, opened with care


def _bomb():
    _refuse(_("OFD 文件解压后过大或压缩比异常（疑似压缩炸弹），不能上传。"))


def _unsafe_path(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or ":" in parts[0]
        or ".." in parts
        or len(parts) > OFD_MAX_DEPTH + 1
    )


def _open_ofd(content: bytes) -> zipfile.ZipFile:
    """The OFD's archive once it passed the checks (see the module's docstring), else ValidationFailed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        _refuse(_("这不是有效的 OFD 文件（无法作为压缩包打开）。"))
    if len(infos) > OFD_MAX_MEMBERS:
        _bomb()
    names = [info.filename for info in infos]
    if any(_unsafe_path(name) for name in names) or len(set(names)) != len(names):
        _refuse(_("OFD 文件中含有不安全或重复的路径，不能上传。"))
    if any(info.flag_bits & 0x1 for info in infos):
        _refuse(_("OFD 文件不能加密。"))
    declared = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if (
        any(info.file_size > OFD_MAX_MEMBER_BYTES for info in infos)
        or declared > OFD_MAX_TOTAL_BYTES
        or (declared > OFD_RATIO_FLOOR and declared > OFD_MAX_RATIO * max(packed, 1))
    ):
        _bomb()
    if "OFD.xml" not in names:
        _refuse(_("这不是 OFD 发票（压缩包中没有 OFD.xml）。"))
    inflated = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            with archive.open(info) as member:
                size = 0
                while chunk := member.read(CHUNK):
                    size += len(chunk)
                    inflated += len(chunk)
                    if size > OFD_MAX_MEMBER_BYTES or inflated > OFD_MAX_TOTAL_BYTES:
                        _bomb()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError):
        _refuse(_("OFD 文件已损坏，无法读取。"))
    return archive


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    with archive.open(name) as member:
        data = member.read(MAX_XML_BYTES + 1)
    return data if len(data) <= MAX_XML_BYTES else None


# ---------------------------------------------------------------------------------------------------------------
# XML


def _parse_xml(data: bytes):
    """The root element, or None for XML that is malformed or uses DTDs, entities or external references."""
    try:
        return fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_at(root, path: str) -> str | None:
    element = root
    for part in path.split("/"):
        element = next((child for child in element if _local(child.tag) == part), None)
        if element is None:
            return None
    return element.text or ""


def _from_paths(root, paths: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, candidates in paths.items():
        for path in candidates:
            text = _text_at(root, path)
            if text is not None:
                found.setdefault(name, []).append(text)
    return found


def _from_invoice_xml(root) -> dict[str, list[str]] | None:
    """Fields from an invoice XML's root: the 数电票 EInvoice or the older eInvoice; None for any other XML."""
    if _local(root.tag) == "EInvoice":
        return _from_paths(root, DIGITAL_PATHS)
    if _local(root.tag) == "eInvoice":
        return _from_paths(root, LEGACY_PATHS)
    return None


def _from_custom_data(root) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in root.iter():
        if _local(element.tag) == "CustomData" and element.get("Name", "").strip() in CUSTOM_DATA_NAMES:
            found.setdefault(CUSTOM_DATA_NAMES[element.get("Name").strip()], []).append(element.text or "")
    return found


# ---------------------------------------------------------------------------------------------------------------
# Values


AMOUNT_RE = re.compile(r"-?\d+(?:\.\d+)?")
DATE_RE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})")
COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def read_amount(raw: str) -> Decimal | None:
    """An exact amount from an invoice's text: "¥1,060.00" → Decimal("1060.00"); None if it is not one. More than
    two decimals or a negative (red-letter) amount is kept as it is: the entry check says what is wrong."""
    text = re.sub(r"[\s,，¥￥元]", "", raw or "")
    if not AMOUNT_RE.fullmatch(text):
        return None
    value = Decimal(text)
    return value.quantize(CENT) if value == value.quantize(CENT) else value


def read_date(raw: str) -> date | None:
    """ "2025年01月05日", "2025-01-05", "2025-01-05 10:11:12", "2025-01-05T10:11:12" or "20250105"."""
    text = (raw or "").strip()
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _digits(raw: str) -> str | None:
    text = re.sub(r"\s", "", raw or "")
    return text if text.isascii() and text.isdigit() else None


def _tax_id(raw: str) -> str | None:
    text = re.sub(r"\s", "", raw or "").upper()
    return text if re.fullmatch(r"[0-9A-Z]{15,20}", text) else None


def _name(raw: str) -> str | None:
    return " ".join((raw or "").split())[:200] or None


READERS = {
    "code": _digits,
    "number": _digits,
    "date": read_date,
    "amount_before_tax": read_amount,
    "tax": read_amount,
    "total": read_amount,
    "seller_name": _name,
    "seller_tax_id": _tax_id,
    "buyer_name": _name,
    "buyer_tax_id": _tax_id,
    "check_code": _digits,
}


@dataclass(frozen=True)
class InvoiceReading:
    """What a file said: `fields` holds the values read (str, date or Decimal), `missing` the expected fields that
    could not be read, `notes` what the user should know (a total computed from amount and tax...)."""

    kind: str
    fields: dict = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_strings(self) -> dict[str, str]:
        """Every field as the form and the API show it ("" when not read): dates ISO, money with two places."""
        out = {}
        for name in FIELD_LABELS:
            value = self.fields.get(name)
            out[name] = "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
        return out

    @property
    def missing_labels(self) -> list[str]:
        return [str(FIELD_LABELS[name]) for name in self.missing]


def _merge(kind: str, sources: list[dict[str, list[str]]]) -> InvoiceReading:
    fields = {}
    for name, reader in READERS.items():
        for source in sources:
            value = next((v for v in map(reader, source.get(name, ())) if v is not None), None)
            if value is not None:
                fields[name] = value
                break
    notes = []
    amount, tax, total = (fields.get(name) for name in ("amount_before_tax", "tax", "total"))
    # The three are tied (amount + tax = total): one missing follows from the other two, for the user to confirm.
    if total is None and amount is not None and tax is not None:
        fields["total"] = amount + tax
        notes.append(_("价税合计未能读取，已按金额加税额算出，请核对。"))
    elif tax is None and amount is not None and total is not None:
        fields["tax"] = total - amount
        notes.append(_("税额未能读取，已按价税合计减金额算出，请核对。"))
    elif amount is None and tax is not None and total is not None:
        fields["amount_before_tax"] = total - tax
        notes.append(_("金额未能读取，已按价税合计减税额算出，请核对。"))
    number = fields.get("number", "")
    if len(number) == 20:  # a fully digital invoice has no code
        fields["code"] = ""
    expected = EXPECTED + (("code",) if len(number) != 20 else ())
    missing = tuple(name for name in FIELD_LABELS if name in expected and name not in fields)
    return InvoiceReading(kind=kind, fields=fields, missing=missing, notes=tuple(notes))


def invoice_read(*, content: bytes, name: str = "") -> InvoiceReading:
    """The fields of an XML or OFD invoice (policy 5.2.2), for the user to confirm; ValidationFailed on "file" for
    a file that is not an invoice file, not one of these two kinds, or has none of the fields."""
    kind = _kind_of(content, name)
    if kind == "xml":
        if len(content) > MAX_XML_BYTES:
            _refuse(_("XML 发票文件过大，无法读取。"))
        root = _parse_xml(content)
        if root is None:
            _refuse(_("XML 文件格式有误或含有不允许的内容（DTD、实体），无法读取。"))
        found = _from_invoice_xml(root)
        if found is None:
            _refuse(_("这不是可读取的电子发票 XML（根元素应为 EInvoice）。"))
        sources = [found]
    elif kind == "ofd":
        sources = _ofd_sources(_open_ofd(content))
    else:
        _refuse(_("只能从 XML 或 OFD 发票读取信息；PDF 和图片发票请手工填写。"))
    reading = _merge(kind, sources)
    if not reading.fields or set(reading.fields) <= {"code"}:
        _refuse(_("没有从该文件中读取到发票信息，请手工填写。"))
    return reading


def _ofd_sources(archive: zipfile.ZipFile) -> list[dict[str, list[str]]]:
    """The attached invoice XML(s) first (complete values), then OFD.xml's CustomData."""
    sources = []
    for name in archive.namelist():
        if ATTACHMENT.search(name):
            data = _member(archive, name)
            root = _parse_xml(data) if data is not None else None
            found = _from_invoice_xml(root) if root is not None else None
            if found:
                sources.append(found)
    data = _member(archive, "OFD.xml")
    root = _parse_xml(data) if data is not None else None
    if root is not None:
        sources.append(_from_custom_data(root))
    return sources
