"""Authentication and the caller's identity: POST /api/v1/auth/token, GET /api/v1/me."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from jiedai.core.api_schema import error_responses
from jiedai.org.models import ApiToken
from jiedai.org.selectors import user_roles

router = Router(tags=["auth"])


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    username: str
    name: str
    department: str | None
    roles: list[str]


@router.post(
    "/auth/token", auth=None, response={200: TokenOut, **error_responses(400, 401, 422, 429)}, summary="获取令牌"
)
def token_obtain(request, payload: TokenIn):
    """Exchange a username and password for a bearer token (shown once; only its hash is stored). Failed
    attempts count towards the same lockout as the login page."""
    bad = HttpError(401, _("用户名或密码不正确。"))
    # Checked before the database sees them: a NUL byte makes PostgreSQL fail the lookup with a 500.
    for value, limit in ((payload.username, 150), (payload.password, 4096)):
        if not value or len(value) > limit or "\x00" in value:
            raise bad
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer the lockout here, in the API's shape; otherwise AxesMiddleware swaps in the login page's HTML.
        request.axes_locked_out = False
        raise HttpError(429, _("登录失败次数过多，请稍后再试。"))
    if user is None or not user.is_active:
        raise bad
    return {"token": ApiToken.issue(user)}


@router.delete("/auth/token", response={204: None, **error_responses(401)}, summary="注销令牌")
def token_revoke(request):
    """Revoke the token this request was made with (log out an integration). Tokens also expire after 30 days."""
    request.api_token.delete()
    return Status(204, None)


@router.get("/me", response={200: MeOut, **error_responses(401)}, summary="当前用户")
def me(request):
    """The caller: username, name, department code and roles (company roles plus department_head /
    supervising_leader)."""
    user = request.auth
    return {
        "username": user.username,
        "name": user.display_name,
        "department": user.department.code if user.department_id else None,
        "roles": user_roles(user),
    }
