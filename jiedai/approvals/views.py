"""The approver's pages: my to-do list, and deciding a task. The document itself is shown by its own app (the
task page sends the approver to the document's page, which shows the decision panel); the engine stays free of
document imports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jiedai.approvals.forms import DecisionForm
from jiedai.approvals.models import TaskStatus
from jiedai.approvals.selectors import pending_tasks_for, task_for_user
from jiedai.approvals.services import approval_task_decide
from jiedai.core.errors import ValidationFailed
from jiedai.core.page_cache import cached_page
from jiedai.core.web import add_domain_errors, client_ip, domain_errors, is_htmx, redirect_to

PAGE_SIZE = 20

DONE_MESSAGES = {
    "approve": gettext_lazy("已同意：%(title)s"),
    "reject": gettext_lazy("已驳回：%(title)s"),
    "return": gettext_lazy("已退回申请人修改：%(title)s"),
}


def document_url(instance, task=None) -> str:
    """The document's page (where the decision panel is), or the to-do list for a document without one."""
    if not instance.url:
        return reverse("approvals:tasks")
    return f"{instance.url}?task={task.pk}#decide" if task is not None else instance.url


def _back_to_document(request, pk):
    return document_url(task_for_user(request.user, pk).instance)


@login_required
@require_GET
@cached_page
def tasks(request):
    page = Paginator(pending_tasks_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/tasks.html", {"page_obj": page, "tasks": list(page.object_list)})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors(back=_back_to_document)
def task(request, pk):
    """GET: open the document with the decision panel. POST: decide. Someone else's task is a 404; a task already
    decided (by a colleague, or in another tab) is a ConflictError: a message and back to the document."""
    task = task_for_user(request.user, pk)
    if request.method == "GET":
        if task.status != TaskStatus.PENDING:
            messages.info(request, _("该任务已处理（%(status)s）。") % {"status": task.get_status_display()})
            return redirect_to(request, document_url(task.instance))
        return redirect_to(request, document_url(task.instance, task))
    form = DecisionForm(request.POST)
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            approval_task_decide(
                task_id=task.pk,
                by=request.user,
                decision=decision,
                comment=form.cleaned_data["comment"],
                ip=client_ip(request),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, DONE_MESSAGES[decision] % {"title": task.instance.title})
            return redirect_to(request, document_url(task.instance))
    context = {"task": task, "form": form}
    if is_htmx(request):
        return render(request, "approvals/_decision_panel.html", context)
    return render(request, "approvals/decide.html", context)
