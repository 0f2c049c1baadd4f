"""Reads of the emergency plans (policy 3.3): who manages the templates, the template list with its drill status,
a template's record, a plan's adapted copies, and the "本次联系人" block that names this visit's people."""

import calendar
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count, Max, Min, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiedai.core.errors import NotFound
from jiedai.core.runtime_settings import get_setting
from jiedai.org.models import Role
from jiedai.org.selectors import user_has_role
from jiedai.planning.models import (
    EmergencyDrill,
    EmergencyTemplate,
    EmergencyTemplateRevision,
    PlanEmergency,
    StaffAssignment,
    StaffRole,
)
from jiedai.receptions.models import LOCAL_TZ

# The block the "本次联系人" helper writes at the end of a copy's contacts: everything from this line on is its.
VISIT_CONTACTS_MARKER = "【本次联系人】"


def can_manage_emergency_templates(user) -> bool:
    """policy 3.3: administration writes, revises and drills the company's emergency plans (superusers too)."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user_has_role(user, Role.ADMINISTRATION))
    )


def local_today() -> date:
    return timezone.now().astimezone(LOCAL_TZ).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class DrillStatus:
    last_drill: date | None  # the newest drill, None if never drilled
    since: date  # what the period runs from: the newest drill, else the template's first revision
    due: date | None  # the next drill is due by this day (None: no period set)
    overdue: bool  # policy 3.3.2: not drilled within the period (未按期演练)


def drill_status(*, last_drill: date | None, first_revised, interval_months: int, today: date) -> DrillStatus:
    """policy 3.3.2: a template must be drilled every `interval_months` months (run-time setting
    drill_interval_months), counted from its newest drill, or from its creation (first revision) if it was never
    drilled. An interval of 0 switches the reminder off."""
    if last_drill is not None:
        since = last_drill
    elif first_revised is not None:
        since = first_revised.astimezone(LOCAL_TZ).date()
    else:
        since = today
    if interval_months <= 0:
        return DrillStatus(last_drill=last_drill, since=since, due=None, overdue=False)
    due = add_months(since, interval_months)
    return DrillStatus(last_drill=last_drill, since=since, due=due, overdue=today > due)


def _with_drill_facts(queryset):
    return queryset.annotate(
        last_drill=Max("drills__date"),
        first_revised=Min("revisions__revised_at"),
        drill_count=Count("drills", distinct=True),
    )


def _annotate_status(templates, today: date, interval_months: int) -> list[EmergencyTemplate]:
    for template in templates:
        template.drill = drill_status(
            last_drill=template.last_drill,
            first_revised=template.first_revised,
            interval_months=interval_months,
            today=today,
        )
    return templates


def template_listing(*, today: date | None = None, interval_months: int | None = None) -> list[EmergencyTemplate]:
    """Every template (active first) with `.drill` (DrillStatus) and `.drill_count`. One query whatever the number
    of templates (two if the period is not given: the setting)."""
    today = today or local_today()
    interval = get_setting("drill_interval_months") if interval_months is None else interval_months
    templates = list(_with_drill_facts(EmergencyTemplate.objects.all()).order_by("-is_active", "scenario", "name"))
    return _annotate_status(templates, today, interval)


def templates_overdue_for_drill(*, today: date | None = None) -> list[EmergencyTemplate]:
    """policy 3.3.2: the active templates not drilled within drill_interval_months (for the dashboard's reminder),
    most overdue first; each carries `.drill` (DrillStatus)."""
    overdue = [t for t in template_listing(today=today) if t.is_active and t.drill.overdue]
    return sorted(overdue, key=lambda t: (t.drill.due, t.name))


def get_template(pk) -> EmergencyTemplate:
    """Any logged-in member of staff may read a template: they are company procedures (policy 3.3.1)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该应急预案模板。")) from None
    template = EmergencyTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise NotFound(_("找不到该应急预案模板。"))
    return template


def template_detail(pk, *, today: date | None = None, interval_months: int | None = None) -> EmergencyTemplate:
    """A template with its revisions (newest first, with who revised) and drills (newest first), and `.drill`."""
    template = get_template(pk)
    template = (
        _with_drill_facts(EmergencyTemplate.objects.filter(pk=template.pk))
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=EmergencyTemplateRevision.objects.select_related("revised_by").order_by("-revision"),
            ),
            Prefetch("drills", queryset=EmergencyDrill.objects.select_related("recorded_by").order_by("-date", "-id")),
        )
        .get()
    )
    template.plan_count = PlanEmergency.objects.filter(template=template).count()
    interval = get_setting("drill_interval_months") if interval_months is None else interval_months
    return _annotate_status([template], today or local_today(), interval)[0]


