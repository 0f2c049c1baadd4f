"""The company's emergency plan templates (policy 3.3) at /emergency/: every member of staff reads them (they are
company procedures); administration (the role) and superusers create, revise and drill them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jiedai.core.errors import Forbidden
from jiedai.core.page_cache import cached_page
from jiedai.core.runtime_settings import get_setting
from jiedai.core.web import domain_errors
from jiedai.planning.forms_emergency import DrillForm, TemplateForm, TemplateReviseForm
from jiedai.planning.selectors_emergency import (
    can_manage_emergency_templates,
    get_template,
    local_today,
    template_detail,
    template_listing,
)
from jiedai.planning.services.emergency import drill_record, template_create, template_revise
from jiedai.planning.views.editing import save_form


def _require_manager(user) -> None:
    if not can_manage_emergency_templates(user):
        raise Forbidden(_("只有行政部接待岗可以编制、修订和演练应急预案。"))


@login_required
@require_GET
@cached_page
def emergency_templates_view(request):
    interval = get_setting("drill_interval_months")
    templates = template_listing(interval_months=interval)
    return render(
        request,
        "planning/emergency_templates.html",
        {
            "templates": templates,
            "overdue_count": sum(1 for t in templates if t.is_active and t.drill.overdue),
            "interval": interval,
            "can_manage": can_manage_emergency_templates(request.user),
        },
    )


@login_required
@require_GET
@cached_page
@domain_errors(back="planning:emergency_templates")
def emergency_template_view(request, template_id):
    interval = get_setting("drill_interval_months")
    template = template_detail(template_id, interval_months=interval)
    return render(
        request,
        "planning/emergency_template.html",
        {
            "template": template,
            "revisions": list(template.revisions.all()),
            "drills": list(template.drills.all()),
            "interval": interval,
            "can_manage": can_manage_emergency_templates(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="planning:emergency_templates")
def emergency_template_create_view(request):
    _require_manager(request.user)
    form = TemplateForm(request.POST or None)
    template = save_form(form, template_create, by=request.user) if request.method == "POST" else None
    if template is not None:
        messages.success(request, _("应急预案“%s”已创建（第 1 版）。") % template.name)
        return redirect("planning:emergency_template", template_id=template.pk)
    return render(request, "planning/emergency_template_form.html", {"form": form, "template": None})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="planning:emergency_template")
def emergency_template_revise_view(request, template_id):
    template = get_template(template_id)
    _require_manager(request.user)
    if request.method == "GET":
        form = TemplateReviseForm(initial=TemplateReviseForm.initial_for(template))
    else:
        form = TemplateReviseForm(request.POST)
        expected = form.cleaned_data.get("expected_revision") if form.is_valid() else None
        revised = save_form(form, template_revise, template_id=template.pk, by=request.user, expected_revision=expected)
        if revised is not None:
            messages.success(request, _("已修订为第 %(revision)s 版。") % {"revision": revised.revision})
            return redirect("planning:emergency_template", template_id=revised.pk)
    return render(request, "planning/emergency_template_form.html", {"form": form, "template": template})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="planning:emergency_template")
def emergency_drill_create_view(request, template_id):
    template = get_template(template_id)
    _require_manager(request.user)
    form = DrillForm(request.POST or None, initial={"date": local_today()})
    drill = (
        save_form(form, drill_record, template_id=template.pk, by=request.user) if request.method == "POST" else None
    )
    if drill is not None:
        messages.success(request, _("演练记录已保存。如需修改预案，请修订并写明原因。"))
        return redirect("planning:emergency_template", template_id=template.pk)
    return render(request, "planning/emergency_drill_form.html", {"form": form, "template": template})
