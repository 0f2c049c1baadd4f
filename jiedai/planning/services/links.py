"""The client's itinerary behind an unguessable, revocable link (policy 3.1.1; 3.2.1: the host confirms the
arrangements with the client). No login: whoever holds the link reads the day-by-day schedule and our contact
people — never internal notes, confidential material, costs or the rest of the staffing.

Links may be created and revoked while the plan is under review (unlike the plan's content): a leaked link must
be revocable at any moment, and sharing the schedule does not change the plan."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, NotFound
from jiedai.planning.access import get_reception_with_plan
from jiedai.planning.models import ItineraryItem, ItineraryLink, Plan, PlanAction, StaffAssignment, StaffRole
from jiedai.planning.services.plan import history, plan_ensure
from jiedai.receptions.models import LOCAL_TZ, ReceptionClient, ReceptionStatus

MAX_ACTIVE_LINKS = 10
TOKEN_MAX_LENGTH = 64


def _plan_for_links(*, reception_id: int, by) -> Plan:
    """The editors only (404 for outsiders, 403 for readers); the plan row locked for this transaction."""
    reception = get_reception_with_plan(by, reception_id, write=True)
    plan = plan_ensure(reception, by=by)
    return Plan.objects.select_for_update(of=("self",)).select_related("reception").get(pk=plan.pk)


@transaction.atomic
def link_create(*, reception_id: int, by, ip=None) -> ItineraryLink:
    """A new link to the client's itinerary. The token (secrets.token_urlsafe(32), 256 bits) is the only key."""
    plan = _plan_for_links(reception_id=reception_id, by=by)
    active = ItineraryLink.objects.filter(plan=plan, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_LINKS:
        raise ConflictError(_("有效的行程链接已有 %(n)s 个；请先作废不再使用的链接。") % {"n": MAX_ACTIVE_LINKS})
    link = ItineraryLink.objects.create(plan=plan, created_by=by)
    history(plan, PlanAction.LINK_CREATED, by=by, summary=_("客户行程链接 …%s") % link.token[-6:], ip=ip)
    return link


@transaction.atomic
def link_revoke(*, reception_id: int, link_id: int, by, ip=None) -> ItineraryLink:
    """Revoke a link: from now on it answers 404. Revoking a revoked link changes nothing."""
    plan = _plan_for_links(reception_id=reception_id, by=by)
    try:
        link_id = int(link_id)
    except (TypeError, ValueError):
        raise NotFound(_("找不到该链接。")) from None
    link = ItineraryLink.objects.filter(plan=plan, pk=link_id).first()
    if link is None:
        raise NotFound(_("找不到该链接。"))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        history(plan, PlanAction.LINK_REVOKED, by=by, summary=_("客户行程链接 …%s") % link.token[-6:], ip=ip)
    return link


def links_of(plan: Plan) -> list:
    """The plan's links, live ones first, newest first (for the editors)."""
    return list(
        ItineraryLink.objects.filter(plan=plan)
        .select_related("created_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-id")
    )


def plan_for_token(token: str) -> Plan | None:
    """The plan behind a live link, or None (unknown, revoked, or the visit's request no longer approved)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    link = (
        ItineraryLink.objects.filter(
            token=token, revoked_at__isnull=True, plan__reception__status=ReceptionStatus.APPROVED
        )
        .select_related("plan__reception")
        .first()
    )
    return link.plan if link is not None else None


# ---- what the client sees ---------------------------------------------------------------------------------------

# The only item fields read for the client: internal_notes, site areas, staffing and bookings are never loaded.
CLIENT_ITEM_FIELDS = ("id", "plan_id", "kind", "title", "start", "end", "place", "description")


@dataclass
class Contact:
    name: str
    roles: list
    phone: str


@dataclass
class Day:
    number: int
    date: datetime.date
    items: list


@dataclass
class PublicItinerary:
    plan: Plan
    reception: object
    organisations: list
    days: list
    contacts: list

    @property
    def items(self) -> list:
        return [item for day in self.days for item in day.items]


def client_items(plan: Plan):
    return ItineraryItem.objects.filter(plan=plan).only(*CLIENT_ITEM_FIELDS).order_by("start", "end", "id")


def public_itinerary(plan: Plan) -> PublicItinerary:
    """The client's view of the plan: the schedule by local day, our contact people (name, role, phone) and the
    client organisations' names — three queries."""
    reception = plan.reception
    days: list[Day] = []
    first_date = reception.visit_start.astimezone(LOCAL_TZ).date() if reception.visit_start else None
    for item in client_items(plan):
        date = item.start.astimezone(LOCAL_TZ).date()
        if not days or days[-1].date != date:
            number = (date - first_date).days + 1 if first_date else len(days) + 1
            days.append(Day(number=number, date=date, items=[]))
        days[-1].items.append(item)
    contacts: dict[int, Contact] = {}
    duties = StaffAssignment.objects.filter(plan=plan, is_client_contact=True).select_related("person")
    roles = list(StaffRole.values)  # the lead first, as the roles are declared
    for duty in sorted(duties, key=lambda d: (roles.index(d.role) if d.role in roles else len(roles), d.pk)):
        person = duty.person
        contact = contacts.setdefault(person.pk, Contact(name=person.display_name, roles=[], phone=person.phone))
        role = duty.get_role_display()
        if role not in contact.roles:
            contact.roles.append(role)
    organisations = list(
        dict.fromkeys(
            ReceptionClient.objects.filter(reception=reception)
            .order_by("position", "id")
            .values_list("contact__organization__name", flat=True)
        )
    )
    return PublicItinerary(
        plan=plan, reception=reception, organisations=organisations, days=days, contacts=list(contacts.values())
    )
