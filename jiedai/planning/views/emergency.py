"""The plan's emergency page (policy 3.3.1): the templates that apply to this visit, each copied into the plan and
adapted to it (the actual people and phone numbers). Editors attach, adapt, re-sync and remove; every reader of
the plan reads them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.errors import NotFound
from jiedai.core.page_cache import cached_page
from jiedai.core.web import client_ip, domain_errors
from jiedai.planning.access import get_reception_with_plan
from jiedai.planning.forms_emergency import PlanEmergencyAttachForm, PlanEmergencyForm
from jiedai.planning.models import EmergencyTemplate, PlanEmergency
from jiedai.planning.selectors_emergency import (
    VISIT_CONTACTS_MARKER,
    attachable_templates,
    plan_emergencies,
    revisions_since,
    with_visit_contacts,
)
from jiedai.planning.services.emergency import plan_emergency_attach, plan_emergency_remove, plan_emergency_update
from jiedai.planning.views.common import plan_context
from jiedai.planning.views.editing import save_form


def _back_to_tab(request, pk, **kwargs) -> str:
    return reverse("planning:emergency", args=[pk])


def _tab_url(pk, emergency_id=None) -> str:
    url = reverse("planning:emergency", args=[pk])
    return f"{url}#emergency-{emergency_id}" if emergency_id else url


def _render_tab(request, context, attach_form=None):
    plan = context["plan"]
    if context["can_edit"] and attach_form is None:
        attach_form = PlanEmergencyAttachForm(templates=attachable_templates(plan))
    context.update(emergencies=plan_emergencies(plan), attach_form=attach_form)
    return render(request, "planning/emergency.html", context)


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def emergency_view(request, pk):
    return _render_tab(request, plan_context(request, pk, tab="emergency"))


@login_required
@require_POST
@domain_errors(back="planning:emergency")
def emergency_attach_view(request, pk):
    get_reception_with_plan(request.user, pk, write=True)
    form = PlanEmergencyAttachForm(request.POST, templates=EmergencyTemplate.objects.filter(is_active=True))
    emergency = save_form(form, plan_emergency_attach, reception_id=pk, by=request.user, ip=client_ip(request))
    if emergency is not None:
        messages.success(request, _("已添加“%s”。请按本次接待核对人员和电话，必要时修改。") % emergency.template.name)
        return redirect("planning:emergency_edit", pk=pk, emergency_id=emergency.pk)
    context = plan_context(request, pk, tab="emergency")
    form.fields["template"].queryset = attachable_templates(context["plan"])
    return _render_tab(request, context, attach_form=form)


def _emergency_in(plan, emergency_id) -> PlanEmergency:
    emergency = PlanEmergency.objects.select_related("template").filter(pk=emergency_id, plan=plan).first()
    if emergency is None:
        raise NotFound(_("找不到该应急预案。"))
    return emergency


def _resync_initial(emergency, plan) -> dict:
    """The re-sync starts from the template's current text; a "本次联系人" block the copy had is written afresh."""
    template = emergency.template
    contacts = template.contacts
    if VISIT_CONTACTS_MARKER in emergency.contacts:
        contacts = with_visit_contacts(contacts, plan)
    return {
        "procedure": template.procedure,
        "responsibilities": template.responsibilities,
        "contacts": contacts,
        "template_revision": template.revision,
    }


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back_to_tab)
def emergency_edit_view(request, pk, emergency_id):
    """Adapt a copy. ?resync=1 starts from the template's newer revision (the old copy shown beside it); the
    "填入本次联系人" button posts action=prefill and comes back with the block written into the contacts, unsaved."""
    get_reception_with_plan(request.user, pk, write=True)
    context = plan_context(request, pk, tab="emergency")
    if not context["can_edit"]:
        messages.warning(request, _("方案正在审核中，不能修改；如需修改，请先撤回。"))
        return redirect("planning:emergency", pk=pk)
    plan = context["plan"]
    emergency = _emergency_in(plan, emergency_id)
    resync = request.GET.get("resync") == "1" and emergency.template.revision > emergency.template_revision
    if request.method == "GET":
        initial = (
            _resync_initial(emergency, plan)
            if resync
            else {
                "procedure": emergency.procedure,
                "responsibilities": emergency.responsibilities,
                "contacts": emergency.contacts,
            }
        )
        form = PlanEmergencyForm(initial=initial)
    elif request.POST.get("action") == "prefill":
        data = request.POST.copy()
        data["contacts"] = with_visit_contacts(data.get("contacts", ""), plan)
        form = PlanEmergencyForm(data)
        resync = resync or bool(data.get("template_revision"))
        messages.info(request, _("已填入本次联系人，核对后请保存。"))
    else:
        form = PlanEmergencyForm(request.POST)
        saved = save_form(
            form,
            plan_emergency_update,
            reception_id=pk,
            emergency_id=emergency.pk,
            by=request.user,
            ip=client_ip(request),
        )
        if saved is not None:
            messages.success(request, _("应急预案已保存。"))
            return redirect(_tab_url(pk, saved.pk))
        resync = resync or bool(request.POST.get("template_revision"))
    context.update(
        emergency=emergency,
        form=form,
        resync=resync,
        changes=list(revisions_since(emergency.template, emergency.template_revision)) if resync else [],
    )
    return render(request, "planning/emergency_edit.html", context)


@login_required
@require_POST
@domain_errors(back=_back_to_tab)
def emergency_remove_view(request, pk, emergency_id):
    plan_emergency_remove(reception_id=pk, emergency_id=emergency_id, by=request.user, ip=client_ip(request))
    messages.success(request, _("已从本方案移除该应急预案。"))
    return redirect("planning:emergency", pk=pk)
