"""policy 3.1.1 (资料准备): material with a confidentiality level; uploads are checked (size, type by extension and
content, no executables); confidential material is seen only by the editors and the people they clear, every
download goes through the app and is logged, and the editors see the log."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning import uploads
from jiedai.planning.models import Material, MaterialDownload, PlanAction
from jiedai.planning.review import plan_submit
from jiedai.planning.services.materials import (
    material_delete,
    material_download,
    material_update,
    material_upload,
)
from jiedai.planning.tests.factories import plan_for, ready_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def office(kind: str) -> bytes:
    part = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(people, plan, name="公司简介.pdf", content=PDF, by="sales_rep", **data):
    return material_upload(
        reception_id=plan.reception_id,
        by=people[by],
        data={"kind": "profile", "confidentiality": "internal", **data},
        file=SimpleUploadedFile(name, content),
    )


# ---- the file checks ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("简介.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.webp", WEBP, "image/webp"),
        ("方案.docx", office("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("报价.xlsx", office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("介绍.pptx", office("pptx"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("说明.txt", "欢迎莅临参观\n".encode(), "text/plain"),
        ("说明.txt", "欢迎莅临参观\n".encode("gb18030"), "text/plain"),
    ],
)
def test_documents_and_images_are_accepted_by_extension_and_content(name, content, content_type):
    checked = uploads.check_upload(SimpleUploadedFile(name, content))
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("报价单.pdf", EXE, "可执行程序"),  # a Windows program renamed .pdf
        ("photo.png", ELF, "可执行程序"),  # a Linux program renamed .png
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
        ("setup.exe", EXE, "不支持该文件类型"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "不支持该文件类型"),
        ("page.html", b"<html></html>", "不支持该文件类型"),
        ("noextension", PDF, "不支持该文件类型"),
        ("简介.pdf", PNG, "不符"),  # content of another type
        ("方案.docx", plain_zip(), "不符"),  # a ZIP, but no Word document inside
        ("方案.docx", office("xlsx"), "不符"),  # an Excel workbook renamed .docx
        ("binary.txt", b"abc\x00\x01\x02", "不符"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_disguised_executables_and_wrong_types_are_refused(name, content, message):
    with pytest.raises(ValidationFailed) as exc:
        uploads.check_upload(SimpleUploadedFile(name, content))
    assert message in exc.value.errors["file"][0]


def test_oversized_file_is_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    with pytest.raises(ValidationFailed) as exc:
        uploads.check_upload(SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))
    assert "超过了 1.0 KB 的上限" in exc.value.errors["file"][0].replace("\xa0", " ")
    assert uploads.MAX_UPLOAD_BYTES != 20 * 1024 * 1024  # the real limit is a setting in code
    monkeypatch.undo()
    assert uploads.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_original_name_loses_paths_and_control_characters():
    assert uploads.clean_original_name("C:\\Users\\wang\\资料\\简介.pdf") == "简介.pdf"
    assert uploads.clean_original_name("../../etc/passwd\x00.pdf") == "passwd.pdf"
    long = "长" * 300 + ".pdf"
    assert len(uploads.clean_original_name(long)) == 200 and uploads.clean_original_name(long).endswith(".pdf")


# ---- the services ------------------------------------------------------------------------------------------------


def test_upload_stores_the_file_with_its_facts_and_records_the_change(people, media):
    plan = plan_for(people)
    material = upload(people, plan, title="", description="公司介绍")
    material.refresh_from_db()
    assert material.title == "公司简介"  # defaults to the file's name
    assert material.original_name == "公司简介.pdf"
    assert material.size == len(PDF) and material.sha256 == hashlib.sha256(PDF).hexdigest()
    assert material.content_type == "application/pdf"
    assert material.file.name.startswith("materials/") and material.file.name.endswith(".pdf")
    assert "公司简介" not in material.file.name  # stored under a random name
    assert (media / material.file.name).read_bytes() == PDF
    entry = plan.history.order_by("-id").first()
    assert entry.action == PlanAction.CHANGED and "公司简介" in entry.summary


def test_refused_upload_leaves_no_row_and_no_file(people, media):
    plan = plan_for(people)
    with pytest.raises(ValidationFailed):
        upload(people, plan, name="报价单.pdf", content=EXE)
    with pytest.raises(ValidationFailed) as exc:
        upload(people, plan, title="x" * 121)
    assert "title" in exc.value.errors
    assert not Material.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_only_the_editors_upload(people):
    plan = plan_for(people)
    with pytest.raises(Forbidden):
        upload(people, plan, by="sales_head")  # reads the plan, may not change it
    with pytest.raises(NotFound):
        upload(people, plan, by="tech_eng")  # an outsider does not learn the plan exists


def test_confidential_title_never_enters_the_history(people):
    """The history and the change notices are read by everyone on the plan: a confidential title stays out."""
    plan = plan_for(people)
    upload(people, plan, title="核心工艺参数", confidentiality="confidential")
    summaries = " ".join(plan.history.values_list("summary", flat=True))
    assert "核心工艺参数" not in summaries and "保密资料" in summaries


def test_cleared_people_must_be_active_users(people):
    plan = plan_for(people)
    with pytest.raises(ValidationFailed) as exc:
        upload(people, plan, confidentiality="confidential", cleared=[999999])
    assert "cleared" in exc.value.errors
    people["fin_clerk"].is_active = False
    people["fin_clerk"].save()
    with pytest.raises(ValidationFailed):
        upload(people, plan, confidentiality="confidential", cleared=[people["fin_clerk"]])


def test_confidential_material_is_seen_and_downloaded_only_by_the_editors_and_the_cleared(people):
    plan = plan_for(people)
    secret = upload(
        people, plan, title="核心工艺参数", confidentiality="confidential", cleared=[people["fin_clerk"].pk]
    )
    with pytest.raises(NotFound):  # sales_head reads the plan but is not cleared: the file does not exist for him
        material_download(reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_head"])
    for who in ("sales_rep", "fin_clerk"):
        material_download(reception_id=plan.reception_id, material_id=secret.pk, by=people[who], ip="10.0.0.8")
    log = list(MaterialDownload.objects.filter(material=secret).order_by("id").values_list("user__username", "ip"))
    assert log == [("sales_rep", "10.0.0.8"), ("fin_clerk", "10.0.0.8")]


def test_downgrading_clears_the_list_and_editing_keeps_rights(people):
    plan = plan_for(people)
    secret = upload(people, plan, confidentiality="confidential", cleared=[people["fin_clerk"]])
    material_update(
        reception_id=plan.reception_id,
        material_id=secret.pk,
        by=people["sales_rep"],
        data={"title": "公开简介", "kind": "brochure", "confidentiality": "public", "description": ""},
    )
    secret.refresh_from_db()
    assert secret.title == "公开简介" and secret.kind == "brochure" and not secret.cleared.exists()
    with pytest.raises(Forbidden):
        material_update(
            reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_head"], data={"title": "x"}
        )
    with pytest.raises(ValidationFailed):
        material_update(
            reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_rep"], data={"kind": "nonsense"}
        )


def test_delete_removes_the_file_and_a_downloaded_material_keeps_its_log(
    people, media, django_capture_on_commit_callbacks
):
    plan = plan_for(people)
    plain = upload(people, plan, title="宣传册")
    secret = upload(people, plan, title="核心工艺参数", confidentiality="confidential")
    material_download(reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_rep"])
    paths = [media / plain.file.name, media / secret.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        for material in (plain, secret):
            material_delete(reception_id=plan.reception_id, material_id=material.pk, by=people["sales_rep"])
    assert not any(path.exists() for path in paths)
    assert not Material.objects.filter(pk=plain.pk).exists()
    kept = Material.objects.get(pk=secret.pk)  # the download log protects it: a record without a file
    assert not kept.file and kept.downloads.count() == 1
    with pytest.raises(NotFound):  # gone for every purpose but the log
        material_download(reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_rep"])
    with pytest.raises(NotFound):
        material_delete(reception_id=plan.reception_id, material_id=secret.pk, by=people["sales_rep"])


# ---- the pages ---------------------------------------------------------------------------------------------------


def materials_url(plan):
    return reverse("planning:materials", args=[plan.reception_id])


def test_upload_through_the_page_and_refusals_say_why(client, people, monkeypatch):
    plan = plan_for(people)
    client.force_login(people["sales_rep"])
    url = reverse("planning:material_upload", args=[plan.reception_id])
    form = {"kind": "product", "confidentiality": "internal", "title": "", "description": ""}
    response = client.post(url, {**form, "file": SimpleUploadedFile("产品手册.pdf", PDF)})
    assert response.status_code == 302 and response["Location"] == materials_url(plan)
    assert Material.objects.get().title == "产品手册"

    response = client.post(url, {**form, "file": SimpleUploadedFile("报价单.pdf", EXE)})
    assert response.status_code == 200  # the page again, the file field marked
    assert "该文件是可执行程序，不允许上传。" in response.content.decode()

    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 100 * 1024)
    response = client.post(url, {**form, "file": SimpleUploadedFile("大文件.pdf", PDF + b"0" * 300 * 1024)})
    assert response.status_code == 200
    assert "文件超过了 100.0 KB 的上限" in response.content.decode().replace("\xa0", " ")
    assert Material.objects.count() == 1


def test_upload_still_checks_the_csrf_token(people):
    """The upload view installs its size-limiting handler before the CSRF check reads the body, so it checks the
    token itself (csrf_protect inside csrf_exempt)."""
    plan = plan_for(people)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["sales_rep"])
    url = reverse("planning:material_upload", args=[plan.reception_id])
    data = {"kind": "product", "confidentiality": "internal", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert browser.post(url, data).status_code == 403
    assert not Material.objects.exists()


def test_nothing_changes_while_the_plan_is_under_review(client, people):
    plan = ready_plan(people)
    material = upload(people, plan)
    plan_submit(reception_id=plan.reception_id, by=people["sales_rep"])
    with pytest.raises(ConflictError):
        upload(people, plan)
    with pytest.raises(ConflictError):
        material_delete(reception_id=plan.reception_id, material_id=material.pk, by=people["sales_rep"])
    client.force_login(people["sales_rep"])
    html = client.get(materials_url(plan)).content.decode()
    assert "上传资料" not in html and "planning:material_delete" not in html
    assert reverse("planning:material_delete", args=[plan.reception_id, material.pk]) not in html
    assert reverse("planning:material_download", args=[plan.reception_id, material.pk]) in html


def test_upload_page_access(client, people):
    plan = plan_for(people)
    url = reverse("planning:material_upload", args=[plan.reception_id])
    data = {"kind": "product", "confidentiality": "internal", "file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.get(materials_url(plan)).status_code == 302  # login first
    client.force_login(people["tech_eng"])
    assert client.get(materials_url(plan)).status_code == 404
    assert client.post(url, data).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(people["sales_head"])
    assert client.get(materials_url(plan)).status_code == 200
    data["file"] = SimpleUploadedFile("a.pdf", PDF)
    assert client.post(url, data).status_code == 403
    assert client.get(url).status_code == 403
    client.force_login(people["sales_rep"])
    html = client.get(url).content.decode()  # the upload form on a page of its own (phones)
    assert 'enctype="multipart/form-data"' in html and 'accept=".docx,.jpeg,.jpg,.pdf' in html
    assert client.post(url, {}).status_code == 200  # nothing chosen: the form says so
    assert "请选择要上传的文件。" in client.post(url, {"kind": "other", "confidentiality": "internal"}).content.decode()
    assert not Material.objects.exists()


def test_page_hides_confidential_material_from_readers_not_cleared(client, people):
    plan = plan_for(people)
    upload(people, plan, title="公司简介")
    secret = upload(people, plan, title="核心工艺参数", confidentiality="confidential", cleared=[people["fin_clerk"]])
    client.force_login(people["sales_head"])
    html = client.get(materials_url(plan)).content.decode()
    assert "公司简介" in html and "核心工艺参数" not in html
    assert "上传资料" not in html and "下载记录" not in html  # readers neither upload nor see the log
    download = reverse("planning:material_download", args=[plan.reception_id, secret.pk])
    assert client.get(download).status_code == 404
    client.force_login(people["fin_clerk"])
    html = client.get(materials_url(plan)).content.decode()
    assert "核心工艺参数" in html and download in html


def test_download_is_an_attachment_through_the_app_and_logged(client, people, media):
    plan = plan_for(people)
    secret = upload(people, plan, title="核心工艺参数", confidentiality="confidential", cleared=[people["fin_clerk"]])
    client.force_login(people["fin_clerk"])
    html = client.get(materials_url(plan)).content.decode()
    assert secret.file.name not in html and "/media/" not in html  # never a public file address
    response = client.get(
        reverse("planning:material_download", args=[plan.reception_id, secret.pk]), REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%85%AC%E5%8F%B8%E7%AE%80%E4%BB%8B.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert MaterialDownload.objects.get().ip == "10.1.2.3"
    # The editors see who downloaded it.
    client.force_login(people["sales_rep"])
    html = client.get(materials_url(plan)).content.decode()
    assert "下载记录" in html and people["fin_clerk"].display_name in html and "10.1.2.3" in html


def test_edit_and_delete_through_the_page(client, people, django_capture_on_commit_callbacks):
    plan = plan_for(people)
    material = upload(people, plan, title="公司简介")
    client.force_login(people["sales_head"])
    edit = reverse("planning:material_edit", args=[plan.reception_id, material.pk])
    delete = reverse("planning:material_delete", args=[plan.reception_id, material.pk])
    assert client.get(edit).status_code == 403
    assert client.post(delete).status_code == 403
    client.force_login(people["sales_rep"])
    assert client.get(edit).status_code == 200
    data = {"title": "", "kind": "profile", "confidentiality": "confidential", "cleared": [people["fin_clerk"].pk]}
    response = client.post(edit, data)
    assert response.status_code == 200 and "请填写资料名称。" in response.content.decode()
    response = client.post(edit, {**data, "title": "公司简介（内部版）"})
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.confidentiality == "confidential"
    assert list(material.cleared.values_list("username", flat=True)) == ["fin_clerk"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete).status_code == 302
    assert not Material.objects.exists()


def _materials_page_queries(client, plan):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(materials_url(plan))
    assert response.status_code == 200
    return len(queries)


# session, user, roles, request, plan, working-day overrides, materials, 3 for the navigation bar; the editors also:
# cleared people, downloads, deleted materials, their downloads, links, the people to clear (the upload form).
@pytest.mark.parametrize("username, expected", [("sales_rep", 16), ("fin_clerk", 10)])
def test_materials_page_query_count_does_not_grow_with_rows(client, people, username, expected):
    plan = plan_for(people)

    def add(title, downloads=1, delete=False):
        material = upload(people, plan, title=title, confidentiality="confidential", cleared=[people["fin_clerk"]])
        for who in ("sales_rep", "fin_clerk")[:downloads]:
            material_download(reception_id=plan.reception_id, material_id=material.pk, by=people[who])
        if delete:
            material_delete(reception_id=plan.reception_id, material_id=material.pk, by=people["sales_rep"])

    add("资料", downloads=1)
    add("已删除", downloads=1, delete=True)  # a deleted material keeps its download log
    client.force_login(people[username])
    one = _materials_page_queries(client, plan)
    for i in range(12):
        add(f"资料{i}", downloads=2, delete=i % 4 == 0)
    many = _materials_page_queries(client, plan)
    assert one == many == expected


def test_stored_file_content_matches_its_checksum(people, media):
    plan = plan_for(people)
    content = office("docx")
    material = upload(people, plan, name="方案.docx", content=content)
    assert hashlib.sha256((media / material.file.name).read_bytes()).hexdigest() == material.sha256
