"""Material prepared for the visit (资料准备, policy 3.1.1): upload, edit, clear people for confidential files,
delete, and download through the app with a log.

Confidential material follows the company's secrecy rules: only the plan's editors and the people they clear see
it at all (access.materials_visible_to), every download is logged (who, when, from which address) and the editors
see that log. Material never reaches the client's itinerary link. Because a confidential title can itself be
sensitive, the plan's history and the change notices name confidential material only as "一份保密资料".

Deleting a material removes its file. The download log is append-only and protects its material
(MaterialDownload.material is PROTECT), so a material that was downloaded stays as a record — file removed, row
marked deleted (Material.deleted_at) — and its log stays readable for the editors."""

import uuid
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.planning.access import get_reception_with_plan, is_plan_editor, materials_visible_to
from jiedai.planning.models import Confidentiality, Material, MaterialDownload, MaterialKind, Plan
from jiedai.planning.services.plan import plan_for_change, record_change
from jiedai.planning.uploads import check_upload

MATERIAL_FIELDS = ("title", "kind", "confidentiality", "description")

# A deleted material kept because it has download records: no file any more, but the checksum of the file it had
# (uploads always record one). Materials listed or served exclude these.
DELETED = Q(deleted_at__isnull=False)


def live(queryset):
    return queryset.exclude(DELETED)


# ---- writes ----------------------------------------------------------------------------------------------------


def _label(material: Material) -> str:
    """How the history and notices name a material: never a confidential title (policy 3.1.1, secrecy)."""
    if material.confidentiality == Confidentiality.CONFIDENTIAL:
        return _("一份保密资料")
    return f"“{material.title}”"


def _user_ids(values) -> list[int]:
    ids = []
    for value in values or ():
        value = getattr(value, "pk", value)
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed(_("请检查标红的项目。"), errors={"cleared": [_("可查阅人员不正确。")]}) from None
    return sorted(set(ids))


def _cleared_users(values) -> list:
    ids = _user_ids(values)
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids):
        raise ValidationFailed(_("请检查标红的项目。"), errors={"cleared": [_("所选人员不存在或已停用。")]})
    return users


def _apply(material: Material, data: dict) -> None:
    for name in MATERIAL_FIELDS:
        if name in data:
            value = data[name]
            setattr(material, name, (value or "").strip() if isinstance(value, str) or value is None else value)


def _validate(material: Material) -> None:
    errors = {}
    if not material.title:
        errors["title"] = [_("请填写资料名称。")]
    elif len(material.title) > 120:
        errors["title"] = [_("资料名称不能超过 120 个字。")]
    if material.kind not in MaterialKind.values:
        errors["kind"] = [_("请选择资料类型。")]
    if material.confidentiality not in Confidentiality.values:
        errors["confidentiality"] = [_("请选择密级。")]
    if len(material.description) > 2000:
        errors["description"] = [_("说明不能超过 2000 个字。")]
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def _set_cleared(material: Material, data: dict) -> None:
    """Clearance only means something for confidential material; other levels keep no list."""
    if material.confidentiality != Confidentiality.CONFIDENTIAL:
        material.cleared.clear()
    elif "cleared" in data:
        material.cleared.set(_cleared_users(data["cleared"]))