def revisions_since(template: EmergencyTemplate, revision: int):
    """The template's revisions after `revision` (what changed since a plan's copy was made), oldest first."""
    return template.revisions.filter(revision__gt=revision).select_related("revised_by").order_by("revision")


def plan_emergencies(plan) -> list[PlanEmergency]:
    """The plan's adapted copies, each with `.outdated` (the template was revised since the copy was made)."""
    rows = list(PlanEmergency.objects.filter(plan=plan).select_related("template").order_by("template__scenario", "id"))
    for row in rows:
        row.outdated = row.template.revision > row.template_revision
    return rows


def attachable_templates(plan):
    """Active templates the plan does not carry yet (for the picker: name, scenario and revision only)."""
    return (
        EmergencyTemplate.objects.filter(is_active=True)
        .exclude(pk__in=PlanEmergency.objects.filter(plan=plan).values("template_id"))
        .only("pk", "name", "scenario", "revision")
    )


def visit_contacts_block(plan) -> str:
    """policy 3.3.1: the actual people of this visit and their phones — the plan's lead and client contacts (the
    staff marked so), the request's lead if the staff list names nobody, and the visiting client's first contact.
    Written in the company's language whoever asks: it becomes part of the plan."""
    with translation.override(settings.LANGUAGE_CODE):
        return _visit_contacts_block(plan)


def _visit_contacts_block(plan) -> str:
    reception = plan.reception
    unknown = _("电话未登记")
    assignments = sorted(
        StaffAssignment.objects.filter(plan=plan)
        .filter(Q(role=StaffRole.LEAD) | Q(is_client_contact=True))
        .select_related("person"),
        key=lambda a: (a.role != StaffRole.LEAD, a.pk),
    )
    people: dict[int, dict] = {}
    for assignment in assignments:
        entry = people.setdefault(assignment.person_id, {"person": assignment.person, "duties": []})
        for label in (
            assignment.get_role_display() if assignment.role == StaffRole.LEAD else None,
            _("客户联系人") if assignment.is_client_contact else None,
        ):
            if label and str(label) not in entry["duties"]:
                entry["duties"].append(str(label))
    if not people:
        person = reception.lead or reception.requester
        people[person.pk] = {"person": person, "duties": [_("牵头负责人")]}
    lines = [VISIT_CONTACTS_MARKER]
    for entry in people.values():
        person = entry["person"]
        lines.append(
            _("%(name)s（%(duties)s）：%(phone)s")
            % {"name": person.display_name, "duties": "、".join(entry["duties"]), "phone": person.phone or unknown}
        )
    link = reception.client_links.select_related("contact__organization").order_by("position", "id").first()
    if link is not None:
        contact = link.contact
        who = " ".join(part for part in (contact.organization.name, contact.title) if part)
        name = f"{contact.name}（{who}）" if who else contact.name
        lines.append(_("来访方联系人：%(name)s：%(phone)s") % {"name": name, "phone": contact.phone or unknown})
    return "\n".join(lines)


def with_visit_contacts(contacts: str, plan) -> str:
    """`contacts` with the "本次联系人" block (re)written at its end: an older block is replaced, not repeated."""
    head = contacts.split(VISIT_CONTACTS_MARKER, 1)[0].rstrip()
    block = visit_contacts_block(plan)
    return f"{head}\n\n{block}" if head else block
