"""What every plan page shares: the request, its plan (created on first use) and the header's facts."""

from django.utils.translation import gettext_lazy as _

from jiedai.planning.access import get_reception_with_plan, is_logistics_handler, is_plan_editor
from jiedai.planning.selectors import plan_deadline
from jiedai.planning.services.plan import plan_ensure

# (code, URL name, label): the plan's parts, one page each.
PLAN_TABS = [
    ("overview", "planning:overview", _("概览")),
    ("itinerary", "planning:itinerary", _("行程与人员")),
    ("materials", "planning:materials", _("资料")),
    ("logistics", "planning:logistics", _("场地·车辆·食宿")),
    ("coordination", "planning:coordination", _("沟通协调")),
    ("emergency", "planning:emergency", _("应急预案")),
]


def plan_context(request, pk, *, tab: str) -> dict:
    """The context of a plan page: reception, plan, deadline, what the user may do, and the active tab."""
    reception = get_reception_with_plan(request.user, pk)
    plan = plan_ensure(reception, by=request.user)
    editor = is_plan_editor(request.user, reception)
    return {
        "reception": reception,
        "plan": plan,
        "deadline": plan_deadline(reception, plan),
        "is_editor": editor,
        "can_edit": editor and plan.status != "pending_review",
        "is_logistics": is_logistics_handler(request.user) or editor,
        "tab": tab,
        "plan_tabs": PLAN_TABS,
    }
