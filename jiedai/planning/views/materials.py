"""The plan's materials page (资料准备, policy 3.1.1): the list, upload, edit, delete, and downloads through the app
(never a public media URL) with a log. Confidential material is not listed at all to readers not cleared."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.forms import BootstrapFormMixin
from jiedai.core.page_cache import cached_page
from jiedai.core.web import add_domain_errors, client_ip, domain_errors
from jiedai.planning.access import get_reception_with_plan
from jiedai.planning.form_fields import optional_text
from jiedai.planning.models import Confidentiality, MaterialKind, Plan
from jiedai.planning.services.links import links_of
from jiedai.planning.services.materials import (
    material_delete,
    material_download,
    material_of,
    material_update,
    material_upload,
    materials_listing,
)
from jiedai.planning.uploads import (
    SizeLimitUploadHandler,
    accept_attribute,
    allowed_extensions,
    limit_label,
    too_large_error,
)
from jiedai.planning.views.common import plan_context
from jiedai.planning.views.editing import save_form
from jiedai.planning.views.public import link_urls


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（{obj.department}）" if obj.department_id else obj.display_name


class MaterialForm(BootstrapFormMixin, forms.Form):
    """Parses types only; the rules (and the file checks) run in services.materials."""

    title = forms.CharField(label=gettext_lazy("名称"), required=False, max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=MaterialKind.choices, initial=MaterialKind.OTHER)
    confidentiality = forms.ChoiceField(
        label=gettext_lazy("密级"), choices=Confidentiality.choices, initial=Confidentiality.INTERNAL
    )
    description = optional_text(gettext_lazy("说明"), max_length=2000, rows=2)
    cleared = PersonChoiceField(
        label=gettext_lazy("可查阅保密资料的人员"),
        required=False,
        queryset=get_user_model().objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy(
            "仅对“保密”资料有效；方案编制人（申请人、牵头负责人）始终可以查阅。按住 Ctrl/⌘ 可多选。"
        ),
    )

    def __init__(self, *args, with_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cleared"].queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .select_related("department")
            .order_by("department__name", "full_name", "username")
        )
        if with_file:
            self.fields = {
                "file": forms.FileField(
                    label=_("文件"),
                    required=False,
                    widget=forms.ClearableFileInput(attrs={"accept": accept_attribute()}),
                    help_text=_("%(types)s；不超过 %(limit)s。")
                    % {"types": "、".join(allowed_extensions()), "limit": limit_label()},
                ),
                **self.fields,
            }
            self.fields["file"].widget.attrs["class"] = "form-control"

    def service_data(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ("title", "kind", "confidentiality", "description")}
        data["cleared"] = list(self.cleaned_data.get("cleared") or [])
        return data

    @classmethod
    def initial_for(cls, material) -> dict:
        return {
            "title": material.title,
            "kind": material.kind,
            "confidentiality": material.confidentiality,
            "description": material.description,
            "cleared": [user.pk for user in material.cleared.all()],
        }


def _render_page(request, pk, form=None):
    context = plan_context(request, pk, tab="materials")
    context["plan"].reception = context["reception"]  # already read: the listing's access checks need it
    listing = materials_listing(request.user, context["plan"])
    if form is None and context["can_edit"]:
        form = MaterialForm(with_file=True)
    context.update(listing=listing, form=form)
    if context["is_editor"]:  # 分享与导出: the client's itinerary links
        context["links"] = link_urls(request, links_of(context["plan"]))
    return render(request, "planning/materials.html", context)


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def materials_view(request, pk):
    return _render_page(request, pk)


@csrf_exempt  # the size-limiting upload handler must be installed before the CSRF check reads the body
@login_required
@require_http_methods(["GET", "POST"])
def material_upload_view(request, pk):
    """GET: the upload form on a page of its own (the materials page also carries it). POST: upload."""
    if request.method == "POST":
        request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _material_upload(request, pk)


@csrf_protect
@domain_errors(back="planning:materials")
def _material_upload(request, pk):
    reception = get_reception_with_plan(request.user, pk, write=True)  # 404 outsiders, 403 readers, before parsing
    if request.method == "GET":
        return _render_form_page(request, reception.pk, MaterialForm(with_file=True))
    form = MaterialForm(request.POST, request.FILES, with_file=True)
    valid = form.is_valid()
    if getattr(request, "upload_too_large", False):  # the handler dropped the file: say why
        add_domain_errors(form, too_large_error())
    elif valid:
        file = form.cleaned_data.get("file")
        material = save_form(form, material_upload, reception_id=pk, by=request.user, file=file, ip=client_ip(request))
        if material is not None:
            messages.success(request, _("已上传“%(title)s”。") % {"title": material.title})
            return redirect("planning:materials", pk=pk)
    return _render_page(request, pk, form=form)


def _render_form_page(request, pk, form, material=None):
    context = plan_context(request, pk, tab="materials")
    context.update(material=material, form=form)
    return render(request, "planning/_materials_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back="planning:materials")
def material_edit_view(request, pk, material_id):
    reception = get_reception_with_plan(request.user, pk, write=True)
    plan = Plan.objects.filter(reception=reception).first()
    material = material_of(plan, material_id) if plan else None
    if material is None:
        raise Http404(_("找不到该资料。"))
    if request.method == "POST":
        form = MaterialForm(request.POST)
        saved = save_form(
            form, material_update, reception_id=pk, material_id=material.pk, by=request.user, ip=client_ip(request)
        )
        if saved is not None:
            messages.success(request, _("资料已更新。"))
            return redirect("planning:materials", pk=pk)
    else:
        form = MaterialForm(initial=MaterialForm.initial_for(material))
    return _render_form_page(request, reception.pk, form, material)


@login_required
@require_POST
@domain_errors(back="planning:materials")
def material_delete_view(request, pk, material_id):
    material_delete(reception_id=pk, material_id=material_id, by=request.user, ip=client_ip(request))
    messages.success(request, _("资料已删除。"))
    return redirect("planning:materials", pk=pk)


@login_required
@require_GET
@domain_errors(back="planning:materials")
def material_download_view(request, pk, material_id):
    """The file as an attachment, logged (policy 3.1.1). Readers who may not see it get 404."""
    material = material_download(reception_id=pk, material_id=material_id, by=request.user, ip=client_ip(request))
    try:
        handle = material.file.storage.open(material.file.name, "rb")
    except FileNotFoundError:
        raise Http404(_("找不到该资料。")) from None
    extension = material.file.name.rsplit(".", 1)[-1] if "." in material.file.name else "bin"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name or f"material-{material.pk}.{extension}",
        content_type=material.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
