"""Build approved requests and plans in tests through the services (never raw saves)."""

from datetime import timedelta

from jiedai.planning.models import StaffRole
from jiedai.planning.services.plan import plan_ensure
from jiedai.receptions.services import reception_create, reception_submit
from jiedai.receptions.tests.factories import decide, important_data, request_data


def approved_reception(people, *, important: bool = False, requester: str = "sales_rep", **overrides):
    """A request by `requester` (sales) approved by the whole chain. important=True: lead sales_rep, coordinating
    department tech, so the GM approves too and tech's head is copied."""
    data = important_data(people, **overrides) if important else request_data(**overrides)
    reception = reception_create(by=people[requester], data=data)
    reception = reception_submit(reception_id=reception.pk, by=people[requester])
    for approver in ["sales_head", "vp_sales", *(["gm"] if important else [])]:
        reception = decide(people, reception, approver)
    assert reception.status == "approved", reception.status
    return reception


def plan_for(people, reception=None, **overrides):
    reception = reception or approved_reception(people, **overrides)
    return plan_ensure(reception, by=people["sales_rep"])


def ready_plan(people, reception=None, *, with_emergency: bool = True, **overrides):
    """A plan that can be submitted (policy 3.1–3.3): one itinerary item, a lead on the staff list and one
    emergency plan attached — all through the services."""
    from jiedai.planning.services.itinerary import item_create, staff_assign

    plan = plan_for(people, reception, **overrides)
    by, rid = people["sales_rep"], plan.reception_id
    start = plan.reception.visit_start
    item = {"kind": "welcome", "title": "欢迎会", "start": start, "end": start + timedelta(hours=1)}
    item_create(reception_id=rid, by=by, data=item)
    staff_assign(reception_id=rid, by=by, data={"person": by, "role": StaffRole.LEAD, "is_client_contact": True})
    if with_emergency:
        attach_emergency(people, rid)
    plan.refresh_from_db()
    return plan


def attach_emergency(people, reception_id: int):
    """Attach the first emergency template to the plan (policy 3.3.1: a plan goes to review with one)."""
    from jiedai.planning.emergency_seeds import ensure_emergency_templates
    from jiedai.planning.models import EmergencyTemplate
    from jiedai.planning.services.emergency import plan_emergency_attach

    ensure_emergency_templates()  # transactional tests flush what the data migration seeded
    template = EmergencyTemplate.objects.order_by("id").first()
    return plan_emergency_attach(reception_id=reception_id, by=people["sales_rep"], data={"template": template})
