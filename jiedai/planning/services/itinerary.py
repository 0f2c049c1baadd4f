"""The plan's itinerary and staffing (policy 3.1.1: 接待日程安排, 接待人员安排).

Each write runs in one transaction with the plan row locked (plan_for_change: only the requester and the lead,
not while the plan is under review), validates, writes, and records a short Chinese summary (record_change: after
confirmation the change is announced). `data` holds model instances: the web forms and the JSON API resolve ids
first. A partial `data` on update changes only the keys it holds.

Itinerary items must lie inside the approved visit (reception.visit_start … visit_end); overlapping items are
allowed (parallel programmes) and only flagged. A person put in two places at once is a warning, not a refusal:
the assignment carries `.conflicts` (selectors_itinerary.PersonConflict), and a moved item carries
`.staff_conflicts`."""

from django.db import transaction
from django.utils.translation import gettext as _

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.planning.models import ItemKind, ItineraryItem, SiteArea, StaffAssignment, StaffRole
from jiedai.planning.selectors_itinerary import (
    assignment_conflicts,
    item_label,
    item_staff_conflicts,
    visit_window,
)
from jiedai.planning.services.plan import plan_for_change, record_change
from jiedai.receptions.models import ClientContact

ITEM_FIELDS = ("kind", "title", "start", "end", "place", "site_area", "clients", "description", "internal_notes")
STAFF_FIELDS = ("person", "role", "duty", "item", "is_client_contact")
MAX_TEXT = 5000


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(str(message))


def _check(errors: dict) -> None:
    if errors:
        raise ValidationFailed(_("请检查标红的项目。"), errors=errors)


