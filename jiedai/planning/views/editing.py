"""What the plan's form views share: the context of an edit (only the plan's editors, and not while the plan is
under review) and saving a form through its service, with the service's errors put back on the form."""

from django.utils.translation import gettext as _

from jiedai.core.errors import ConflictError, Forbidden, ValidationFailed
from jiedai.core.web import add_domain_errors
from jiedai.planning.views.common import plan_context


def editor_context(request, pk, *, tab: str) -> dict:
    """A plan page's context for an editor (readers: 403, outsiders: 404; a plan under review: 409 → message)."""
    context = plan_context(request, pk, tab=tab)
    if not context["is_editor"]:
        raise Forbidden(_("只有申请人和牵头负责人可以编制接待方案。"))
    if not context["can_edit"]:
        raise ConflictError(_("方案正在审核中，不能修改；如需修改，请先撤回。"))
    return context


def save_form(form, service, *, show_errors=add_domain_errors, **kwargs):
    """Saves a valid form through `service(data=form.service_data(), **kwargs)` and returns what the service
    returns (the saved row). None when the form or the service found errors: they are on the form then, for the
    view to show it again (`show_errors(form, exc)` puts the service's there)."""
    if not form.is_valid():
        return None
    try:
        return service(data=form.service_data(), **kwargs)
    except ValidationFailed as exc:
        show_errors(form, exc)
        return None
