"""Emergency plans (policy 3.3): administration keeps the company's templates (procedure, responsibilities,
contacts — 3.3.1), drills them and revises them with a recorded reason (3.3.2); each visit's plan carries copies of
the templates that apply, adapted to the visit (the actual people and phone numbers). The copies are part of the
plan: they change through plan_for_change / record_change like any other part of it."""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, Forbidden, NotFound, ValidationFailed
from jiedai.planning.models import (
    EmergencyDrill,
    EmergencyTemplate,
    EmergencyTemplateRevision,
    PlanEmergency,
    Scenario,
)
from jiedai.planning.selectors_emergency import can_manage_emergency_templates, local_today, with_visit_contacts
from jiedai.planning.services.plan import plan_for_change, record_change

TEXT_LIMIT = 10000
CONTENT_FIELDS = ("procedure", "responsibilities", "contacts")


# ------------------------------------------------------------------------------------------------ validation


def _text(value) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _content(data: dict, errors: dict, *, fields=CONTENT_FIELDS) -> dict:
    """The three texts of a plan (template or copy), each required (policy 3.3.1: procedure, responsibilities,
    contacts)."""
    labels = {
        "procedure": _("请填写处置步骤。"),
        "responsibilities": _("请填写责任分工。"),
        "contacts": _("请填写联系人及电话。"),
    }
    content = {}
    for field in fields:
        value = _text(data.get(field))
        if not value:
            errors[field] = [labels[field]]
        elif len(value) > TEXT_LIMIT:
            errors[field] = [_("内容过长（最多 %(limit)s 字）。") % {"limit": TEXT_LIMIT}]
        content[field] = value
    return content


def _check_manager(by) -> None:
    if not can_manage_emergency_templates(by):
        raise Forbidden(_("只有行政部接待岗可以编制、修订和演练应急预案。"))


def _template_fields(data: dict, errors: dict, *, exclude_pk=None) -> dict:
    name = _text(data.get("name"))
    if not name:
        errors["name"] = [_("请填写预案名称。")]
    elif len(name) > 100:
        errors["name"] = [_("名称最多 100 个字。")]
    elif EmergencyTemplate.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        errors["name"] = [_("已有同名的应急预案模板。")]
    scenario = data.get("scenario") or ""
    if scenario not in Scenario.values:
        errors["scenario"] = [_("请选择适用情形。")]
    return {"name": name, "scenario": scenario, **_content(data, errors)}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


# ------------------------------------------------------------------------------------------------ templates


def _revision_row(template: EmergencyTemplate, *, by, reason: str) -> EmergencyTemplateRevision:
    return EmergencyTemplateRevision.objects.create(
        template=template,
        revision=template.revision,
        procedure=template.procedure,
        responsibilities=template.responsibilities,
        contacts=template.contacts,
        reason=reason,
        revised_by=by,
    )


@transaction.atomic
def template_create(*, by, data: dict) -> EmergencyTemplate:
    """policy 3.3.1: a new template (scenario, procedure, responsibilities, contacts), revision 1 on record.
    `data` may carry a `reason` for the first revision (default: 新建预案)."""
    _check_manager(by)
    errors: dict = {}
    fields = _template_fields(data, errors)
    _raise(errors)
    reason = _text(data.get("reason"))
    if not reason:
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("新建预案")
    try:
        with transaction.atomic():
            template = EmergencyTemplate.objects.create(revision=1, is_active=True, **fields)
    except IntegrityError:  # the same name created at the same moment
        raise ValidationFailed(_("请检查标红的项目。"), errors={"name": [_("已有同名的应急预案模板。")]}) from None
    _revision_row(template, by=by, reason=reason)
    return template


@transaction.atomic
def template_revise(*, template_id: int, by, data: dict, expected_revision: int | None = None) -> EmergencyTemplate:
    """policy 3.3.2: revise a template after a drill or an incident. The reason is required; the new content is
    recorded as the next revision (who, when, why). `data` may also rename it, change its scenario or switch it
    off (is_active). `expected_revision`: the revision the editor started from — if someone revised it meanwhile,
    a conflict instead of silently overwriting their revision."""
    _check_manager(by)
    template = EmergencyTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("找不到该应急预案模板。"))
    if expected_revision is not None and expected_revision != template.revision:
        raise ConflictError(
            _("该预案已被他人修订为第 %(revision)s 版，请在最新版本上修订。") % {"revision": template.revision}
        )
    errors: dict = {}
    fields = _template_fields({**_current(template), **data}, errors, exclude_pk=template.pk)
    reason = _text(data.get("reason"))
    if not reason:
        errors["reason"] = [_("请填写修订原因。")]
    elif len(reason) > TEXT_LIMIT:
        errors["reason"] = [_("内容过长（最多 %(limit)s 字）。") % {"limit": TEXT_LIMIT}]
    is_active = bool(data.get("is_active", template.is_active))
    _raise(errors)
    if fields == _current(template) and is_active == template.is_active:
        raise ValidationFailed(_("内容没有变化，无需修订。"))
    for field, value in fields.items():
        setattr(template, field, value)
    template.is_active = is_active
    template.revision += 1
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationFailed(_("请检查标红的项目。"), errors={"name": [_("已有同名的应急预案模板。")]}) from None
    _revision_row(template, by=by, reason=reason)
    return template