def _text(errors: dict, data: dict, field: str, limit: int, *, required_message: str | None = None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required_message and not value:
        _add(errors, field, required_message)
    elif len(value) > limit:
        _add(errors, field, _("内容过长（最多 %(max)s 个字符）。") % {"max": limit})
    elif "\x00" in value:
        _add(errors, field, _("包含不允许的字符。"))
    return value


# ---- itinerary items --------------------------------------------------------------------------------------------


def _clean_item(plan, data: dict, *, current: ItineraryItem | None = None) -> dict:
    """The item's fields, checked: kind, a title, a time inside the approved visit, a site area only for a site
    visit, clients of this request only."""
    errors: dict[str, list[str]] = {}
    reception = plan.reception
    clean = {}
    kind = data.get("kind")
    if kind not in ItemKind.values:
        _add(errors, "kind", _("请选择行程类型。"))
    clean["kind"] = kind
    clean["title"] = _text(errors, data, "title", 120, required_message=_("请填写事项名称。"))
    clean["place"] = _text(errors, data, "place", 200)
    clean["description"] = _text(errors, data, "description", MAX_TEXT)
    clean["internal_notes"] = _text(errors, data, "internal_notes", MAX_TEXT)

    start, end = data.get("start"), data.get("end")
    if start is None:
        _add(errors, "start", _("请填写开始时间。"))
    if end is None:
        _add(errors, "end", _("请填写结束时间。"))
    if start is not None and end is not None:
        if end <= start:
            _add(errors, "end", _("结束时间必须晚于开始时间。"))
        elif start < reception.visit_start or end > reception.visit_end:
            # policy 3.1.1: the itinerary is the approved visit's (2.2); a longer stay is a new request.
            _add(
                errors,
                "start",
                _("行程须在批准的来访时间之内（%(start)s 至 %(end)s）。") % visit_window(reception),
            )
    clean["start"], clean["end"] = start, end

    site_area = data.get("site_area")
    if site_area is not None:
        if not isinstance(site_area, SiteArea):
            _add(errors, "site_area", _("请选择有效的参观区域。"))
        elif kind != ItemKind.SITE_VISIT:
            _add(errors, "site_area", _("参观区域只用于参观考察类行程。"))
        elif not site_area.is_active and (current is None or current.site_area_id != site_area.pk):
            _add(errors, "site_area", _("“%s”已停用。") % site_area)
    clean["site_area"] = site_area

    clients = list(data.get("clients") or [])
    allowed = set(reception.client_links.values_list("contact_id", flat=True))
    if any(not isinstance(c, ClientContact) or c.pk not in allowed for c in clients):
        _add(errors, "clients", _("只能选择本次来访的客户。"))
    clean["clients"] = clients
    _check(errors)
    return clean


def _item_of(plan, item_id) -> ItineraryItem:
    item = ItineraryItem.objects.filter(pk=item_id, plan=plan).select_related("site_area").first()
    if item is None:
        raise NotFound(_("找不到该行程事项。"))
    return item


def _item_current(item: ItineraryItem) -> dict:
    current = {name: getattr(item, name) for name in ITEM_FIELDS if name != "clients"}
    current["clients"] = list(item.clients.all())
    return current


@transaction.atomic
def item_create(*, reception_id: int, by, data: dict, ip=None) -> ItineraryItem:
    """Add an item to the itinerary (policy 3.1.1: tours, meetings, meals, entertainment... by day and time)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    clean = _clean_item(plan, {k: v for k, v in data.items() if k in ITEM_FIELDS})
    clients = clean.pop("clients")
    item = ItineraryItem.objects.create(plan=plan, **clean)
    item.clients.set(clients)
    record_change(plan, by=by, summary=_("新增行程：%s") % item_label(item), ip=ip)
    item.staff_conflicts = []
    return item


@transaction.atomic
def item_update(*, reception_id: int, item_id: int, by, data: dict, ip=None) -> ItineraryItem:
    """Change an item. If it moved, the people on it may now clash elsewhere: `.staff_conflicts` says so."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    item = _item_of(plan, item_id)
    before = item_label(item)
    moved_from = (item.start, item.end)
    merged = {**_item_current(item), **{k: v for k, v in data.items() if k in ITEM_FIELDS}}
    if "site_area" not in data and merged["kind"] != ItemKind.SITE_VISIT:
        merged["site_area"] = None  # no longer a site visit: its area goes unless the caller says otherwise
    clean = _clean_item(plan, merged, current=item)
    clients = clean.pop("clients")
    for name, value in clean.items():
        setattr(item, name, value)
    item.save()
    item.clients.set(clients)
    after = item_label(item)
    if before == after:
        summary = _("修改行程：%s") % after
    else:
        summary = _("修改行程：%(before)s → %(after)s") % {"before": before, "after": after}
    record_change(plan, by=by, summary=summary, ip=ip)
    item.staff_conflicts = item_staff_conflicts(item) if (item.start, item.end) != moved_from else []
    return item


@transaction.atomic
def item_delete(*, reception_id: int, item_id: int, by, ip=None) -> None:
    """Remove an item. Its item-level staff assignments go with it (CASCADE); bookings and meals linked to it stay,
    unlinked (SET_NULL)."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    item = _item_of(plan, item_id)
    label = item_label(item)
    staff = item.staff.count()
    item.delete()
    summary = _("删除行程：%s") % label
    if staff:
        summary += _("（及其 %(n)s 项人员安排）") % {"n": staff}
    record_change(plan, by=by, summary=summary, ip=ip)


# ---- staff ------------------------------------------------------------------------------------------------------


def _clean_staff(plan, data: dict, *, current: StaffAssignment | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    clean = {}
    person = data.get("person")
    if person is None:
        _add(errors, "person", _("请选择人员。"))
    elif not getattr(person, "pk", None):
        _add(errors, "person", _("请选择人员。"))
    elif not person.is_active and (current is None or current.person_id != person.pk):
        # Someone who has left stays on the assignments they had; nobody new is put on the plan.
        _add(errors, "person", _("请选择在职的人员。"))
    clean["person"] = person

    role = data.get("role")
    if role not in StaffRole.values:
        _add(errors, "role", _("请选择角色。"))
    clean["role"] = role
    clean["duty"] = _text(errors, data, "duty", 200)
    clean["is_client_contact"] = bool(data.get("is_client_contact"))

    item = data.get("item")
    if item is not None and (not isinstance(item, ItineraryItem) or item.plan_id != plan.pk):
        _add(errors, "item", _("行程事项不属于本方案。"))
        item = None
    clean["item"] = item

    if role == StaffRole.LEAD:
        # policy 3.1.1: one reception lead (接待负责人), responsible for the whole visit.
        if item is not None:
            _add(errors, "item", _("接待负责人负责整个接待，不能只安排在某一项行程上。"))
        leads = StaffAssignment.objects.filter(plan=plan, role=StaffRole.LEAD)
        if current is not None:
            leads = leads.exclude(pk=current.pk)
        lead = leads.select_related("person").first()
        if lead is not None:
            _add(errors, "role", _("本方案已有接待负责人（%s）；如需更换，请先修改或删除原安排。") % lead.person)

    if person is not None and role in StaffRole.values and "person" not in errors:
        same = StaffAssignment.objects.filter(plan=plan, person=person, role=role, item=item)
        if current is not None:
            same = same.exclude(pk=current.pk)
        if same.exists():
            _add(errors, "person", _("该人员已以相同角色安排在这里。"))
    _check(errors)
    return clean


def _staff_of(plan, assignment_id) -> StaffAssignment:
    assignment = (
        StaffAssignment.objects.filter(pk=assignment_id, plan=plan).select_related("person", "item", "plan").first()
    )
    if assignment is None:
        raise NotFound(_("找不到该人员安排。"))
    return assignment


def staff_label(assignment: StaffAssignment) -> str:
    """ "王小明（陪同人员）· 10-09 09:00 工厂参观" / "…· 全程"."""
    where = item_label(assignment.item) if assignment.item_id else _("全程")
    return _("%(person)s（%(role)s）· %(where)s") % {
        "person": assignment.person.display_name,
        "role": assignment.get_role_display(),
        "where": where,
    }


def _with_conflicts(plan, assignment: StaffAssignment) -> StaffAssignment:
    assignment.plan = plan  # the locked plan, with its reception loaded
    assignment.conflicts = assignment_conflicts(assignment)
    return assignment


@transaction.atomic
def staff_assign(*, reception_id: int, by, data: dict, ip=None) -> StaffAssignment:
    """Put a person on the plan (policy 3.1.1: lead, escorts, guides, drivers, workers, each with a duty), for
    the whole visit (no item) or one item. Someone already elsewhere at that time is a warning: `.conflicts`."""
    plan = plan_for_change(reception_id=reception_id, by=by)
    clean = _clean_staff(plan, {k: v for k, v in data.items() if k in STAFF_FIELDS})
    assignment = StaffAssignment.objects.create(plan=plan, **clean)
    record_change(plan, by=by, summary=_("新增人员：%s") % staff_label(assignment), ip=ip)
    return _with_conflicts(plan, assignment)


@transaction.atomic
def staff_update(*, reception_id: int, assignment_id: int, by, data: dict, ip=None) -> StaffAssignment:
    plan = plan_for_change(reception_id=reception_id, by=by)
    assignment = _staff_of(plan, assignment_id)
    current = {name: getattr(assignment, name) for name in STAFF_FIELDS}
    merged = {**current, **{k: v for k, v in data.items() if k in STAFF_FIELDS}}
    clean = _clean_staff(plan, merged, current=assignment)
    for name, value in clean.items():
        setattr(assignment, name, value)
    assignment.save()
    record_change(plan, by=by, summary=_("修改人员：%s") % staff_label(assignment), ip=ip)
    return _with_conflicts(plan, assignment)


@transaction.atomic
def staff_remove(*, reception_id: int, assignment_id: int, by, ip=None) -> None:
    plan = plan_for_change(reception_id=reception_id, by=by)
    assignment = _staff_of(plan, assignment_id)
    label = staff_label(assignment)
    assignment.delete()
    record_change(plan, by=by, summary=_("删除人员：%s") % label, ip=ip)
