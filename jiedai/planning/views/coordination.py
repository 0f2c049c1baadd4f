"""The plan's coordination tab (policy 3.2.1–3.2.2): the communication log and the client's special needs,
coordination meetings and preparation tasks.

One page shows the four lists; editors add rows with the forms under each list and edit a row on the same page
(…/<id>/edit/ opens its form in place). Thin views: parse, call one service, redirect or show the errors."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiedai.core.errors import NotFound, ValidationFailed
from jiedai.core.page_cache import cached_page
from jiedai.core.web import add_domain_errors, client_ip, domain_errors
from jiedai.planning import selectors_coordination as selectors
from jiedai.planning.forms_coordination import CommunicationForm, MeetingForm, NeedForm, TaskForm
from jiedai.planning.services import coordination as services
from jiedai.planning.views.common import plan_context
from jiedai.planning.views.editing import editor_context, save_form


@dataclass(frozen=True)
class Part:
    """One list of the tab, with its form, its row lookup and its services."""

    form: type
    anchor: str
    row: Callable
    create: Callable
    update: Callable
    id_name: str
    created: str
    updated: str
    delete: Callable | None = None
    deleted: str = ""


PARTS = {
    "communication": Part(
        CommunicationForm,
        "communications",
        selectors.communication_of,
        services.communication_create,
        services.communication_update,
        "communication_id",
        gettext_lazy("沟通记录已添加。"),
        gettext_lazy("沟通记录已修改。"),
        services.communication_delete,
        gettext_lazy("沟通记录已删除。"),
    ),
    "need": Part(
        NeedForm,
        "needs",
        selectors.need_of,
        services.need_create,
        services.need_update,
        "need_id",
        gettext_lazy("特殊需求已添加。"),
        gettext_lazy("特殊需求已修改。"),
        services.need_delete,
        gettext_lazy("特殊需求已删除。"),
    ),
    "meeting": Part(
        MeetingForm,
        "meetings",
        selectors.meeting_of,
        services.meeting_create,
        services.meeting_update,
        "meeting_id",
        gettext_lazy("协调会已添加，已通知参会人员。"),
        gettext_lazy("协调会已修改。"),
    ),
    "task": Part(
        TaskForm,
        "tasks",
        selectors.task_of,
        services.task_create,
        services.task_update,
        "task_id",
        gettext_lazy("准备任务已添加，已通知责任人。"),
        gettext_lazy("准备任务已修改。"),
    ),
}


def _tab_url(pk, anchor: str = "") -> str:
    url = reverse("planning:coordination", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _back(request, pk, **kwargs) -> str:
    return _tab_url(pk)


def _add_initial(name: str, user) -> dict:
    if name == "communication":
        return {"staff": str(user.pk), "at": timezone.now()}
    return {}


def _render(request, context, *, options=None, bound: dict | None = None, editing: dict | None = None):
    """The tab. `bound`: forms carrying the user's input and errors (or a row's values), by part; `editing`: the
    part and row whose edit form replaces that list's add form."""
    plan = context["plan"]
    parts = selectors.coordination_parts(plan, request.user)
    context.update(parts=parts, editing=editing or {}, forms={})
    if context["can_edit"]:
        options = options or selectors.coordination_options(plan, meetings=parts.meetings)
        bound = bound or {}
        for name, part in PARTS.items():
            form = bound.get(name)
            if form is None:
                form = part.form(options=options, prefix=name, initial=_add_initial(name, request.user))
            context["forms"][name] = form
    return render(request, "planning/coordination.html", context)


@login_required
@require_GET
@cached_page
@domain_errors(back="receptions:list")
def coordination_view(request, pk):
    return _render(request, plan_context(request, pk, tab="coordination"))


def _show_errors(form, exc: ValidationFailed) -> None:
    """The service's field errors on their fields; any the form has no field for, together above the form."""
    rest = add_domain_errors(form, exc)
    if rest:
        form.add_error(None, " ".join(m for messages_ in rest.values() for m in messages_))


def _save(request, pk, name: str, item_id=None):
    """POST of an add or edit form: the service's errors come back onto the form, shown in place."""
    part = PARTS[name]
    context = editor_context(request, pk, tab="coordination")
    options = selectors.coordination_options(context["plan"])
    form = part.form(request.POST, options=options, prefix=name)
    editing = {"part": name, "id": item_id} if item_id else None
    if item_id is None:
        service, target = part.create, {}
    else:
        service, target = part.update, {part.id_name: item_id}
    saved = save_form(
        form, service, show_errors=_show_errors, reception_id=pk, by=request.user, ip=client_ip(request), **target
    )
    if saved is not None:
        messages.success(request, part.updated if item_id else part.created)
        return redirect(_tab_url(pk, part.anchor))
    return _render(request, context, options=options, bound={name: form}, editing=editing)


def _create_view(name: str):
    @login_required
    @require_POST
    @domain_errors(back=_back)
    def view(request, pk):
        return _save(request, pk, name)

    view.__name__ = f"{name}_create_view"
    return view


def _edit_view(name: str):
    """GET: the tab with the row's form open; POST: save it."""

    @login_required
    @require_http_methods(["GET", "POST"])
    @domain_errors(back=_back)
    def view(request, pk, item_id):
        if request.method == "POST":
            return _save(request, pk, name, item_id)
        part = PARTS[name]
        context = editor_context(request, pk, tab="coordination")
        row = part.row(context["plan"], item_id)
        if row is None:
            raise NotFound(_("找不到该记录。"))
        options = selectors.coordination_options(context["plan"])
        form = part.form(options=options, prefix=name, initial=part.form.initial_for(row, part.form.FIELDS))
        return _render(request, context, options=options, bound={name: form}, editing={"part": name, "id": row.pk})

    view.__name__ = f"{name}_edit_view"
    return view


def _delete_view(name: str):
    @login_required
    @require_POST
    @domain_errors(back=_back)
    def view(request, pk, item_id):
        part = PARTS[name]
        part.delete(reception_id=pk, by=request.user, ip=client_ip(request), **{part.id_name: item_id})
        messages.success(request, part.deleted)
        return redirect(_tab_url(pk, part.anchor))

    view.__name__ = f"{name}_delete_view"
    return view


communication_create_view = _create_view("communication")
communication_edit_view = _edit_view("communication")
communication_delete_view = _delete_view("communication")
need_create_view = _create_view("need")
need_edit_view = _edit_view("need")
need_delete_view = _delete_view("need")
meeting_create_view = _create_view("meeting")
meeting_edit_view = _edit_view("meeting")
task_create_view = _create_view("task")
task_edit_view = _edit_view("task")

STATUS_MESSAGES = {
    "done": gettext_lazy("任务已标记为完成。"),
    "open": gettext_lazy("任务已重新打开。"),
    "cancelled": gettext_lazy("任务已取消。"),
}


@login_required
@require_POST
@domain_errors(back=_back)
def task_status_view(request, pk, item_id):
    """policy 3.2.2: the owner reports a task done (or reopens it); an editor may also cancel it."""
    status = request.POST.get("status", "")
    services.task_set_status(reception_id=pk, task_id=item_id, by=request.user, status=status, ip=client_ip(request))
    messages.success(request, STATUS_MESSAGES.get(status, ""))
    return redirect(_tab_url(pk, "tasks"))