def _current(template: EmergencyTemplate) -> dict:
    return {field: getattr(template, field) for field in ("name", "scenario", *CONTENT_FIELDS)}


@transaction.atomic
def drill_record(*, template_id: int, by, data: dict) -> EmergencyDrill:
    """policy 3.3.2: a drill of a template — date, the situation played, participants, evaluation, findings. A drill
    is recorded once held: its date cannot be in the future. Drills of a switched-off template are still recorded
    (the record is history)."""
    _check_manager(by)
    template = EmergencyTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("找不到该应急预案模板。"))
    errors: dict = {}
    day = data.get("date")
    if not isinstance(day, date):
        errors["date"] = [_("请填写演练日期。")]
    elif day > local_today():
        errors["date"] = [_("演练日期不能晚于今天；演练结束后再记录。")]
    texts = {}
    for field, required, message in (
        ("scenario", True, _("请填写演练情景。")),
        ("participants", True, _("请填写参加人员。")),
        ("evaluation", False, ""),
        ("findings", False, ""),
    ):
        value = _text(data.get(field))
        if required and not value:
            errors[field] = [message]
        elif len(value) > TEXT_LIMIT:
            errors[field] = [_("内容过长（最多 %(limit)s 字）。") % {"limit": TEXT_LIMIT}]
        texts[field] = value
    _raise(errors)
    return EmergencyDrill.objects.create(template=template, date=day, recorded_by=by, **texts)


# ------------------------------------------------------------------------------------------------ a plan's copies


def _template_for_plan(value) -> EmergencyTemplate | None:
    pk = value.pk if isinstance(value, EmergencyTemplate) else value
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return EmergencyTemplate.objects.filter(pk=pk).first()


def _emergency_of(plan, emergency_id) -> PlanEmergency:
    try:
        emergency_id = int(emergency_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该应急预案。")) from None
    emergency = PlanEmergency.objects.select_related("template").filter(pk=emergency_id, plan=plan).first()
    if emergency is None:
        raise NotFound(_("找不到该应急预案。"))
    return emergency


@transaction.atomic
def plan_emergency_attach(*, reception_id: int, by, data: dict, ip=None) -> PlanEmergency:
    """policy 3.3.1: attach a template that applies to this visit. The copy starts from the template's current
    text and revision; `data["with_contacts"]` appends the "本次联系人" block (this visit's people and phones)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    template = _template_for_plan(data.get("template"))
    if template is None or not template.is_active:
        raise ValidationFailed(_("请检查标红的项目。"), errors={"template": [_("请选择一个启用中的应急预案模板。")]})
    if PlanEmergency.objects.filter(plan=plan, template=template).exists():
        raise ValidationFailed(_("请检查标红的项目。"), errors={"template": [_("本方案已包含“%s”。") % template.name]})
    contacts = with_visit_contacts(template.contacts, plan) if data.get("with_contacts") else template.contacts
    emergency = PlanEmergency.objects.create(
        plan=plan,
        template=template,
        template_revision=template.revision,
        procedure=template.procedure,
        responsibilities=template.responsibilities,
        contacts=contacts,
    )
    record_change(
        plan,
        by=by,
        summary=_("添加应急预案：%(name)s（第 %(revision)s 版）")
        % {"name": template.name, "revision": template.revision},
        ip=ip,
    )
    return emergency


@transaction.atomic
def plan_emergency_update(*, reception_id: int, emergency_id: int, by, data: dict, ip=None) -> PlanEmergency:
    """Adapt the copy for this visit (procedure, responsibilities, contacts — all required). `data` may carry
    `template_revision`: the template revision the editor has brought the copy up to (the re-sync); it cannot go
    back, nor beyond the template's current revision."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    emergency = _emergency_of(plan, emergency_id)
    errors: dict = {}
    content = _content(data, errors)
    revision = data.get("template_revision")
    synced = False
    if revision not in (None, ""):
        try:
            revision = int(revision)
        except (TypeError, ValueError):
            revision = -1
        if not emergency.template_revision <= revision <= emergency.template.revision:
            errors["template_revision"] = [_("模板版本不正确。")]
        synced = revision > emergency.template_revision
    _raise(errors)
    unchanged = all(getattr(emergency, field) == value for field, value in content.items())
    if unchanged and not synced:
        return emergency
    for field, value in content.items():
        setattr(emergency, field, value)
    if synced:
        emergency.template_revision = revision
    emergency.save()
    if synced:
        summary = _("应急预案同步到模板第 %(revision)s 版：%(name)s") % {
            "revision": revision,
            "name": emergency.template.name,
        }
    else:
        summary = _("修改应急预案：%s") % emergency.template.name
    record_change(plan, by=by, summary=summary, ip=ip)
    return emergency


@transaction.atomic
def plan_emergency_remove(*, reception_id: int, emergency_id: int, by, ip=None) -> None:
    """Take a plan's copy off (the template stays; another copy can be attached again later)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    emergency = _emergency_of(plan, emergency_id)
    name = emergency.template.name
    emergency.delete()
    record_change(plan, by=by, summary=_("移除应急预案：%s") % name, ip=ip)
