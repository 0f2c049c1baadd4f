"""Checks on uploaded material files (policy 3.1.1, 资料准备): a size limit, a short list of document and image
types accepted by their extension AND by their content, and never an executable, whatever its name.

The content check reads the file's first bytes (and, for Office files, the ZIP's table of contents — never the
compressed data, so a ZIP bomb costs nothing). Legacy binary Office files (.doc/.xls/.ppt: may carry macros) and
OFD are not accepted."""

import codecs
import hashlib
import os
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from jiedai.core.errors import ValidationFailed

# The largest file accepted. A setting in code: raise it here (the web server's body limit must allow it too).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

HEAD_BYTES = 8192  # how much of a file the content checks read


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str


# extension → what it must be. Office Open XML files are ZIPs whose parts name the application.
ALLOWED_TYPES = {
    "pdf": FileType("PDF", "application/pdf"),
    "docx": FileType("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": FileType("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": FileType("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "jpg": FileType("JPEG", "image/jpeg"),
    "jpeg": FileType("JPEG", "image/jpeg"),
    "png": FileType("PNG", "image/png"),
    "webp": FileType("WebP", "image/webp"),
    "txt": FileType("TXT", "text/plain"),
}
OFFICE_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}

# Executable formats refused whatever the file is called: Windows PE (MZ), ELF, Mach-O (and fat binaries),
# scripts with a #! line.
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)


@dataclass(frozen=True)
class CheckedFile:
    """What the Material records about an accepted file."""

    original_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


def allowed_extensions() -> list[str]:
    return sorted(ALLOWED_TYPES)


def accept_attribute() -> str:
    """For <input type=file accept=...>: a hint to the browser; the server checks anyway."""
    return ",".join(f".{ext}" for ext in allowed_extensions())


def limit_label() -> str:
    return filesizeformat(MAX_UPLOAD_BYTES)


def clean_original_name(name: str) -> str:
    """The name as the user knows it, without any path, control characters or surrounding dots and spaces."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip(" .")
    if len(name) > 200:  # Material.original_name; keep the extension
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name


def _fail(message: str):
    raise ValidationFailed(message, errors={"file": [message]})


def check_upload(uploaded) -> CheckedFile:
    """Accept the uploaded file (a Django UploadedFile or any File) or raise ValidationFailed on "file" with a
    message saying what is wrong. Reads the whole file once (for the SHA-256) and rewinds it."""
    if uploaded is None:
        _fail(_("请选择要上传的文件。"))
    original_name = clean_original_name(getattr(uploaded, "name", ""))
    size = uploaded.size
    if size is None or size <= 0:
        _fail(_("文件是空的。"))
    if size > MAX_UPLOAD_BYTES:
        _fail(
            _("文件 %(size)s，超过了 %(limit)s 的上限；请压缩后再上传。")
            % {"size": filesizeformat(size), "limit": limit_label()}
        )
    extension = os.path.splitext(original_name)[1].lower().lstrip(".")
    file_type = ALLOWED_TYPES.get(extension)
    if file_type is None:
        _fail(_("不支持该文件类型。可上传：%(types)s。") % {"types": "、".join(allowed_extensions())})
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    if head.startswith(EXECUTABLE_MAGIC):
        _fail(_("该文件是可执行程序，不允许上传。"))
    if not _content_matches(extension, head, uploaded):
        _fail(
            _("文件内容与扩展名 .%(ext)s 不符（不是有效的 %(type)s 文件），不能上传。")
            % {"ext": extension, "type": file_type.label}
        )
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(
        original_name=original_name,
        extension=extension,
        content_type=file_type.content_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _content_matches(extension: str, head: bytes, uploaded) -> bool:
    if extension == "pdf":
        return b"%PDF-" in head[:1024]
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension == "txt":
        return _is_text(head)
    if extension in OFFICE_PART:
        return head.startswith(b"PK\x03\x04") and _is_office(uploaded, OFFICE_PART[extension])
    return False


def _is_text(head: bytes) -> bool:
    """Plain text: no NUL bytes, and UTF-8 or GB18030 (a character cut at the end of the sample is fine)."""
    if b"\x00" in head:
        return False
    final = len(head) < HEAD_BYTES  # the sample is the whole file
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=final)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _is_office(uploaded, part_prefix: str) -> bool:
    """An Office Open XML package: a ZIP with [Content_Types].xml and the application's part folder. Reads only
    the ZIP's central directory."""
    try:
        with zipfile.ZipFile(uploaded) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        uploaded.seek(0)
    return "[Content_Types].xml" in names and any(name.startswith(part_prefix) for name in names)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file part once it passes the limit (so an oversized upload never fills the disk) and
    marks the request; the view then answers with the size message. Install it before request.POST is read."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = MAX_UPLOAD_BYTES if limit is None else limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def too_large_error() -> ValidationFailed:
    message = _("文件超过了 %(limit)s 的上限；请压缩后再上传。") % {"limit": limit_label()}
    return ValidationFailed(message, errors={"file": [message]})