def _material_of(plan: Plan, material_id) -> Material:
    try:
        material_id = int(material_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该资料。")) from None
    material = live(Material.objects.filter(plan=plan, pk=material_id)).first()
    if material is None:
        raise NotFound(_("找不到该资料。"))
    return material


@transaction.atomic
def material_upload(*, reception_id: int, by, data: dict, file, ip=None) -> Material:
    """Add a file to the plan's material. `data`: title (defaults to the file's name), kind, confidentiality,
    description, cleared (users or their ids; confidential material only). `file`: an uploaded file; it must
    pass uploads.check_upload (size, type by extension and content, no executables)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    checked = check_upload(file)
    material = Material(plan=plan, uploaded_by=by, kind=MaterialKind.OTHER, confidentiality=Confidentiality.INTERNAL)
    _apply(material, data)
    if not material.title:
        material.title = checked.original_name.rsplit(".", 1)[0][:120]
    _validate(material)
    cleared = _cleared_users(data.get("cleared")) if material.confidentiality == Confidentiality.CONFIDENTIAL else []
    material.original_name = checked.original_name
    material.content_type = checked.content_type
    material.size = checked.size
    material.sha256 = checked.sha256
    # Stored under a random name (upload_to adds materials/YYYY/MM/): the user's name is kept as original_name.
    material.file.save(f"{uuid.uuid4().hex}.{checked.extension}", file, save=False)
    stored = material.file.name
    try:
        material.save()
        material.cleared.set(cleared)
        record_change(plan, by=by, summary=_("上传资料：%s") % _label(material), ip=ip)
    except Exception:
        material.file.storage.delete(stored)  # not left behind by a failed upload
        raise
    return material


@transaction.atomic
def material_update(*, reception_id: int, material_id: int, by, data: dict, ip=None) -> Material:
    """Edit a material's description and who is cleared for it (the file itself is replaced by uploading anew)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    material = _material_of(plan, material_id)
    was_confidential = material.confidentiality == Confidentiality.CONFIDENTIAL
    _apply(material, data)
    _validate(material)
    material.save(update_fields=[*MATERIAL_FIELDS])
    _set_cleared(material, data)
    label = _("一份保密资料") if was_confidential else _label(material)
    record_change(plan, by=by, summary=_("修改资料：%s") % label, ip=ip)
    return material


@transaction.atomic
def material_delete(*, reception_id: int, material_id: int, by, ip=None) -> None:
    """Remove a material and its file. One that was downloaded stays as a record (see the module's notes)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    material = _material_of(plan, material_id)
    label = _label(material)
    stored = material.file.name
    if material.downloads.exists():
        material.file, material.deleted_at, material.deleted_by = "", timezone.now(), by
        material.save(update_fields=["file", "deleted_at", "deleted_by"])
        material.cleared.clear()
    else:
        material.delete()
    if stored:
        storage = Material._meta.get_field("file").storage
        # Only once the deletion is committed: a rollback must not lose the file.
        transaction.on_commit(lambda: storage.delete(stored))
    record_change(plan, by=by, summary=_("删除资料：%s") % label, ip=ip)


@transaction.atomic
def material_download(*, reception_id: int, material_id: int, by, ip=None) -> Material:
    """Check the caller may have the file (plan readers; confidential: editors and the cleared, else 404 — it is
    not theirs to know it exists) and log the download (policy 3.1.1). Returns the material; the caller serves
    `material.file`."""
    reception = get_reception_with_plan(by, reception_id)
    plan = Plan.objects.filter(reception=reception).first()
    if plan is None:
        raise NotFound(_("找不到该资料。"))
    try:
        material_id = int(material_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该资料。")) from None
    material = live(materials_visible_to(by, plan)).filter(pk=material_id).first()
    if material is None or not material.file or not material.file.storage.exists(material.file.name):
        raise NotFound(_("找不到该资料。"))
    MaterialDownload.objects.create(material=material, user=by, ip=ip)
    return material


# ---- reads -----------------------------------------------------------------------------------------------------


@dataclass
class MaterialListing:
    """The materials page: what this user may see, and for the editors who downloaded what (a fixed number of
    queries whatever the number of materials and downloads)."""

    materials: list
    is_editor: bool
    deleted_with_downloads: list = field(default_factory=list)

    @property
    def download_log(self) -> list[tuple]:
        """(material, its downloads newest first, deleted?) for each material downloaded at least once."""
        rows = [(m, list(m.downloads.all()), False) for m in self.materials if self.is_editor]
        rows += [(m, list(m.downloads.all()), True) for m in self.deleted_with_downloads]
        return [row for row in rows if row[1]]


def materials_listing(user, plan: Plan) -> MaterialListing:
    editor = is_plan_editor(user, plan.reception)
    queryset = live(materials_visible_to(user, plan)).select_related("uploaded_by").order_by("id")
    if not editor:
        return MaterialListing(materials=list(queryset), is_editor=False)
    downloads = MaterialDownload.objects.select_related("user").order_by("-at", "-id")
    queryset = queryset.prefetch_related("cleared", Prefetch("downloads", queryset=downloads))
    deleted = (
        Material.objects.filter(plan=plan)
        .filter(DELETED)
        .prefetch_related(Prefetch("downloads", queryset=downloads))
        .order_by("id")
    )
    return MaterialListing(materials=list(queryset), is_editor=True, deleted_with_downloads=list(deleted))


def material_of(plan: Plan, material_id) -> Material:
    """One live material of the plan (for the editors' edit form; the access check is the caller's)."""
    return _material_of(plan, material_id)


def materials_for_print(user, plan: Plan) -> list:
    """The materials list of the print view: confidential ones only for those cleared."""
    return list(live(materials_visible_to(user, plan)).order_by("id"))
