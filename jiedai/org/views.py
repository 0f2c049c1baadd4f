from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedai.core.errors import ValidationFailed
from jiedai.core.web import domain_errors
from jiedai.org.forms import DelegationForm
from jiedai.org.selectors import delegations_of
from jiedai.org.services import delegation_create, delegation_revoke


@login_required
def delegations_view(request):
    """Name a delegate while away (policy 2.2); see and revoke one's delegations."""
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            delegation_create(by=request.user, **form.cleaned_data)
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("已设置代理人。"))
            return redirect("org:delegations")
    context = {"form": form, "delegations": delegations_of(request.user), "now": timezone.now()}
    return render(request, "org/delegations.html", context)


@login_required
@require_POST
@domain_errors(back="org:delegations")
def delegation_revoke_view(request, pk):
    delegation_revoke(by=request.user, delegation_id=pk)
    messages.success(request, _("已撤销代理授权。"))
    return redirect("org:delegations")
